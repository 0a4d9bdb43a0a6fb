#!/bin/sh
# test_faultfs.sh URT_FAULTFS - urt-faultfs itself: bad input is refused in
# one line (exit 2); rules fire where and when they say (nth, glob, errno,
# short); decisions replay from the seed; the control files change rules and
# crash the lazy cache; SIGINT, SIGTERM and SIGKILL all leave nothing mounted.
set -u
exe=$1
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	grep -q " $tmp/m " /proc/self/mountinfo && fusermount3 -u -z "$tmp/m"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail=0
bad() { echo "FAIL: $*"; fail=1; }
mkdir "$tmp/b" "$tmp/m"

# ---- bad input: one line on stderr, exit 2 ----
printf 'read /x error=EIO\n' >"$tmp/good"
refuse() { # DESCRIPTION ARGS...
	what=$1
	shift
	"$exe" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne 2 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] || [ -s "$tmp/out" ]; then
		bad "$what: exit $rc, stderr: $(cat "$tmp/err")"
	fi
}
refuse "no arguments"
refuse "one argument" "$tmp/b"
refuse "unknown option" --bogus "$tmp/b" "$tmp/m"
refuse "missing value" "$tmp/b" "$tmp/m" --rules
refuse "bad seed" --seed -1 "$tmp/b" "$tmp/m"
refuse "missing backing" "$tmp/nope" "$tmp/m"
refuse "mountpoint not a dir" "$tmp/b" "$tmp/good"
refuse "missing rules file" --rules "$tmp/nope" "$tmp/b" "$tmp/m"
refuse "--lazy with --cache" --lazy --cache "$tmp/b" "$tmp/m"
for rule in 'read /x' 'bogus /x error=EIO' 'read x error=EIO' 'read /x error=ENOTANERRNO' 'read /x p=2 error=EIO' \
	'read /x p=0 error=EIO' 'read /x short=0' 'open /x short=3' 'read /x delay=5parsecs' 'read /x delay=uniform:5ms:1ms' \
	'read /x nth=0 error=EIO' 'read /x colour=red error=EIO' 'read /x short=3 error=EIO' 'read /x error' 'read /x delay=2h'; do
	printf '# a comment\n\n%s\n' "$rule" >"$tmp/rules"
	refuse "rule '$rule'" --rules "$tmp/rules" "$tmp/b" "$tmp/m"
	grep -q "line 3" "$tmp/err" || bad "rule '$rule': the message does not name line 3: $(cat "$tmp/err")"
done
"$exe" --help | grep -q "usage: urt-faultfs" || bad "--help prints no usage"

