#!/bin/sh
# net_verify.sh URT_BENCH SHIM - the load generator checks what comes back:
# with SHIM (corrupt_send.c) preloaded, the threadpool server answers with
# bytes of the right length and wrong content, and each configuration
# (echo: the echoed bytes; stream: the acknowledgement bytes) must fail
# (exit 1, listed under "failed" with the reason).  Then a window with fewer
# round trips than connections (5000 connections, a 1 ms window and no
# warm-up: not one round trip each) must fail too rather than give a number.
set -u
bench=$1
shim=$2
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT

# An asan build wants its runtime first; the shim is only an interposer.
for w in echo stream; do
	LD_PRELOAD=$shim ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
		"$bench" --workload $w --backend threadpool --conns 2 --bs 64 --duration 0.1 --warmup 0.02 \
		--quiet --json "$dir/$w.json" 2>"$dir/$w.err"
	rc=$?
	[ $rc -eq 1 ] || { echo "FAIL: $w with corrupted replies exited $rc (want 1): $(cat "$dir/$w.err")"; exit 1; }
	grep -q '"reason": "client: '$w': ' "$dir/$w.json" ||
		{ echo "FAIL: $w: no failed entry with the client's reason: $(cat "$dir/$w.json")"; exit 1; }
	grep -q '"results": \[\]' "$dir/$w.json" || { echo "FAIL: $w: a result was reported"; exit 1; }
done
# The same runs without the shim pass: the check is not what fails.
"$bench" --workload echo,stream --backend threadpool --conns 2 --bs 64 --duration 0.1 --warmup 0.02 --quiet ||
	{ echo "FAIL: clean run exited $?"; exit 1; }

"$bench" --workload echo --backend epoll --conns 5000 --duration 0.001 --warmup 0 --quiet \
	--json "$dir/few.json" 2>"$dir/few.err"
rc=$?
[ $rc -eq 1 ] || { echo "FAIL: 5000 connections in a 1 ms window exited $rc (want 1): $(cat "$dir/few.err")"; exit 1; }
grep -q '"reason": "too few round trips in the window: [0-9]* for 5000 connections' "$dir/few.json" ||
	{ echo "FAIL: no 'too few round trips' reason: $(cat "$dir/few.json")"; exit 1; }
echo "ok: corrupted echo and stream replies fail; too few round trips fail"
