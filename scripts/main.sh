#!/bin/sh
# The main job: installs what is missing, builds the release preset, runs the
# default benchmark sweep, the full fault matrix and the command comparisons,
# and writes the report.  Everything goes to results/<UTC timestamp>/ (git
# ignores it); the last line printed is the report's path.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs" >/dev/null
build=$top/build/release
out=$top/results/$(date -u +%Y%m%dT%H%M%SZ)
if [ -e "$out" ]; then
	echo "main: $out already exists; wait a second and run again" >&2
	exit 2
fi
mkdir -p "$out"

echo "== benchmark sweep (about 90 s)"
# Status 1 = some configurations failed but bench.json holds the rest: the
# report lists the failures, and main exits 1 at the end.
sweep=0
URT_BENCH=$build/bench/urt-bench bench/default-sweep.sh "$out" || sweep=$?
[ "$sweep" -eq 1 ] && [ -s "$out/bench.json" ] || [ "$sweep" -eq 0 ] || exit "$sweep"

echo "== fault matrix"
"$build/faults/urt-faults" --seed 1 --json "$out/faults.json" --no-table --dir "${TMPDIR:-/tmp}" | tail -n 3

echo "== command comparisons (hyperfine)"
scripts/compare-commands.sh --bin "$build/bench" --out "$out" --runs 5 >/dev/null ||
	echo "main: command comparisons failed; the report leaves them out" >&2

echo "== report"
# report.py reads bench.json, faults.json and hyperfine_*.json from the folder
# and prints the path of report.html last.
scripts/report.py "$out"
exit "$sweep"
