#!/bin/sh
# test_faultfs_detects.sh URT_FAULTS - the faultfs cells can fail, and no
# ending of a run leaves a mount behind.
#  1. A workload broken on purpose (URT_FAULTFS_SABOTAGE) is caught by its
#     cell: one that takes an EIO for success, one that says "durable"
#     before fsync.  Each fails (exit 1) with its reason and replay line; the
#     same cell unbroken passes with the same seed.
#  2. Bad input to `urt-faults faultfs` is refused in one line (exit 2).
#  3. Killing the harness mid-cell (its parent, the cell, the daemon, or
#     SIGINT to all of them) leaves nothing in /proc/self/mountinfo.
set -u
exe=$1
[ -w /dev/fuse ] || { echo "skip: /dev/fuse is missing or not writable: FUSE unavailable"; exit 77; }
tmp=$(mktemp -d)
trap 'cleanup' EXIT
trap 'exit 1' INT TERM
cleanup() {
	grep -o " $tmp/[^ ]*/mnt " /proc/self/mountinfo | while read -r m; do fusermount3 -u -z "$m"; done
	rm -rf "$tmp"
}
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# Bad input: one line on stderr, exit 2, nothing mounted.
for args in "--bogus" "--cell nope:copy" "--seed x" "--scale 0" "--watchdog 0" "--dir $tmp/nope" "extra" "--cell"; do
	# shellcheck disable=SC2086
	"$exe" faultfs $args >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ] ||
		bad "urt-faults faultfs $args: exit $rc, stderr: $(cat "$tmp/err")"
done
"$exe" faultfs --help | grep -q "crash:durable" || bad "urt-faults faultfs --help lists no cells"
# Without FUSE (a user who may not open /dev/fuse): skip, 77, saying why.
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$exe" faultfs --dir /tmp >"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" -eq 126 ] || [ "$rc" -eq 127 ]; then
		echo "note: cannot run $exe as nobody (exit $rc): the no-FUSE path is not checked"
	elif [ "$rc" -ne 77 ] || ! grep -q "skipped: /dev/fuse" "$tmp/out"; then
		bad "without /dev/fuse: exit $rc: $(cat "$tmp/out")"
	fi
fi

expect() { # SABOTAGE CELL REASON
	URT_FAULTFS_SABOTAGE=$1 "$exe" faultfs --seed 9 --cell "$2" --scale 0.25 --watchdog 30 --dir "$tmp" >"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" -eq 77 ]; then
		cat "$tmp/out"
		exit 77
	fi
	if [ "$rc" -ne 1 ] || ! grep -q "$2 *FAIL" "$tmp/out" || ! grep -q "reason: .*$3" "$tmp/out" ||
		! grep -q "replay: .* faultfs --seed 9 --cell $2 --scale 0.25" "$tmp/out"; then
		bad "sabotage '$1' in $2: exit $rc, want 1 with '$3' and a replay line"
		cat "$tmp/out"
	else
		echo "sabotage '$1' in $2: caught ($(grep reason: "$tmp/out" | sed 's/^ *//'))"
	fi
	"$exe" faultfs --seed 9 --cell "$2" --scale 0.25 --watchdog 30 --dir "$tmp" >"$tmp/out" 2>&1 ||
		{ bad "$2 without sabotage fails"; cat "$tmp/out"; }
}
expect ignore-eio eio:randwrite "corrupted\|EIO made below"
expect ignore-eio crash-eio:durable "corrupted\|EIO made below"
expect ack-before-fsync crash:durable "acknowledged data lost"

# ---- kills mid-run ----
mounts() { grep -c " $tmp/[^ ]*/mnt " /proc/self/mountinfo; }
wait_unmounted() { # WHAT
	i=0
	while [ "$(mounts)" -ne 0 ]; do
		i=$((i + 1))
		[ "$i" -gt 500 ] && { bad "$1: still mounted after 5 s"; grep " $tmp/" /proc/self/mountinfo; return; }
		sleep 0.01
	done
	echo "$1: nothing left mounted"
}
# A long cell (latency on many reads), started in its own process group.
start_long() {
	setsid "$exe" faultfs --seed 9 --cell latency:randread --scale 30 --watchdog 60 --dir "$tmp" >"$tmp/long" 2>&1 &
	top=$!
	i=0
	until daemon=$(pgrep -f "urt-faultfs --die-with-parent .*$tmp/") && [ "$(mounts)" -eq 1 ]; do
		i=$((i + 1))
		[ "$i" -gt 500 ] && { bad "the long cell did not mount"; cat "$tmp/long"; return 1; }
		sleep 0.01
	done
	cell=$(ps -o ppid= -p "$daemon" | tr -d ' ')
	return 0
}
if start_long; then
	kill -KILL "$cell"
	wait_unmounted "SIGKILL to the cell (the daemon's parent)"
	wait "$top"
	[ $? -eq 1 ] || bad "a killed cell did not fail the run"
fi
if start_long; then
	kill -KILL "$daemon"
	wait_unmounted "SIGKILL to the daemon"
	wait "$top"
	[ $? -eq 1 ] || bad "a killed daemon did not fail the run"
fi
if start_long; then
	kill -KILL "$top"
	wait "$top"
	# The orphaned cell finishes (or its watchdog ends it) and its daemon goes with it.
	kill -KILL "$cell" 2>/dev/null
	wait_unmounted "SIGKILL to urt-faults, then to the orphaned cell"
fi
if start_long; then
	kill -INT "-$top"
	wait "$top"
	rc=$?
	[ "$rc" -eq 2 ] || bad "SIGINT: exit $rc, want 2"
	wait_unmounted "SIGINT to the whole run"
	grep -q interrupted "$tmp/long" || bad "SIGINT: no 'interrupted' line"
fi
[ "$(find "$tmp" -maxdepth 1 -name 'urt-faultfs-*' | wc -l)" -le 1 ] ||
	bad "scratch folders left: $(find "$tmp" -maxdepth 1 -name 'urt-faultfs-*')" # only the SIGKILLed run's may stay
exit "$fail"
