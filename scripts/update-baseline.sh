#!/usr/bin/env bash
# update-baseline.sh - re-record the regression baselines after an intended change.
#
#   scripts/update-baseline.sh [--instructions] [--ratios] [BUILD_DIR]
#
# --instructions  re-measure results/baseline/instructions.json (urt-micro under
#                 callgrind; keeps every tolerance already in the file)
# --ratios        record the ratios observed now in results/baseline/ratios.json
#                 ("observed" only: targets, noise margins and accepted floors
#                 are decisions, edited by hand with the reason; it refuses,
#                 exit 1, when a ratio is below its floor)
# Neither flag: both.  BUILD_DIR (default build/release) must be a configured
# release tree of this checkout; the needed targets are built here.
# The diff of results/baseline/ is the reviewable record: commit it with the
# change that moved the numbers, and say why in the commit message.
set -euo pipefail

die() { echo "update-baseline.sh: $*" >&2; exit 2; }

repo=$(cd "$(dirname "$0")/.." && pwd)
do_instr=0 do_ratios=0 build=""
for arg in "$@"; do
	case "$arg" in
	--instructions) do_instr=1 ;;
	--ratios) do_ratios=1 ;;
	--version) exec sh "$(cd "$(dirname "$0")" && pwd)/version.sh" update-baseline.sh ;;
	-h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option '$arg' (try --help)" ;;
	*) [ -z "$build" ] || die "more than one BUILD_DIR given"; build=$arg ;;
	esac
done
[ $do_instr = 1 ] || [ $do_ratios = 1 ] || { do_instr=1; do_ratios=1; }
build=${build:-$repo/build/release}
[ -f "$build/CMakeCache.txt" ] || die "$build is not a configured build tree (cmake --preset release first)"

py=$("$repo/scripts/find-python.sh" --bare) || die "python3 is needed"

if [ $do_instr = 1 ]; then
	argsfile=$build/regress/gate-instructions.args
	[ -f "$argsfile" ] || die "$argsfile missing: reconfigure $build (a sanitizer build has no gates)"
	cmake --build "$build" --target urt-micro -j2 >/dev/null
	mapfile -t args < "$argsfile"
	"$py" "$repo/scripts/gate_instructions.py" "${args[@]}" \
		--baseline "$repo/results/baseline/instructions.json" --update
fi
if [ $do_ratios = 1 ]; then
	argsfile=$build/regress/gate-ratios.args
	[ -f "$argsfile" ] || die "$argsfile missing: urt-bench is not part of $build"
	cmake --build "$build" --target urt-bench -j2 >/dev/null
	mapfile -t args < "$argsfile"
	"$py" "$repo/scripts/gate_ratios.py" "${args[@]}" \
		--baseline "$repo/results/baseline/ratios.json" --update
fi
git -C "$repo" diff --stat -- results/baseline || true
