"""urtperf gate-ratios (scripts/gate_ratios.py) - the same-run ratio gate: urt against the bare liburing loop.

    gate_ratios.py --bench BUILD/bench/urt-bench [--baseline FILE] [--rounds N]
    gate_ratios.py --json ROUND1.json [ROUND2.json ...] [--baseline FILE]
    gate_ratios.py --bench ... --update [--update-runs 3]

Absolute ops/s move by tens of percent on a shared CI machine; the ratio of
two backends measured seconds apart in the same process moves much less,
because both see the same machine.  Each round is one urt-bench run over
every backend a check needs (the arguments are in the baseline file).  The
baseline also chooses:
  metric     "iops", or "ops_per_cpu_s" (ops / (user + sys) of the bench
             thread: time spent descheduled by other jobs does not count);
  aggregate  "median" of the per-round ratios, or "best": each backend's best
             round, since noise only ever slows a run down.
When a check fails, the gate measures as many rounds again and decides on
all of them ("confirm": false in the baseline turns that off): a real
regression survives it, one bad stretch of machine load rarely does.
A check passes when its ratio is at or above its floor: target - noise margin,
or, while the runtime misses a target, an "accepted_floor" recorded with a
"why".  Whenever a ratio is below its target, pass or fail, the output says
TARGET MISSED with the floor that let it pass and why: the noise margin is
what the same-run ratio was seen to move by on a loaded 2-core VM (the
baseline's noise_margin_how), so a ratio within it of the target may be the
target met on a noisy run, or a real shortfall this gate cannot resolve.

--update records what was observed (with --bench: over --update-runs gate
runs) in "observed" and changes nothing else: targets, margins and accepted
floors are decisions, edited by hand with their reason and reviewed in the
diff.  It refuses (exit 1, nothing written) when an observed ratio is below
its floor.

Exit status: 0 pass, 1 a ratio below its floor (or the bench failed, or an
update refused), 2 bad input.
"""
import datetime
import json
import os
import statistics
import subprocess
import tempfile

from .cli import BadInput, check_replaceable, write_file_atomically
from .compare import OneLineParser, is_number, load_bench, load_schema_doc, render_table

SCHEMA = "urt-ratios-baseline/1"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_BASELINE = os.path.join(REPO, "results", "baseline", "ratios.json")
MATCH_KEYS = ("workload", "qd", "batch", "complete_batch", "bs", "threads")


def ops_per_cpu_s(r):
    """Operations per second of CPU time the benchmark thread really got.

    On a shared machine a run loses wall time whenever it is descheduled;
    CPU time does not count that, so this moves much less than ops/s while
    being the same number on an idle machine for these single-thread loops."""
    cpu = r.get("cpu") or {}
    for what, v in (("cpu.user_s", cpu.get("user_s")), ("cpu.sys_s", cpu.get("sys_s")), ("ops", r.get("ops"))):
        if v is not None and (not is_number(v) or v < 0):
            raise BadInput(f"a {r.get('backend')} {r.get('workload')} result has a bad {what} value {v!r}")
    used = (cpu.get("user_s") or 0) + (cpu.get("sys_s") or 0)
    if not used or r.get("ops") is None:
        return None
    return r["ops"] / used


METRICS = {"iops": ("ops/s", lambda r: r["iops"]),
           "ops_per_cpu_s": ("ops per CPU-second", ops_per_cpu_s)}


