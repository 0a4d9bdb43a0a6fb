"""urtperf: urt's performance tools as one package (python3 -m urtperf).

It starts with the results history (issue 16); the other report scripts fold
in later.  Modules, one job each:
  store      the results store: SQLite (default) or PostgreSQL, versioned schema
             with migrations
  ingest     a run folder (results/<ts>/) turned into rows, content-hashed
  series     rows grouped into series (metric x configuration x host) over commits
  edivisive  E-Divisive means with a permutation test (numpy)
  detect     change points over every series; the exit status of `history detect`
  trends     the trend figures of `history plot`
  synth      synthetic runs: load tests and the detector's validation
  __main__   the command line (argparse subcommands)
"""
