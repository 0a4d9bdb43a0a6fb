#!/bin/sh
# report_signal.sh URT_BENCH SHIM - a stop signal during the report writing
# is consistent: SHIM (raise_at.c) raises SIGINT at a fixed point.  Raised
# while the report is being written (it is held until then): exit 130,
# "interrupted", and no report nor temporary file.  Raised right after the
# report got its name: the run is complete, exit 0 with the report.  For the
# file workloads and the network workloads.
set -u
bench=$1
shim=$2
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
fail=0
asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

for mode in file net; do
	if [ $mode = file ]; then
		set -- --workload nop --backend urt --ops 2000 --warmup 0 --quiet
	else
		set -- --workload echo --backend epoll --conns 1 --duration 0.05 --warmup 0.01 --quiet
	fi
	rm -f "$dir"/*
	URT_RAISE_AT=fdopen LD_PRELOAD=$shim ASAN_OPTIONS=$asan "$bench" "$@" --json "$dir/r.json" 2>"$dir/err"
	rc=$?
	[ $rc -eq 130 ] && grep -q interrupted "$dir/err" ||
		{ echo "FAIL: $mode: SIGINT while writing: exit $rc (want 130, 'interrupted'): $(cat "$dir/err")"; fail=1; }
	left=$(find "$dir" -mindepth 1 ! -name err)
	[ -z "$left" ] || { echo "FAIL: $mode: SIGINT while writing left: $left"; fail=1; }
	rm -f "$dir"/*
	URT_RAISE_AT=rename LD_PRELOAD=$shim ASAN_OPTIONS=$asan "$bench" "$@" --json "$dir/r.json" 2>"$dir/err"
	rc=$?
	[ $rc -eq 0 ] && grep -q '"schema": "urt-bench/1"' "$dir/r.json" 2>/dev/null ||
		{ echo "FAIL: $mode: SIGINT after publishing: exit $rc (want 0 with the report): $(cat "$dir/err")"; fail=1; }
done
[ $fail -eq 0 ] && echo "ok: a stop while writing publishes nothing (130); after publishing it is ignored (0)"
exit $fail