def load_baseline(path):
    doc = load_schema_doc(path, SCHEMA)
    checks = doc.get("checks")
    if not isinstance(checks, list) or not checks:
        raise BadInput(f"{path}: 'checks' must be a non-empty list")
    default_margin = doc.get("noise_margin", 0.0)
    for i, c in enumerate(checks):
        where = f"{path}: checks[{i}]"
        if not isinstance(c, dict):
            raise BadInput(f"{where} is not an object")
        for k in ("name", "numerator", "denominator"):
            if not isinstance(c.get(k), str) or not c[k]:
                raise BadInput(f"{where}.{k} must be a non-empty string")
        if not isinstance(c.get("match"), dict) or "workload" not in c["match"]:
            raise BadInput(f"{where}.match must be an object naming at least the workload")
        bad = [k for k in c["match"] if k not in MATCH_KEYS]
        if bad:
            raise BadInput(f"{where}.match has unknown key(s) {', '.join(bad)}")
        for k in ("target",):
            if not is_number(c.get(k)) or c[k] <= 0:
                raise BadInput(f"{where}.{k} must be a positive number")
        margin = c.get("noise_margin", default_margin)
        if not is_number(margin) or not 0 <= margin < c["target"]:
            raise BadInput(f"{where}.noise_margin must be in [0, target)")
    args = doc.get("bench_args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise BadInput(f"{path}: 'bench_args' must be a list of strings")
    if not isinstance(doc.get("confirm", True), bool):
        raise BadInput(f"{path}: 'confirm' must be true or false")
    if doc.get("aggregate", "median") not in ("median", "best"):
        raise BadInput(f"{path}: 'aggregate' must be median or best")
    if doc.get("metric", "iops") not in METRICS:
        raise BadInput(f"{path}: 'metric' must be one of {', '.join(METRICS)}")
    seen = set()
    for i, c in enumerate(checks):
        # Results are kept by name: a second check of the same name would
        # replace the first one's ratios, and a failing check could pass.
        if c["name"] in seen:
            raise BadInput(f"{path}: checks[{i}].name '{c['name']}' is used twice")
        seen.add(c["name"])
        acc = c.get("accepted_floor")
        if acc is not None and (not is_number(acc) or acc <= 0 or not c.get("why")):
            raise BadInput(f"{path}: checks[{i}].accepted_floor must be a positive number with a 'why'")
        if acc is not None and acc > c["target"]:
            raise BadInput(f"{path}: checks[{i}].accepted_floor is above its target: an accepted floor is a shortfall")
    rounds = doc.get("rounds", 3)
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise BadInput(f"{path}: 'rounds' must be a positive integer")
    return doc


def margin_of(doc, check):
    return check.get("noise_margin", doc.get("noise_margin", 0.0))


def matching(results, backend, match, read):
    values = [read(r) for r in results
              if r["backend"] == backend and all(r.get(k) == v for k, v in match.items())]
    return [v for v in values if v is not None]


def ratios_per_round(doc, rounds):
    """{check name: (the gate's ratio, [ratio in round i])} from the loaded rounds.

    aggregate "median": the median of the per-round ratios.
    aggregate "best": the best round of the numerator over the best round of
    the denominator.  Noise on a shared machine only ever slows a run down,
    so each backend's fastest round is the closest to its undisturbed speed."""
    out = {}
    read = METRICS[doc.get("metric", "iops")][1]
    for c in doc["checks"]:
        values, nums, dens = [], [], []
        for path, bench in rounds:
            num = matching(bench["results"], c["numerator"], c["match"], read)
            den = matching(bench["results"], c["denominator"], c["match"], read)
            if not num or not den:
                missing = c["numerator"] if not num else c["denominator"]
                raise BadInput(f"{path}: no {missing} result matching {c['match']} for check {c['name']}")
            if statistics.median(den) <= 0:
                raise BadInput(f"{path}: {c['denominator']} measured 0 for check {c['name']}")
            values.append(statistics.median(num) / statistics.median(den))
            nums += num
            dens += den
        if doc.get("aggregate", "median") == "best":
            out[c["name"]] = (max(nums) / max(dens), values)
        else:
            out[c["name"]] = (statistics.median(values), values)
    return out


def run_rounds(bench, doc, n, workdir, first=0):
    """Runs urt-bench n times with the baseline's arguments; [(path, doc)]."""
    rounds = []
    for i in range(first, first + n):
        path = os.path.join(workdir, f"round{i}.json")
        cmd = [bench, *doc.get("bench_args", []), "--json", path, "--quiet"]
        if i == 0:
            print("command: " + " ".join(cmd))
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            raise RuntimeError(f"urt-bench failed in round {i} (exit {p.returncode}): "
                               + " | ".join(p.stderr.strip().splitlines()[-3:]))
        rounds.append((path, load_bench(path)))
    return rounds


def report(doc, ratios, markdown):
    """The table and the verdict.  Pass/fail is against the floor; the target
    is reported on every run: any ratio below it prints TARGET MISSED, floor
    or no floor, so a runtime that passes on its noise margin or on an
    accepted floor is never mistaken for one that meets its goal."""
    rows, failed, missed = [], [], []
    for c in doc["checks"]:
        med, values = ratios[c["name"]]
        margin = margin_of(doc, c)
        accepted = c.get("accepted_floor")
        floor = accepted if accepted is not None else c["target"] - margin
        short = f"TARGET MISSED by {(1 - med / c['target']) * 100:.0f} %"
        if med < floor:
            verdict = f"FAIL (below the floor); {short}"
            failed.append(f"{c['name']} ({med:.3f} < {floor:.3f})")
        elif med >= c["target"]:
            verdict = "pass (meets target)"
        elif accepted is not None:
            verdict = f"pass (at or above the accepted floor); {short}"
        else:
            verdict = f"pass (within the noise margin {margin:g} below target); {short}"
        if med < c["target"]:
            missed.append((c, med, floor, accepted))
        rows.append([c["name"], f"{c['numerator']} / {c['denominator']}", f"{med:.3f}",
                     f"{min(values):.3f} .. {max(values):.3f}", f"{c['target']:g}",
                     f"{margin:g}", f"{floor:.3f}" + (" (accepted)" if accepted is not None else ""), verdict])
    agg = "best of rounds" if doc.get("aggregate", "median") == "best" else "median of rounds"
    header = ["check", "ratio", agg, "per-round range", "target", "margin", "floor", "verdict"]
    print(render_table(header, rows, True))
    print()
    for c, med, floor, accepted in missed:
        if med < floor:
            why = f"and below its floor {floor:.3f}: FAIL"
        elif accepted is not None:
            why = f"accepted floor {floor:.3f}: {c['why']}"
        else:
            why = (f"floor {floor:.3f} = target - noise margin: a ratio this far below target is "
                   "within what the baseline measured as noise")
        print(f"TARGET MISSED: {c['name']}: {med:.3f} < target {c['target']:g} ({why})")
    if failed:
        print(f"verdict: FAIL: {len(failed)} of {len(rows)} ratios below their floor: {', '.join(failed)}")
        return 1
    met = len(rows) - len(missed)
    print(f"verdict: PASS ({len(rows)} ratios at or above their floors; {met} of {len(rows)} meet "
          f"their target{', ' + str(len(missed)) + ' TARGET MISSED' if missed else ''})")
    return 0


def updated_baseline(doc, measurements, command):
    """The baseline with what was observed; floors are left exactly as they are.

    measurements: one {check: (gate value, per-round ratios)} per gate run.
    Targets, noise margins and accepted floors are decisions, changed by hand
    with their reason in the file and the diff: a noisy run must never move
    them (an update that raised a floor to one lucky run's level, or lowered
    it under a regression, would make the gate judge against noise).
    Returns (doc, problems): problems name the checks whose lowest observed
    value is below their floor, in which case nothing is written."""
    doc = json.loads(json.dumps(doc))
    observed, problems = {}, []
    for c in doc["checks"]:
        values = [m[c["name"]][0] for m in measurements]
        low, margin = min(values), margin_of(doc, c)
        observed[c["name"]] = {"gate_values": [round(v, 4) for v in values], "lowest": round(low, 4)}
        floor = c.get("accepted_floor", c["target"] - margin)
        if low < floor:
            problems.append(f"{c['name']}: lowest observed {low:.3f} < floor {floor:.3f}")
        elif c.get("accepted_floor") is not None and low >= c["target"] - margin:
            print(f"note: {c['name']} cleared target - margin ({c['target'] - margin:.3f}) in every run: "
                  "the accepted floor could be removed (by hand, in the diff)")
    doc["observed"] = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "kernel": os.uname().release,
        "command": command,
        "gate_runs": len(measurements),
        "ratios": observed,
    }
    return doc, problems


