#!/bin/sh
# test_external.sh fiu-run|fiu-ctrl URT_FAULTS - the fault points driven from
# outside the program, the way a user would drive them in their own program:
#   fiu-run:  points enabled at start with fiu-run -c, data still verified;
#   fiu-ctrl: points switched on and then off in the running process with
#             fiu-ctrl, data verified throughout, faults only while on.
# The program runs for a fixed 6 s; the point is on from its first progress
# line for 2 s.
# Skips (77) when fiu-utils is not installed.
set -u
mode=$1
exe=$2
for tool in fiu-run fiu-ctrl; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool not found (Debian: apt-get install fiu-utils)"
		exit 77
	fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# fiu-run works through LD_PRELOAD; ASan insists on being first in the list.
ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0"
export ASAN_OPTIONS
# ...and fiu-run's preload keeps one string for the life of the process.
LSAN_OPTIONS="${LSAN_OPTIONS:-}${LSAN_OPTIONS:+:}suppressions=$(dirname "$0")/lsan-fiu.supp"
export LSAN_OPTIONS

case "$mode" in
fiu-run)
	fiu-run -f "$tmp/ctl" -c 'enable_random name=urt/read/short,probability=0.3' \
		"$exe" --seed 11 --external 3 --scale 0.25 --workloads randread,pipe,echo \
		--expect-faults urt/read/short --dir "$tmp" >"$tmp/out" 2>&1
	rc=$?
	cat "$tmp/out"
	exit "$rc"
	;;
fiu-ctrl)
	fiu-run -f "$tmp/ctl" "$exe" --seed 12 --external 6 --scale 0.25 --workloads randread,pipe,echo \
		--expect-faults urt/submit --dir "$tmp" >"$tmp/out" 2>&1 &
	pid=$!
	# Enable only once the program reports running with the point off.
	tries=0
	until grep -q '^progress' "$tmp/out" 2>/dev/null; do
		tries=$((tries + 1))
		if [ "$tries" -gt 200 ] || ! kill -0 "$pid" 2>/dev/null; then
			echo "FAIL: urt-faults --external never reported progress"; cat "$tmp/out"; exit 1
		fi
		sleep 0.1
	done
	fiu-ctrl -f "$tmp/ctl" -c 'enable_random name=urt/submit,probability=0.1,failnum=16' "$pid" || {
		echo "FAIL: fiu-ctrl enable"; kill "$pid"; exit 1; }
	sleep 2
	fiu-ctrl -f "$tmp/ctl" -c 'disable name=urt/submit' "$pid" || {
		echo "FAIL: fiu-ctrl disable"; kill "$pid"; exit 1; }
	# fiu-ctrl returns once the process has read the command: from here on
	# the count must not move.
	off=$(grep -c . "$tmp/out")
	wait "$pid"
	rc=$?
	cat "$tmp/out"
	[ "$rc" -eq 0 ] || { echo "FAIL: urt-faults --external exited $rc"; exit 1; }
	count() { sed -n 's/.* urt\/submit=\([0-9]*\).*/\1/p'; }
	first=$(grep '^progress' "$tmp/out" | head -n 1 | count)
	on=$(head -n "$off" "$tmp/out" | grep '^progress' | tail -n 1 | count)
	# Progress lines come every 0.25 s: three lines after the disable the
	# round that was running then has ended, and the count must stand still.
	settled=$(tail -n +"$((off + 1))" "$tmp/out" | grep '^progress' | sed -n 3p | count)
	final=$(grep '^final' "$tmp/out" | count)
	echo "urt/submit faults: first line $first, at disable $on, settled $settled, final $final"
	if [ -z "$first" ] || [ -z "$on" ] || [ -z "$settled" ] || [ -z "$final" ]; then
		echo "FAIL: missing progress lines"; exit 1
	fi
	[ "$first" -eq 0 ] || { echo "FAIL: faults before fiu-ctrl enabled the point"; exit 1; }
	[ "$on" -gt 0 ] || { echo "FAIL: no faults while the point was enabled"; exit 1; }
	[ "$final" -eq "$settled" ] || { echo "FAIL: faults kept coming after fiu-ctrl disabled the point"; exit 1; }
	echo "external control: pass"
	exit 0
	;;
*)
	echo "usage: test_external.sh fiu-run|fiu-ctrl URT_FAULTS" >&2
	exit 2
	;;
esac
