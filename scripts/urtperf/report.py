"""urtperf report (scripts/report.py): Build one performance report from urt-bench results (and optionally more).

    scripts/report.py RESULTS.json [--faults FAULTS.json] [--hyperfine H.json ...]
                      [--baseline BASE.json] --out DIR [--force]
    scripts/report.py RUN_DIR        (a results/<timestamp>/ folder: reads its
                      bench.json, faults.json and hyperfine_*.json, writes there)

Writes DIR/report.html (self-contained: figures embedded, opens offline),
DIR/report.md (for CI job summaries; links to DIR/figures/*.png) and the PNGs.
Prints the path of report.html on stdout.  Bad input: one line, exit 2.
Every input and the output folder are checked before anything is written; an
existing report.html, report.md or figures/ in DIR is refused unless --force.
--stages FILE (main.sh's stage verdicts, "stage<TAB>verdict<TAB>detail" per
line) and --run-verdict TEXT put the run's verdict at the top of the report.
"""

import sys
from pathlib import Path

from . import baseline, figures, figures_extra, history_section, inputs, knee, model, network, outdir, render, sections
from . import sections_measure as opening
from .blocks import Para, Section, Table
from .cli import InputError, OneLineArgumentParser, parse_qd_list, write_file_atomically
from .figset import FigureSet

PROG = "report.py"


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 100:
        raise InputError(f"expected a percentage in (0, 100], got {text!r}")
    return value / 100


def _read_stages(path):
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"--stages {path}: cannot read: {getattr(err, 'strerror', None) or err}") from None
    rows = [(line.split("\t") + ["", ""])[:3] for line in lines if line.strip()]
    if not rows:
        raise InputError(f"--stages {path}: empty")
    return rows


def _stages_section(rows, verdict):
    """What main.sh's stages said, first, so a failed stage is never buried."""
    section = Section("run-verdict", "Run verdict")
    if verdict:
        section.add(Para(verdict))
    return section.add(Table(["stage", "verdict", "detail"], [list(r) for r in rows]))


def main(argv):
    parser = OneLineArgumentParser(prog=PROG, description="Build report.html and report.md from urt-bench JSON.")
    parser.add_argument("results", help="urt-bench/1 JSON file, or a run directory holding bench.json")
    parser.add_argument("--faults", help="urt-faults/1 JSON file (fault matrix)")
    parser.add_argument("--hyperfine", nargs="+", default=[], metavar="H.json",
                        help="hyperfine --export-json files (scripts/compare-commands.sh writes them)")
    parser.add_argument("--baseline", help="an earlier urt-bench/1 JSON file to compare with")
    parser.add_argument("--out", help="output directory (created if missing; default: the run directory)")
    parser.add_argument("--knee", default="95", help="knee threshold, percent of peak (default 95)")
    parser.add_argument("--threshold", default="5",
                        help="baseline changes flagged beyond this percentage (default 5)")
    parser.add_argument("--cdf-qd", help="queue depths for the latency CDF (default: smallest and largest)")
    parser.add_argument("--title", default="urt performance report")
    parser.add_argument("--force", action="store_true", help="overwrite an earlier report in DIR")
    parser.add_argument("--stages", help="stage verdicts to show first (scripts/main.sh writes them)")
    parser.add_argument("--run-verdict", help="the run's overall verdict, shown with --stages")
    parser.add_argument("--history", metavar="DB", help="results store (scripts/urtperf.sh history add): "
                        "adds a History section with trends and change points")
    args = parser.parse_args(argv)

    run_dir = Path(args.results)
    if run_dir.is_dir():
        # A run folder as the default run writes it: pick up what is there.
        args.results = str(run_dir / "bench.json")
        if not Path(args.results).is_file():
            raise InputError(f"{run_dir}: no bench.json in this run directory")
        if args.faults is None and (run_dir / "faults.json").is_file():
            args.faults = str(run_dir / "faults.json")
        if not args.hyperfine:
            args.hyperfine = [str(p) for p in sorted(run_dir.glob("hyperfine_*.json"))]
        if args.out is None:
            args.out = str(run_dir)
    elif args.out is None:
        raise InputError("--out DIR is required when RESULTS is a file")

    # Read and check every input before writing anything.
    bench = inputs.load_bench(args.results)
    faults = (args.faults, inputs.load_faults(args.faults)) if args.faults else None
    hyperfines = [(h, inputs.load_hyperfine(h)) for h in args.hyperfine]
    base = inputs.load_bench(args.baseline) if args.baseline else None
    try:
        knee_fraction = _fraction(args.knee)
        threshold = _fraction(args.threshold)
    except InputError as err:
        raise InputError(f"--knee/--threshold: {err}") from None
    cdf_qds = None
    if args.cdf_qd:
        cdf_qds = parse_qd_list(args.cdf_qd)
    stages = _read_stages(args.stages) if args.stages else None
    history = None
    if args.history:
        history = history_section.load(args.history)
    out = outdir.prepare(args.out, force=args.force, outputs=("report.html", "report.md", "figures"))

    net_results, file_results = network.split(bench["results"])
    points, dropped = model.fold(file_results)
    if not points and not net_results:
        raise InputError(f"{args.results}: results: no result with a throughput, nothing to report")

    figs = FigureSet(out / "figures")
    knees = knee.find_knees(points, knee_fraction) if points else []
    if points:
        figures.draw_all(points, figs, cdf_qds, knees)
    net_section = network.section(net_results, figs)
    if faults:
        figures_extra.fault_matrix(faults[1], figs)
    for path, doc in hyperfines:
        figures_extra.hyperfine_comparison(doc, sections.hyperfine_name(path), figs)
    comparison = None
    if base:
        base_points, _ = model.fold(network.split(base["results"])[1])
        comparison = baseline.compare(points, base_points, threshold)

    hyperfine_docs = [(h, doc) for h, doc in hyperfines]
    file_body = [
            opening.verdict_section(points),
            opening.baselines_section(points),
            opening.observations(points, comparison, hyperfine_docs),
            opening.context_section(bench),
            sections.headline(points),
            *sections.figures(figs, points),
            sections.knee_section(knees),
            sections.faults_section(faults, figs),
            sections.hyperfine_section(hyperfines, figs),
            sections.baseline_section(comparison, args.baseline),
            sections.environment(bench, args.results, faults),
            sections.configuration(bench, points, dropped)] if points else [
            sections.environment(bench, args.results, faults)]
    # The network workloads have their own section (network.py).
    body = ([_stages_section(stages, args.run_verdict)] if stages else []) + file_body + (
        [net_section] if net_section else [])
    if history:
        body.append(history_section.section(history, figs))
    warning = opening.banner(points) if points else None
    if warning:
        body.insert(0, warning)  # a Section: the first thing a reader sees
    meta = bench.get("meta") or {}
    subtitle = " · ".join(str(meta[k]) for k in ("host", "kernel", "git", "started") if meta.get(k))
    html_path, md_path = out / "report.html", out / "report.md"
    write_file_atomically(html_path, render.to_html(args.title, subtitle, body), "--out")
    write_file_atomically(md_path, render.to_markdown(args.title, subtitle, body, out), "--out")
    for skipped in figs.skipped:
        sys.stderr.write(f"{PROG}: skipped '{skipped.title}': {skipped.reason}\n")
    print(html_path)
    return 0
