#!/bin/sh
# The test command: installs what is missing, builds the release and the
# asan+ubsan presets, and runs every test through one ctest run, so the
# last line printed is ctest's summary.  The release run includes the
# asan+ubsan suite as one test (label asan) and the regression gates.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
for preset in release asan; do
	cmake --preset "$preset" >/dev/null
	cmake --build --preset "$preset" -j "$jobs" >/dev/null
done
exec ctest --preset release "$@"
