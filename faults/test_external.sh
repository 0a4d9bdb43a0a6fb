#!/bin/sh
# test_external.sh fiu-run|fiu-ctrl|example URT_FAULTS - the fault points driven from
# outside the program, the way a user would drive them in their own program:
#   fiu-run:  points enabled at start with fiu-run -c, data still verified;
#   fiu-ctrl: points switched on and then off in the running process with
#             fiu-ctrl, data verified throughout, faults only while on;
#             fiu-ctrl must print nothing (it exits 0 even when it reached
#             no process, so its output is the only sign), and that check
#             must catch a fiu-ctrl aimed at a process without the FIFO;
#   example:  faults/README.md's fiu-ctrl example, run as written.
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
	# ctrl ARGS...: fiu-ctrl, failing unless it exited 0 and printed nothing.
	ctrl() { msg=$(fiu-ctrl "$@" 2>&1) && [ -z "$msg" ]; }
	# The check itself: a process with no control FIFO (this shell) is not
	# reached; fiu-ctrl exits 0 anyway, and ctrl must say it failed.
	if ctrl -f "$tmp/ctl" -c 'enable name=urt/submit' $$; then
		echo "FAIL: fiu-ctrl reached no process and the check did not notice"; kill "$pid"; exit 1
	fi
	echo "fiu-ctrl on a process without a FIFO: caught ($msg)"
	ctrl -f "$tmp/ctl" -c 'enable_random name=urt/submit,probability=0.1,failnum=16' "$pid" || {
		echo "FAIL: fiu-ctrl enable: $msg"; kill "$pid"; exit 1; }
	sleep 2
	ctrl -f "$tmp/ctl" -c 'disable name=urt/submit' "$pid" || {
		echo "FAIL: fiu-ctrl disable: $msg"; kill "$pid"; exit 1; }
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
example)
	# The block after "While it runs, with fiu-ctrl" in faults/README.md,
	# with ./prog a 6 s verifying run that must see urt/submit faults.
	readme=$(dirname "$0")/README.md
	awk '/^While it runs, with fiu-ctrl/ { s = 1 } s == 1 && /^```sh$/ { s = 2; next }
		s == 2 && /^```$/ { exit } s == 2 { print }' "$readme" >"$tmp/example.sh"
	grep -q 'fiu-ctrl' "$tmp/example.sh" || { echo "FAIL: no fiu-ctrl example in $readme"; exit 1; }
	prog="$exe --seed 13 --external 6 --scale 0.25 --workloads randread,pipe --expect-faults urt/submit --dir $tmp"
	sed -i "s|\./prog|$prog|" "$tmp/example.sh"
	# The example uses the default FIFO prefix: give it a TMPDIR of its own.
	TMPDIR=$tmp bash -c "set -e; $(cat "$tmp/example.sh"); echo \"exit \$?\"" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	cat "$tmp/out"
	if [ "$rc" -ne 0 ] || [ -s "$tmp/err" ] || ! grep -q '^exit 0$' "$tmp/out" ||
		! grep -q '^final.* urt/submit=[1-9]' "$tmp/out"; then
		echo "FAIL: the README example (exit $rc): stderr: $(cat "$tmp/err")"
		exit 1
	fi
	echo "README fiu-ctrl example: reached the process, faults seen, nothing on stderr"
	exit 0
	;;
*)
	echo "usage: test_external.sh fiu-run|fiu-ctrl|example URT_FAULTS" >&2
	exit 2
	;;
esac
