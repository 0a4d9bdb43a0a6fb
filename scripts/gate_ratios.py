#!/usr/bin/env python3
"""gate_ratios.py: `python3 -m urtperf gate-ratios` under the name the READMEs, CMake, scripts and tests use."""
from urtperf.__main__ import entry

entry("gate-ratios")
