"""urtperf plot (scripts/plot.py): Draw the urt-bench figures (PNG) from an urt-bench/1 results file.

    scripts/plot.py RESULTS.json --out DIR [--cdf-qd 1,16] [--force]

Writes one PNG per figure kind and workload into DIR and lists them on stdout;
figures the data cannot support (one queue depth, no histograms, no raw) are
listed on stderr as skipped, with the reason.  Bad input: one line, exit 2.
A DIR that is not empty is refused (exit 2) unless --force.
"""

import sys

from . import figures, inputs, knee, model, outdir
from .cli import OneLineArgumentParser, parse_qd_list
from .figset import FigureSet

PROG = "plot.py"


def main(argv):
    parser = OneLineArgumentParser(prog=PROG, description="Draw urt-bench figures as PNG files.")
    parser.add_argument("results", help="urt-bench/1 JSON file")
    parser.add_argument("--out", required=True, help="directory for the PNG files (created if missing)")
    parser.add_argument("--cdf-qd", help="queue depths for the latency CDF (default: smallest and largest)")
    parser.add_argument("--force", action="store_true", help="write into a folder that is not empty")
    args = parser.parse_args(argv)

    doc = inputs.load_bench(args.results)
    cdf_qds = parse_qd_list(args.cdf_qd) if args.cdf_qd else None
    out = outdir.prepare(args.out, force=args.force)
    points, dropped = model.fold(doc["results"])

    figs = figures.draw_all(points, FigureSet(out), cdf_qds, knee.find_knees(points))
    for fig in figs.figures:
        print(fig.path)
    if dropped:
        sys.stderr.write(f"{PROG}: note: {dropped} results without a throughput were ignored\n")
    for skipped in figs.skipped:
        sys.stderr.write(f"{PROG}: skipped '{skipped.title}': {skipped.reason}\n")
    return 0
