"""Shared code for urt's performance reports (plot.py, report.py).

Layout, one job per module:
  interpreter  find a Python that has matplotlib, re-exec into it
  inputs       load and validate urt-bench/1, urt-faults/1 and hyperfine JSON
  model        fold repeats into one point per configuration; series and lookups
  knee         the knee finder (smallest qd/batch reaching 95 % of peak)
  style        colours per backend, line styles per batch, number formatting
  figkit       the drawing kit every bench figure shares (axes, lines, legend)
  figures      the bench figures (one function per figure)
  figset       the figures written and the ones skipped, with why
  outdir       create the output directory or say why not
  figures_extra  fault-matrix and hyperfine figures
  baseline     changes against an earlier run, configuration by configuration
  blocks       neutral report content: sections, paragraphs, tables, figures
  sections     builds the report as neutral blocks (tables, figures, notes)
  render       writes those blocks as self-contained HTML and as Markdown
  cli          the one-line error / exit status 2 convention
"""
