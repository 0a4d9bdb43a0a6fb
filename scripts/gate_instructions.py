#!/usr/bin/env python3
"""gate_instructions.py: `python3 -m urtperf gate-instructions` under the name README, CMake and tests use."""
from urtperf.__main__ import entry

entry("gate-instructions")