def write_json(path, doc):
    write_file_atomically(path, json.dumps(doc, indent=2) + "\n", option="--baseline")


def parse_args(argv):
    p = OneLineParser(description="Same-run ratio gate: urt/raw ops/s against committed floors.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--bench", help="urt-bench binary: run the baseline's sweep")
    src.add_argument("--json", nargs="+", metavar="ROUND.json", help="already-run urt-bench/1 files, one per round")
    p.add_argument("--baseline", default=DEFAULT_BASELINE, help="ratios baseline (default: %(default)s)")
    p.add_argument("--rounds", type=int, help="urt-bench runs (default: the baseline's 'rounds')")
    p.add_argument("--update", action="store_true",
                   help="record the observed ratios in the baseline "
                        "(targets, margins and accepted floors are never changed)")
    p.add_argument("--update-runs", type=int, default=3,
                   help="with --update --bench: gate runs to take the lowest of (default 3)")
    p.add_argument("--markdown", action="store_true", help="Markdown heading for CI job summaries")
    args = p.parse_args(argv)
    if not 1 <= args.update_runs <= 20:
        raise BadInput(f"--update-runs must be in 1..20, got {args.update_runs}")
    if args.rounds is not None and not 1 <= args.rounds <= 100:
        raise BadInput(f"--rounds must be in 1..100, got {args.rounds}")
    if args.bench and not (os.path.isfile(args.bench) and os.access(args.bench, os.X_OK)):
        raise BadInput(f"{args.bench}: not an executable file (build the urt-bench target)")
    return args


