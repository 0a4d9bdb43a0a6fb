#!/usr/bin/env bash
# main.sh - the main job: installs what is missing, builds the release preset,
# runs the default benchmark sweep, the full fault matrix and the command
# comparisons, and writes the report.
#
#   scripts/main.sh [--out DIR] [--build DIR] [--quick]
#
#   --out DIR    the run folder (default results/<UTC timestamp>/, which git
#                ignores); it must not exist yet
#   --build DIR  use this built release tree (bench/urt-bench, bench/urt-cp,
#                faults/urt-faults) instead of installing packages and
#                building build/release
#   --quick      a tiny run of every stage (seconds): two backends at two
#                queue depths, four fault cells, 1 MiB copies; a smoke test,
#                not a measurement
#   -h, --help   this text
#
# Each stage (bench, faults, comparisons, report) ends with one verdict line
# "main.sh: STAGE: pass|FAIL|SKIPPED ..."; then comes the overall verdict and,
# last, the path of report.html.  The report is written even when a stage
# failed, and says which one and why (a plain page when report.py itself
# cannot run, e.g. without bench.json).
#
# Exit status: 0 every stage ran and passed; 1 a stage failed (a failing or
# hung fault cell, a benchmark or copy that failed, no report); 2 bad
# arguments; 77 nothing failed but a stage was skipped (its line says why);
# 130 interrupted (SIGINT/SIGTERM: the running stage is stopped and the
# unfinished run folder removed).
set -euo pipefail

prog=main.sh
die() { echo "$prog: $*" >&2; exit 2; }
# This script's path and the caller's directory, before the cd below: --out
# and --build are relative to where the user is, not to the repository.
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
caller=$(pwd)
# The header comment, and nothing after it.
usage() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$self"; }

cd "$(dirname "$self")/.."
top=$(pwd)
out="" build="" quick=0
while [ $# -gt 0 ]; do
	case "$1" in
	--out|--build)
		[ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value (try --help)"
		if [ "$1" = --out ]; then out=$2; else build=$2; fi
		shift 2 ;;
	--quick) quick=1; shift ;;
	--version) exec sh "$(cd "$(dirname "$0")" && pwd)/version.sh" main.sh ;;
	-h|--help) usage; exit 0 ;;
	*) die "unknown argument '$1' (try --help)" ;;
	esac
done

# Every output and input checked before any work.
# The fault matrix and the tools' temp files go to TMPDIR: a bad one would
# otherwise fail every stage one after the other.
if [ -n "${TMPDIR:-}" ]; then
	[ -d "$TMPDIR" ] && [ -w "$TMPDIR" ] || die "TMPDIR=$TMPDIR: not a writable directory"
