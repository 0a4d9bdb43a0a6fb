#!/bin/sh
# net_interrupt.sh URT_BENCH - SIGINT in the middle of a network run (while
# the listener and the connections are up, as /proc/net/tcp shows) ends
# urt-bench with "urt-bench: interrupted" and status 130, writes no report,
# and leaves no socket listening or connected on the run's port.  Also: the
# port is free again for the next run (it binds the same --port).
set -u
bench=$1
py=""
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null 2>&1; then py=$p; break; fi
done
[ -n "$py" ] || { echo "net_interrupt: no python3 to find a free port"; exit 77; }
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/net_lib.sh"
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

port=$(net_free_port)
for backend in $("$bench" --workload echo --help | sed -n "s/^backends: //p"); do
	"$bench" --workload echo --backend "$backend" --conns 8 --duration 60 --port "$port" --quiet \
		--json "$dir/$backend.json" >"$dir/out" 2>"$dir/err" &
	pid=$!
	i=0
	# Mid-run: the listener and the 8 connections' both ends are up.
	until [ "$(net_sockets_on "$port" | grep -c ESTABLISHED)" -ge 16 ] &&
		net_sockets_on "$port" | grep -q LISTEN; do
		i=$((i + 1))
		if [ "$i" -gt 200 ] || ! kill -0 "$pid" 2>/dev/null; then
			fail "$backend: never saw the run's sockets ($(cat "$dir/err"))"
			kill -KILL "$pid" 2>/dev/null
			break
		fi
		sleep 0.05
	done
	kill -INT "$pid" 2>/dev/null
	wait "$pid"
	status=$?
	[ "$status" -eq 130 ] || fail "$backend: status $status, expected 130"
	grep -qx 'urt-bench: interrupted' "$dir/err" || fail "$backend: no 'interrupted' line: $(cat "$dir/err")"
	[ ! -e "$dir/$backend.json" ] || fail "$backend: a report was written"
	left=$(net_sockets_on "$port")
	[ -z "$left" ] || fail "$backend: sockets left on port $port: $left"
	[ "$failures" -eq 0 ] && echo "ok   $backend: interrupted mid-run, nothing left on port $port"
done
[ "$failures" -eq 0 ] || exit 1
