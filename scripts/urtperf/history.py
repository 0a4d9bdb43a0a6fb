"""urtperf history: the results history.  Run it as scripts/urtperf.sh (picks the interpreter).

    urtperf history add RUN_DIR... [--db STORE] [--host NAME]
    urtperf history plot   [--db STORE] [--out DIR] [--metric M]... [--host H] [--config REGEX] [--force]
    urtperf history detect [--db STORE] [--last N] [--alpha A] [--metric M]... [--markdown]
    urtperf history synth  --db STORE --results N      (synthetic runs, for load tests)
    urtperf history validate [--trials N]               (the detector's power and false positives)

STORE is an SQLite file (default results/history.sqlite, or $URT_HISTORY_DB)
or a postgresql:// URL.  Exit status: 0 checked and passed (or done), 1 a
regression change point in the last N commits (detect), 2 bad input or
nothing to judge, 130 interrupted.
"""

import os
import re
import sys

from .cli import InputError, OneLineArgumentParser

PROG = "urtperf"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_DB = os.environ.get("URT_HISTORY_DB") or os.path.join(REPO, "results", "history.sqlite")
DEFAULT_PLOTS = os.path.join(REPO, "results", "history")


def _positive_int(text, name, low=1, high=10**9):
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise InputError(f"{name}: expected an integer in {low}..{high}, got {text!r}")
    return value


def _fraction(text, name):
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 1:
        raise InputError(f"{name}: expected a number in (0, 1), got {text!r}")
    return value


def _metrics(args):
    out = []
    for m in args.metric or []:
        out += [x for x in m.split(",") if x]
    return out


def _select(store, args, default_metrics=None):
    from . import series
    metrics = _metrics(args) or default_metrics
    if metrics and not default_metrics:
        known = store.metrics()
        unknown = [m for m in metrics if m not in known]
        if unknown:
            raise InputError(f"--metric {','.join(unknown)}: not in the store (it has: "
                             f"{', '.join(sorted(known)) or 'nothing'})")
    all_series = series.build(store.result_rows(metrics=metrics, host=args.host))
    if args.config:
        try:
            pattern = re.compile(args.config)
        except re.error as err:
            raise InputError(f"--config {args.config!r}: not a regular expression: {err}") from None
        all_series = [s for s in all_series if pattern.search(s.config)]
    return all_series


def _open(db, create=False):
    from .store import Store
    return Store(db, create=create)


# -- history add ------------------------------------------------------------
def cmd_add(args):
    from . import ingest
    runs = [ingest.read_run(folder, host=args.host) for folder in args.run_dirs]  # all checked first
    with _open(args.db, create=True) as store:
        for folder, (one, rows) in zip(args.run_dirs, runs):
            run_id, added = store.add_run(one, rows)
            if added and set(added) != set(one["files"]):
                n = sum(1 for r in rows if r.get("file") in added)
                print(f"{folder}: added {n} results from {', '.join(added)} to run {run_id} "
                      f"(its other files were added before)")
            elif added:
                print(f"{folder}: added run {run_id}: {len(rows)} results from {', '.join(one['files'])} "
                      f"(commit {one['git'] or '?'}, host {one['host']})")
            else:
                print(f"{folder}: already in the store as run {run_id} (same content): nothing added")
    return 0


# -- history plot -----------------------------------------------------------
def cmd_plot(args):
    from .interpreter import ensure_matplotlib
    ensure_matplotlib(PROG)
    from . import detect, series, trends
    from . import outdir
    max_panels = _positive_int(args.max_panels, "--max-panels", 1, 60)
    with _open(args.db) as store:
        chosen = _select(store, args, None if args.metric else series.TRACKED)
    if not chosen:
        raise InputError(f"--db {args.db}: no series to draw (an empty store, or filters that match nothing)")
    metrics = sorted({s.metric for s in chosen}, key=lambda m: (m not in series.TRACKED, m))
    # The figures are this command's outputs; other files in --out are not
    # (ci-history.sh writes change-points.md and the exports beside them).
    out = outdir.prepare(args.out, force=args.force, outputs=[trends.file_name(m) for m in metrics])
    targets = {m: out / trends.file_name(m) for m in metrics}
    existing = [str(p) for p in targets.values() if p.exists()]
    if existing and not args.force:
        raise InputError(f"{existing[0]}: exists (use --force to overwrite)")
    cps = {}
    if args.detect:
        p = detect.DEFAULTS
        for s in chosen:
            if len(s.points) >= 2 * p["min_size"]:
                from . import edivisive
                cps[s.key] = edivisive.e_divisive(s.values(), p["alpha"], p["permutations"],
                                                  p["min_size"], p["seed"])
    for m in metrics:
        group = [s for s in chosen if s.metric == m]
        left_out = trends.draw(m, group, targets[m], max_panels, cps)
        if left_out:
            sys.stderr.write(f"{PROG}: {targets[m].name}: {left_out} more configurations not drawn "
                             f"(choose with --config REGEX or raise --max-panels)\n")
        print(targets[m])
    return 0