fi
[ -n "$out" ] || out=$top/results/$(date -u +%Y%m%dT%H%M%SZ)
case "$out" in /*) ;; *) out=$caller/$out ;; esac
[ ! -e "$out" ] || die "--out $out already exists; choose a new folder (or wait a second)"
parent=$(dirname "$out")
mkdir -p "$parent" 2>/dev/null || die "--out $out: cannot create $parent"
[ -w "$parent" ] || die "--out $out: $parent is not writable"
if [ -n "$build" ]; then
	case "$build" in /*) ;; *) build=$caller/$build ;; esac
	build=$(cd "$build" 2>/dev/null && pwd) || die "--build $build: no such directory"
	for t in bench/urt-bench bench/urt-cp faults/urt-faults; do
		[ -x "$build/$t" ] || die "--build $build: no $t (build the release preset there first)"
	done
fi
py=$(scripts/find-python.sh --bare) || die "python3 is needed"

if [ -z "$build" ]; then
	scripts/install-deps.sh
	jobs=$(nproc 2>/dev/null || echo 2)
	cmake --preset release >/dev/null
	cmake --build --preset release -j "$jobs" >/dev/null
	build=$top/build/release
fi
mkdir "$out" || die "--out $out: cannot create it"

# Each stage runs in its own session (run_child): an interrupt stops it and
# everything it started.  An unfinished run folder must not pass for a
# finished run.
finished=0
on_interrupt() { [ $finished = 1 ] || rm -rf "$out"; }
. scripts/lib/run_child.sh

verdicts=$out/.stages.tsv
: >"$verdicts"
failed=() skipped=()
# verdict STAGE pass|FAIL|SKIPPED DETAIL
verdict() {
	echo "$prog: $1: $2${3:+ ($3)}"
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$verdicts"
	case "$2" in FAIL) failed+=("$1") ;; SKIPPED) skipped+=("$1") ;; esac
}

# ---- bench
echo "== benchmark sweep"
status=0
if [ $quick = 1 ]; then
	run_child "$build/bench/urt-bench" --workload nop --backend urt,raw --qd 1,8 --duration 0.05 \
		--warmup 0 --quiet --json "$out/bench.json" --csv "$out/bench.csv" || status=$?
else
	echo "(about a minute on an idle 2-core VM, more under load)"
	run_child env URT_BENCH="$build/bench/urt-bench" bench/default-sweep.sh "$out" || status=$?
fi
if [ $status = 0 ]; then
	verdict bench pass "results in $out/bench.json"
else
	verdict bench FAIL "urt-bench exited $status; see the output above"
fi

# ---- faults
echo "== fault matrix"
fault_args=(--seed 1 --json "$out/faults.json" --no-table --dir "${TMPDIR:-/tmp}")
[ $quick = 0 ] || fault_args+=(--points urt/op/error,urt/read/short --workloads copy,pipe --probabilities 1 --quick)
status=0
run_child "$build/faults/urt-faults" "${fault_args[@]}" >"$out/faults.log" 2>&1 || status=$?
# The cells that failed, with their replay lines, then the summary.
grep -E 'FAIL|HANG|reason:|replay:' "$out/faults.log" | head -n 30 || true
tail -n 1 "$out/faults.log"
totals=$("$py" -c '
import json, sys
t = json.load(open(sys.argv[1]))["totals"]
print("{passed} of {cells} cells passed, {failed} failed, {hangs} hung".format(**t))
' "$out/faults.json" 2>/dev/null) || totals="no readable faults.json"
if [ $status = 0 ] && [ "$totals" = "no readable faults.json" ]; then
	verdict faults FAIL "urt-faults exited 0 but left no readable faults.json: nothing was checked"
elif [ $status = 0 ]; then
	verdict faults pass "$totals"
else
	verdict faults FAIL "urt-faults exited $status: $totals; log: $out/faults.log"
fi

# ---- comparisons
echo "== command comparisons (hyperfine)"
# urt-cp in each mode against cp and dd with the same block size, on the
# 256 MiB warm file bench/cp-targets.sh measures the copy target with.
cmp_args=(--bin "$build/bench" --out "$out" --runs 5 --size 256m)
[ $quick = 0 ] || cmp_args=(--bin "$build/bench" --out "$out" --runs 2 --size 1m --bench-ops 20000)
status=0
run_child scripts/compare-commands.sh "${cmp_args[@]}" >/dev/null 2>"$out/comparisons.log" || status=$?
case $status in
0) verdict comparisons pass "hyperfine_*.json in $out" ;;
77) verdict comparisons SKIPPED "$(tail -n 1 "$out/comparisons.log")" ;;
*) cat "$out/comparisons.log" >&2
   verdict comparisons FAIL "compare-commands.sh exited $status; the report leaves them out" ;;
esac

# ---- report
echo "== report"
if [ ${#failed[@]} -gt 0 ]; then
	overall="FAIL: ${failed[*]}"
elif [ ${#skipped[@]} -gt 0 ]; then
	overall="incomplete: skipped ${skipped[*]}"
else
	overall="PASS: every stage ran and passed"
fi
# report.py reads bench.json, faults.json and hyperfine_*.json from the folder;
# --stages puts the verdicts above at the top of the report.
status=0
run_child scripts/report.py "$out" --stages "$verdicts" --run-verdict "$overall" >"$out/report.log" 2>&1 || status=$?
if [ $status = 0 ]; then
	verdict report pass "$(tail -n 1 "$out/report.log")"
else
	cat "$out/report.log" >&2
	verdict report FAIL "report.py exited $status: $(tail -n 1 "$out/report.log")"
	overall="FAIL: ${failed[*]}"
	# Still leave a page that says what happened.
	"$py" - "$verdicts" "$out/report.html" "$overall" <<'PY'
import html, os, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in (r + ["", "", ""])[:3]) + "</tr>"
               for r in rows)
page = (f"<!doctype html><meta charset=utf-8><title>urt run: {html.escape(sys.argv[3])}</title>"
        f"<h1>urt run: {html.escape(sys.argv[3])}</h1>"
        "<p>report.py could not build the full report; the stages said:</p>"
        f"<table border=1><tr><th>stage</th><th>verdict</th><th>detail</th></tr>{body}</table>\n")
tmp = sys.argv[2] + ".tmp"
with open(tmp, "w", encoding="utf-8") as f:
    f.write(page)
os.replace(tmp, sys.argv[2])
PY
fi
rm -f "$verdicts"
finished=1

echo "$prog: verdict: $overall"
echo "$out/report.html"
if [ ${#failed[@]} -gt 0 ]; then
	exit 1
elif [ ${#skipped[@]} -gt 0 ]; then
	exit 77
fi
exit 0
