#!/usr/bin/env python3
"""export_metrics.py: `python3 -m urtperf export` under the name the READMEs, CMake, scripts and tests use."""
from urtperf.__main__ import entry

entry("export")
