#!/usr/bin/env python3
"""plot.py: `python3 -m urtperf plot` under the name the READMEs, CMake, scripts and tests use."""
from urtperf.__main__ import entry

entry("plot")
