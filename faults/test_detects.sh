#!/bin/sh
# test_detects.sh URT_FAULTS - the suite's own checks can fail: a cell broken
# on purpose (URT_FAULTS_SABOTAGE) must be reported as failed or hung, name
# its cell, print its replay command, and make the run exit 1; so must a
# cell in which no fault was injected.
set -u
exe=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

expect() { # SABOTAGE STATUS REASON-FRAGMENT
	URT_FAULTS_SABOTAGE=$1 "$exe" --seed 9 --cell urt/read/short:copy:0.1 --scale 0.05 --watchdog 2 \
		--json "$tmp/$1.json" >"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" -ne 1 ] || ! grep -q "$2" "$tmp/out" || ! grep -q "$3" "$tmp/out" ||
		! grep -q 'replay: .* --cell urt/read/short:copy:0.1:1' "$tmp/out" ||
		! grep -q "\"status\": \"$(echo "$2" | tr 'A-Z' 'a-z')\"" "$tmp/$1.json"; then
		echo "FAIL: sabotage '$1' (exit $rc), want $2 / '$3' / a replay line / JSON status"
		cat "$tmp/out"
		fail=1
	else
		echo "sabotage '$1': reported as $2, with its replay command"
	fi
}

# A cell whose point never fires tested nothing: it must fail as "not
# exercised" (urt/alloc at one in a million: no injection in 64 rounds).
"$exe" --seed 9 --cell urt/alloc:pipe:0.000001 --scale 0.05 --watchdog 30 --json "$tmp/notex.json" >"$tmp/out" 2>&1
rc=$?
if [ "$rc" -ne 1 ] || ! grep -q 'NOT-EXERCISED' "$tmp/out" || ! grep -q 'reason: not exercised' "$tmp/out" ||
	! grep -q 'replay: .* --cell urt/alloc:pipe:1e-06:1' "$tmp/out" ||
	! grep -q '"not_exercised": true' "$tmp/notex.json" || ! grep -q '"not_exercised": 1,' "$tmp/notex.json"; then
	echo "FAIL: a cell with no injected fault (exit $rc), want exit 1, NOT-EXERCISED, a replay line and the JSON flag"
	cat "$tmp/out"
	fail=1
else
	echo "no fault injected: reported as not exercised, exit 1"
fi

expect corrupt FAIL "corrupted bytes"
expect crash FAIL "reason: signal [0-9]"  # SIGSEGV, or SIGABRT when ASan catches it
expect hang HANG "watchdog"
exit "$fail"
