#!/usr/bin/env python3
"""report.py: `python3 -m urtperf report` under the name the READMEs, CMake, scripts and tests use."""
from urtperf.__main__ import entry

entry("report")