# -- history detect ---------------------------------------------------------
def cmd_detect(args):
    from . import detect
    from .compare import render_table
    alpha = _fraction(args.alpha, "--alpha")
    permutations = _positive_int(args.permutations, "--permutations", 19, 100000)
    if alpha * (permutations + 1) < 1:
        raise InputError(f"--alpha {alpha} needs at least {int(1 / alpha)} permutations "
                         "(the smallest p-value is 1/(permutations+1))")
    min_size = _positive_int(args.min_size, "--min-size", 2, 10000)
    last = _positive_int(args.last, "--last", 1, 10**6)
    try:
        min_change = float(args.min_change) / 100
    except ValueError:
        min_change = -1
    if not 0 <= min_change < 10:
        raise InputError(f"--min-change: expected a percentage >= 0, got {args.min_change!r}")
    with _open(args.db) as store:
        chosen = _select(store, args)
    if not chosen:
        raise InputError(f"--db {args.db}: no series (an empty store, or filters that match nothing)")
    found, judged, too_short = detect.run(chosen, alpha, permutations, min_size, last, min_change,
                                          int(args.seed))
    h = "## " if args.markdown else ""
    print(f"{h}Change points (E-Divisive means, permutation test: alpha {alpha:g}, "
          f"{permutations} permutations, min segment {min_size} runs)")
    print(f"series checked: {judged}; too short to judge (< {2 * min_size} runs): {too_short}")
    if found:
        print()
        print(render_table(detect.HEADERS, detect.rows(found), args.markdown))
    status = detect.status(found, judged)
    recent = [f for f in found if f.regression and f.recent]
    print()
    if status == 2:
        print(f"verdict: NOTHING JUDGED: every series has fewer than {2 * min_size} runs")
    elif status == 1:
        print(f"verdict: REGRESSION: {len(recent)} regression change point(s) in the last {last} commits: "
              + ", ".join(f"{f.series.metric} {f.series.config} @ {f.series.host} at {f.commit}" for f in recent))
    else:
        print(f"verdict: PASS: no regression change point in the last {last} commits "
              f"({len(found)} change point(s) in all)")
    return status


# -- history synth / validate -----------------------------------------------
def cmd_synth(args):
    from . import synth
    results = _positive_int(args.results, "--results", 1, 10**7)
    if not args.db.startswith(("postgresql://", "postgres://")) and os.path.exists(args.db) and not args.force:
        raise InputError(f"--db {args.db}: exists; synthetic runs go into a new store "
                         "(use --force to add them to this one)")
    with _open(args.db, create=True) as store:
        runs, rows = synth.fill_store(store, results, seed=int(args.seed))
    print(f"{args.db}: added {runs} synthetic runs, {rows} results (host '{synth.SYNTH_HOST}')")
    return 0


def cmd_validate(args):
    from . import synth
    trials = _positive_int(args.trials, "--trials", 1, 100000)
    try:
        sizes = [int(x) for x in args.sizes.split(",") if x]
    except ValueError:
        sizes = []
    if not sizes or any(s < 5 for s in sizes):
        raise InputError(f"--sizes: expected a comma-separated list of integers >= 5, got {args.sizes!r}")
    alpha = _fraction(args.alpha, "--alpha")
    print(f"planted step {args.step} % in Gaussian noise of sd {args.noise} %; alpha {alpha:g}, "
          f"199 permutations, min segment 5; {trials} series per row (seed {args.seed})")
    print(f"{'points/side':>14} {'detected':>9} {'located':>8} {'false positives':>16}")
    synth.validate(trials, sizes, float(args.step) / 100, float(args.noise) / 100, alpha,
                   seed=int(args.seed), out=sys.stdout)
    return 0


