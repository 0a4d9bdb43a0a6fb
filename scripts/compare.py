#!/usr/bin/env python3
"""compare.py: `python3 -m urtperf compare` under the name the READMEs, CMake, scripts and tests use."""
from urtperf.__main__ import entry

entry("compare")
