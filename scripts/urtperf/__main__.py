"""usage: python3 -m urtperf SUBCOMMAND [ARGS]

Every urt performance tool as one package, with one exit-code convention
(urtperf.cli): 0 passed or done, 1 checked and failed, 2 bad input or nothing judged, 77 skipped, 130 interrupted.

    report             the report (HTML + Markdown) from a run         scripts/report.py
    plot               the bench figures alone                          scripts/plot.py
    compare            did NEW get slower than BASE (Mann-Whitney, HL)  scripts/compare.py
    gate-ratios        the same-run ratio gate                          scripts/gate_ratios.py
    gate-instructions  the instruction-count gate (callgrind)           scripts/gate_instructions.py
    export             results for Bencher / github-action-benchmark    scripts/export_metrics.py
    history            the results store, trends, change points         scripts/urtperf.sh history

Run with PYTHONPATH=scripts (or from scripts/); SUBCOMMAND --help for each.
"""

import importlib
import sys

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

from .cli import EXIT_BAD_INPUT, run  # noqa: E402

# subcommand -> (module, its name in messages, draws with matplotlib)
SUBCOMMANDS = {
    "report": ("report", "report.py", True),
    "plot": ("plot", "plot.py", True),
    "compare": ("compare", "compare.py", False),
    "gate-ratios": ("gate_ratios", "gate_ratios.py", False),
    "gate-instructions": ("gate_instructions", "gate_instructions.py", False),
    "export": ("export", "export_metrics.py", False),
    "history": ("history", "urtperf", False),   # history plot checks for matplotlib itself
}


def entry(name, argv=None):
    """Runs subcommand name on argv (default: the command line) and exits
    with its status; what the thin scripts (scripts/compare.py, ...) call."""
    module, prog, draws = SUBCOMMANDS[name]
    if draws:
        from .interpreter import ensure_matplotlib
        ensure_matplotlib(prog)
    args = sys.argv[1:] if argv is None else argv
    if name == "history":
        args = ["history", *args]
    sys.exit(run(importlib.import_module(f"urtperf.{module}").main, prog, args))


def main():
    argv = sys.argv[1:]
    if argv[:1] in (["-h"], ["--help"]):
        try:
            print(__doc__.strip())
        except BrokenPipeError:
            pass
        return 0
    if argv == ["--version"]:
        from .version import version_text
        print(version_text("urtperf"))
        return 0
    if not argv or argv[0] not in SUBCOMMANDS:
        got = f"unknown subcommand '{argv[0]}'" if argv else "no subcommand"
        sys.stderr.write(f"urtperf: {got} (one of {', '.join(SUBCOMMANDS)}; try --help)\n")
        return EXIT_BAD_INPUT
    entry(argv[0], argv[1:])


if __name__ == "__main__":
    sys.exit(main())