# Without FUSE (here: a user who may not open /dev/fuse): exit 77 and one line saying why.
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
	pub=$(mktemp -d)
	chmod 755 "$pub"
	mkdir "$pub/b" "$pub/m"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$exe" "$pub/b" "$pub/m" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	rm -rf "$pub"
	if [ "$rc" -eq 126 ] || [ "$rc" -eq 127 ]; then
		echo "note: cannot run $exe as nobody (exit $rc): the no-FUSE path is not checked"
	elif [ "$rc" -ne 77 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -q "FUSE unavailable" "$tmp/err"; then
		bad "without /dev/fuse: exit $rc, stderr: $(cat "$tmp/err")"
	fi
fi
grep -q "$tmp/m" /proc/self/mountinfo && bad "a refused start left a mount"

# ---- a running daemon ----
start() { # ARGS...: mounts $tmp/b at $tmp/m
	"$exe" "$@" "$tmp/b" "$tmp/m" 2>"$tmp/daemon.err" &
	pid=$!
	i=0
	while [ ! -e "$tmp/m/.faultfs/ctl" ]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			rc=$?
			if [ "$rc" -eq 77 ]; then
				echo "skip: $(tail -1 "$tmp/daemon.err")"
				exit 77
			fi
			echo "FAIL: urt-faultfs exited $rc before mounting: $(cat "$tmp/daemon.err")"
			exit 1
		fi
		i=$((i + 1))
		[ "$i" -gt 500 ] && { echo "FAIL: no mount after 5 s"; exit 1; }
		sleep 0.01
	done
}
unmounted() { # WHAT: waits up to 3 s for the mount to go
	i=0
	while grep -q " $tmp/m " /proc/self/mountinfo; do
		i=$((i + 1))
		[ "$i" -gt 300 ] && { bad "$1: still mounted after 3 s"; fusermount3 -u -z "$tmp/m"; return; }
		sleep 0.01
	done
}
stop() { # SIGNAL WHAT WANT-RC
	kill "-$1" "$pid"
	wait "$pid"
	rc=$?
	pid=
	[ "$rc" -eq "$3" ] || bad "$2: daemon exit $rc, want $3"
	unmounted "$2"
}
[ -w /dev/fuse ] || { echo "skip: /dev/fuse is missing or not writable: FUSE unavailable"; exit 77; }

# nth: only the 3rd read of /f fails, with the errno asked for; other paths are untouched.
printf 'read /f error=ENOSPC nth=3\nwrite /g* short=2\n' >"$tmp/rules"
printf 'abc' >"$tmp/b/f"
start --rules "$tmp/rules" --seed 1 --log "$tmp/log"
for n in 1 2 3 4; do
	if dd if="$tmp/m/f" of=/dev/null bs=1 count=1 2>"$tmp/dd.err"; then r=ok; else r=fail; fi
	if [ "$n" -eq 3 ]; then
		[ "$r" = fail ] && grep -q "No space left" "$tmp/dd.err" || bad "nth=3: read $n: $r $(cat "$tmp/dd.err")"
	else
		[ "$r" = ok ] || bad "nth=3: read $n failed: $(cat "$tmp/dd.err")"
	fi
done
# A short write is continued by a plain write(2) loop: everything arrives, in 2-byte steps.
printf 'hello world' >"$tmp/m/g1" || bad "writing through short writes failed"
[ "$(cat "$tmp/b/g1")" = "hello world" ] || bad "short writes: backing has '$(cat "$tmp/b/g1")'"
grep -q "rule 0 matched=4 fired=1" "$tmp/m/.faultfs/log" || bad "log counts: $(grep '^rule' "$tmp/m/.faultfs/log")"
grep -q "rule 1 matched=6 fired=5" "$tmp/m/.faultfs/log" || bad "log counts for short: $(grep '^rule' "$tmp/m/.faultfs/log")"
grep -q "fault rule=0 op=read path=/f n=3 error=28(ENOSPC)" "$tmp/log" || bad "--log lacks the nth fault line"

# Rules change while it runs; a bad rule is refused by the write itself.
echo 'read /f error=EIO' >"$tmp/m/.faultfs/rules" || bad "replacing the rules failed"
cat "$tmp/m/f" >/dev/null 2>&1 && bad "the new rule did not fire"
if echo 'read /f error=NOPE' >"$tmp/m/.faultfs/rules" 2>/dev/null; then bad "a bad rule was accepted"; fi
[ "$(cat "$tmp/m/.faultfs/rules")" = "read /f error=EIO" ] || bad "a refused write changed the rules"
echo clear >"$tmp/m/.faultfs/ctl"
[ "$(cat "$tmp/m/f")" = abc ] || bad "after clear, /f does not read back"
if echo frobnicate >"$tmp/m/.faultfs/ctl" 2>/dev/null; then bad "an unknown ctl command was accepted"; fi
stop INT "SIGINT" 0

# Replay: the same sequential program with the same seed meets the same faults;
# another seed meets others.
printf 'read /s* error=EIO p=0.3\n' >"$tmp/rules"
head -c 65536 /dev/zero >"$tmp/b/s1"
replay() { # SEED
	rm -f "$tmp/log.$1"
	start --rules "$tmp/rules" --seed "$1" --log "$tmp/log.$1"
	# dd conv=noerror reads on past a failed block: 2 x 16 reads, in order.
	dd if="$tmp/m/s1" of=/dev/null bs=4096 conv=noerror 2>/dev/null
	dd if="$tmp/m/s1" of=/dev/null bs=4096 conv=noerror 2>/dev/null
	stop TERM "replay seed $1" 0
	grep -o 'fault .*' "$tmp/log.$1"
}
a=$(replay 7)
b=$(replay 7)
c=$(replay 8)
[ -n "$a" ] || bad "replay: no fault fired in 32 reads at p=0.3"
[ "$a" = "$b" ] || bad "replay: seed 7 gave different faults twice"
[ "$a" != "$c" ] || bad "replay: seeds 7 and 8 gave the same faults"

# --lazy: unsynced data is visible until 'crash', synced data survives it.
start --lazy --seed 3
printf 'durable\n' >"$tmp/m/d"
python3 -c "import os,sys; fd=os.open(sys.argv[1], os.O_WRONLY|os.O_APPEND); os.fsync(fd); os.write(fd, b'volatile\n'); os.close(fd)" "$tmp/m/d" ||
	bad "python append failed"
printf 'lost\n' >"$tmp/m/e"
[ "$(cat "$tmp/m/d")" = "$(printf 'durable\nvolatile')" ] || bad "lazy: the mount does not show unsynced data"
[ "$(cat "$tmp/b/d")" = durable ] || bad "lazy: unsynced data reached the backing file"
grep -q "unsynced_bytes 14" "$tmp/m/.faultfs/log" || bad "lazy: log: $(grep unsynced "$tmp/m/.faultfs/log")"
echo crash >"$tmp/m/.faultfs/ctl"
[ "$(cat "$tmp/m/d")" = durable ] || bad "lazy: after crash the mount shows '$(cat "$tmp/m/d")'"
[ -s "$tmp/m/e" ] && bad "lazy: after crash the never-synced file has data"
printf 'x' >"$tmp/m/e"
echo sync >"$tmp/m/.faultfs/ctl"
[ "$(cat "$tmp/b/e")" = x ] || bad "lazy: 'sync' did not write the held data"
# Growing a file is held like data; shrinking it is not.
truncate -s 100 "$tmp/m/e"
[ "$(stat -c %s "$tmp/m/e")" -eq 100 ] && [ "$(stat -c %s "$tmp/b/e")" -eq 1 ] ||
	bad "lazy: truncate -s 100: mount $(stat -c %s "$tmp/m/e"), backing $(stat -c %s "$tmp/b/e")"
echo crash >"$tmp/m/.faultfs/ctl"
[ "$(stat -c %s "$tmp/b/e")" -eq 1 ] && [ "$(stat -c %s "$tmp/m/e")" -eq 1 ] || bad "lazy: the crash kept an unsynced growth"
stop TERM "SIGTERM" 0

# SIGKILL: the daemon cannot unmount; its auto_unmount helper must.
start --seed 4
stop KILL "SIGKILL" 137
exit "$fail"
