#!/bin/sh
# test_cli.sh URT_FAULTS - bad input gets one line on stderr and exit 2, never
# a crash or a clobbered file; a replayed cell passes and writes its JSON.
set -u
exe=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

expect_usage_error() {
	"$exe" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	lines=$(wc -l <"$tmp/err")
	if [ "$rc" -ne 2 ] || [ "$lines" -ne 1 ]; then
		echo "FAIL: urt-faults $* -> exit $rc, $lines stderr lines (want 2 and 1)"
		cat "$tmp/err"
		fail=1
	fi
}

expect_usage_error --seed banana
expect_usage_error --seed -1
expect_usage_error --points urt/nope
expect_usage_error --workloads copy,nope
expect_usage_error --probabilities 0.1,0
expect_usage_error --probabilities 1.5
expect_usage_error --scale 0
expect_usage_error --watchdog 0
expect_usage_error --cell urt/read/short:randread
expect_usage_error --cell urt/read/short:randread:2
expect_usage_error --cell urt/read/short:nope:0.1
expect_usage_error --cell urt/read/short:randread:0.1:0
expect_usage_error --dir /nonexistent/dir
expect_usage_error --json /nonexistent/dir/x.json
expect_usage_error --json "$tmp"
expect_usage_error --external 1 --expect-faults urt/nope
expect_usage_error --frobnicate
expect_usage_error stray-argument

# An existing file named by a rejected command line is left alone.
echo keep >"$tmp/keep.json"
"$exe" --json "$tmp/keep.json" --seed x >/dev/null 2>&1
if [ "$(cat "$tmp/keep.json")" != keep ]; then
	echo "FAIL: a rejected command line clobbered its --json file"
	fail=1
fi

# A replayed cell runs alone, passes, and writes schema urt-faults/1 JSON.
if ! "$exe" --seed 5 --cell urt/op/error:pipe:0.1 --scale 0.05 --json "$tmp/cell.json" >"$tmp/out" 2>&1; then
	echo "FAIL: replaying one cell"
	cat "$tmp/out"
	fail=1
elif ! grep -q '"schema": "urt-faults/1"' "$tmp/cell.json" || ! grep -q '"cells": 1,' "$tmp/cell.json"; then
	echo "FAIL: the cell's JSON lacks the schema or the totals"
	fail=1
fi
[ "$fail" -eq 0 ] && echo "cli: all checks passed"
exit "$fail"