def main(argv):
    args = parse_args(argv)
    doc = load_baseline(args.baseline)
    if args.update:  # an unwritable baseline is found now, not after every round
        check_replaceable(args.baseline)
    h = "## " if args.markdown else ""
    print(f"{h}Same-run ratio gate: urt against the bare liburing loop, measured side by side")
    unit = METRICS[doc.get("metric", "iops")][0]
    print(f"metric: {unit} of the numerator backend over the denominator backend, same urt-bench run")
    print(f"baseline: {args.baseline}: floor = target (the bench issue's) - noise margin, "
          "or an accepted floor recorded with its reason while a target is missed")
    runs = args.update_runs if args.update and args.bench else 1
    measurements = []
    for run_index in range(runs):
        if runs > 1:
            print(f"\ngate run {run_index + 1}/{runs}")
        with tempfile.TemporaryDirectory(prefix="urt-ratios-") as workdir:
            if args.bench:
                n = args.rounds or doc.get("rounds", 3)
                how = ("each backend's best round" if doc.get("aggregate", "median") == "best"
                       else "the median of the per-round ratios")
                print(f"measured: {n} rounds of urt-bench (every backend in each); the ratio of {how}")
                try:
                    rounds = run_rounds(args.bench, doc, n, workdir)
                except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                    print(f"verdict: FAIL: {e}")
                    return 1
                command = " ".join([os.path.basename(args.bench), *doc.get("bench_args", [])])
            else:
                print(f"measured: {len(args.json)} result files given, one per round")
                rounds = [(p, load_bench(p)) for p in args.json]
                command = "files: " + " ".join(args.json)
            measurements.append(ratios_per_round(doc, rounds))
            print()
            status = report(doc, measurements[-1], args.markdown)
            if status and args.bench and not args.update and doc.get("confirm", True):
                # One bad stretch of machine load can sink a whole measurement;
                # a real regression survives twice the rounds, noise rarely does.
                print(f"\nconfirming: {n} more rounds, then the verdict on all {2 * n} together")
                try:
                    rounds += run_rounds(args.bench, doc, n, workdir, first=n)
                except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                    print(f"verdict: FAIL: {e}")
                    return 1
                print()
                status = report(doc, ratios_per_round(doc, rounds), args.markdown)
    if args.update:
        new_doc, problems = updated_baseline(doc, measurements, command)
        if problems:
            print(f"update refused: {'; '.join(problems)}. Floors are never moved by --update: fix the "
                  "regression, or lower the floor by hand in the baseline with the reason ('why')")
            return 1
        write_json(args.baseline, new_doc)
        print(f"baseline updated: {args.baseline} (observed ratios only; floors unchanged); "
              "review it with git diff")
        return 0
    return status
