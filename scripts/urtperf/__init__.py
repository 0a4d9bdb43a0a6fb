"""urtperf: urt's performance tools as one package.

    python3 -m urtperf report|plot|compare|gate-ratios|gate-instructions|export|history ...

(PYTHONPATH=scripts, or from scripts/; scripts/urtperf.sh picks the
interpreter with scripts/find-python.sh.)  One job per module:
  __main__     the command line: one subcommand per tool, one exit-code convention
  cli          the one error type, exit codes, one-line argument errors, JSON in, files out
  interpreter  re-exec under the python3 find-python.sh picks when matplotlib is missing
  compare      A/B statistics: Mann-Whitney U, Hodges-Lehmann (the gates and the report use it)
  gate_ratios, gate_instructions   the CI regression gates
  export       urt-bench results for Bencher / github-action-benchmark
  report, plot the report (HTML + Markdown) and the figures alone
  inputs       load and validate urt-bench/1, urt-faults/1 and hyperfine JSON
  model        fold repeats into one point per configuration; series and lookups
  verdict      winners with Hodges-Lehmann intervals; intervals: the --interval-log records
  knee         the knee finder (smallest qd/batch reaching 95 % of peak)
  style, figkit, figset, figures, figures_extra, figures_measure   drawing
  blocks, sections, sections_measure, render, outdir, baseline      the report's content
  store, ingest, series, edivisive, detect, trends, synth, history_section
               the results history (issue 16): a store, series over commits, change points
"""