def parser():
    p = OneLineArgumentParser(prog=PROG, description="urt's performance tools (history of results).")
    top = p.add_subparsers(dest="group", metavar="GROUP")
    top.required = True
    h = top.add_parser("history", help="results history: store, trends, change points",
                       description="Every run kept in a store; trends over commits; change points.")
    sub = h.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def db(sp):
        sp.add_argument("--db", default=DEFAULT_DB,
                        help="SQLite file or postgresql:// URL (default: $URT_HISTORY_DB or %(default)s)")

    def filters(sp):
        sp.add_argument("--metric", action="append", metavar="M[,M]",
                        help="metrics to use (ops_per_s, p99_ns, ratio_to_raw, instructions_per_op, "
                             "gate_ratio, wall_s, faults_*)")
        sp.add_argument("--host", help="only this host's runs")
        sp.add_argument("--config", metavar="REGEX", help="only configurations matching this")

    a = sub.add_parser("add", help="ingest run folders (results/<ts>/); a run already stored adds nothing",
                       description="Ingest results/<ts>/ run folders: bench.json, faults.json, "
                                   "hyperfine_*.json and gate outputs found in each.")
    a.add_argument("run_dirs", nargs="+", metavar="RUN_DIR")
    db(a)
    a.add_argument("--host", help="host name for runs whose files do not say (default: from meta, "
                                  "else this machine)")
    a.set_defaults(func=cmd_add)

    pl = sub.add_parser("plot", help="trend figures: each metric over commits, per host, noise band",
                        description="One PNG per metric: history_<metric>.png.")
    db(pl)
    filters(pl)
    pl.add_argument("--out", default=DEFAULT_PLOTS, help="output directory (default: %(default)s)")
    pl.add_argument("--max-panels", default="6",
                    help="configurations per figure, most runs first (default 6)")
    pl.add_argument("--detect", action="store_true", help="mark change points (runs the detector)")
    pl.add_argument("--force", action="store_true", help="overwrite existing figures")
    pl.set_defaults(func=cmd_plot)

    d = sub.add_parser("detect", help="change points (E-Divisive means); exit 1 on a recent regression",
                       description="Exit 1 when a regression change point lies in the last N commits of a "
                                   "series, 0 when none does, 2 when no series has enough runs to judge.")
    db(d)
    filters(d)
    d.add_argument("--last", default=str(10), help="recent = within the last N commits (default 10)")
    d.add_argument("--alpha", default="0.01", help="significance level (default 0.01)")
    d.add_argument("--permutations", default="199", help="shuffles per test (default 199)")
    d.add_argument("--min-size", default="5", help="fewest runs on each side of a change (default 5)")
    d.add_argument("--min-change", default="0",
                   help="ignore regressions smaller than this percentage for the exit status (default 0)")
    d.add_argument("--seed", default="1", help="seed of the shuffles (default 1: reproducible output)")
    d.add_argument("--markdown", action="store_true", help="Markdown for CI job summaries")
    d.set_defaults(func=cmd_detect)

    s = sub.add_parser("synth", help="fill a new store with synthetic runs (load tests; not measurements)")
    s.add_argument("--db", required=True, help="SQLite file (new) or postgresql:// URL")
    s.add_argument("--results", required=True, help="how many result rows to add")
    s.add_argument("--seed", default="1")
    s.add_argument("--force", action="store_true", help="add to an existing store")
    s.set_defaults(func=cmd_synth)

    v = sub.add_parser("validate", help="detector power and false-positive rate on synthetic series")
    v.add_argument("--trials", default="100")
    v.add_argument("--sizes", default="50,100,150,200", help="points on each side of the step")
    v.add_argument("--step", default="-3", help="planted step, percent (default -3)")
    v.add_argument("--noise", default="5", help="noise sd, percent of the level (default 5)")
    v.add_argument("--alpha", default="0.01")
    v.add_argument("--seed", default="1")
    v.set_defaults(func=cmd_validate)
    return p


def main(argv):
    args = parser().parse_args(argv)
    import importlib.util
    if importlib.util.find_spec("numpy") is None:
        raise InputError("numpy is not available to this python3: apt-get install python3-numpy")
    return args.func(args)
