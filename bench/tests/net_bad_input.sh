#!/bin/sh
# net_bad_input.sh URT_BENCH - the network workloads' bad input: one line on
# stderr, exit 2, nothing on stdout, no file created; a --port that is in
# use is such an input (a listener held by this script), named as such.
set -u
bench=$1
py=""
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null 2>&1; then py=$p; break; fi
done
[ -n "$py" ] || { echo "net_bad_input: no python3 to hold a port"; exit 77; }
dir=$(mktemp -d) || exit 1
io=$(mktemp -d) || exit 1
holder=""
trap '[ -n "$holder" ] && kill "$holder" 2>/dev/null; rm -rf "$dir" "$io"' EXIT
. "$(dirname "$0")/net_lib.sh"
printf '{"keep": true}\n' > "$dir/existing.json"
snapshot() { (cd "$dir" && find . -type f -exec cksum {} + | sort); }
before=$(snapshot)
failures=0

# expect_2 DESC PATTERN ARGS...: exit 2, one stderr line matching PATTERN.
expect_2() {
	desc=$1 pattern=$2
	shift 2
	timeout 20 "$bench" --json "$dir/r.json" "$@" >"$io/out" 2>"$io/err"
	status=$?
	out=$(cat "$io/out"); err=$(cat "$io/err")
	lines=$(printf '%s\n' "$err" | grep -c .)
	now=$(snapshot)
	if [ "$status" -ne 2 ] || [ "$lines" -ne 1 ] || [ -n "$out" ] || [ "$now" != "$before" ] ||
		! printf '%s\n' "$err" | grep -q -- "$pattern"; then
		echo "FAIL $desc: status $status, $lines stderr lines, stdout '${out}', files changed: $([ "$now" != "$before" ] && echo yes || echo no)"
		printf '  stderr: %s\n' "$err"
		failures=$((failures + 1))
	else
		echo "ok   $desc: $err"
	fi
}

expect_2 "conns 0" "--conns" --workload echo --conns 0
expect_2 "conns junk" "--conns" --workload echo --conns many
expect_2 "conns negative" "--conns" --workload echo --conns -4
expect_2 "conns above the maximum" "--conns" --workload echo --conns 10001
expect_2 "conns empty element" "--conns" --workload echo --conns 1,,16
expect_2 "rate 0" "--rate" --workload echo --rate 0
expect_2 "rate negative" "--rate" --workload echo --rate -100
expect_2 "rate junk" "--rate" --workload echo --rate fast
expect_2 "rate bad suffix" "--rate" --workload echo --rate 10x
expect_2 "rate under one per minute per connection" "--rate" --workload echo --conns 512 --rate 1
expect_2 "bs 0" "--bs" --workload echo --bs 0
expect_2 "qd 0" "--qd" --workload stream --qd 0
expect_2 "threads 0" "--threads" --workload echo --threads 0
expect_2 "port out of range" "--port" --workload echo --port 70000
expect_2 "network and file workloads mixed" "nop" --workload echo,nop
expect_2 "file backend on a network workload" "psync" --workload echo --backend psync
# Every spelling getopt_long takes for --workload picks the network harness
# (psync is a file backend it refuses); the file harness ran these as nops.
expect_2 "abbreviated --work echo" "network backend 'psync'" --work echo --backend psync
expect_2 "abbreviated --workl=stream" "network backend 'psync'" --workl=stream --backend psync
expect_2 "--workload=echo" "network backend 'psync'" --workload=echo --backend psync
expect_2 "--wo nop,echo" "cannot run with the network" --wo nop,echo --backend psync
expect_2 "file option on a network workload" "--direct" --workload stream --direct
expect_2 "json would overwrite" "already exists" --workload echo --json "$dir/existing.json"
expect_2 "json and csv one file by two names" "same file" --workload echo --json "$dir/./r" --csv "$dir/r"

# A port in use: a listener held open by a helper process.
port=$(net_free_port)
"$py" -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); print("ready", flush=True); time.sleep(60)' \
	"$port" >"$io/holder" &
holder=$!
i=0
until grep -q ready "$io/holder" 2>/dev/null; do
	i=$((i + 1)); [ "$i" -gt 100 ] && { echo "FAIL: the port holder never started"; exit 1; }
	sleep 0.05
done
expect_2 "port in use" "already in use" --workload echo --port "$port" --duration 0.1
kill "$holder"
wait "$holder" 2>/dev/null
holder=""

[ "$failures" -eq 0 ] || { echo "$failures failures"; exit 1; }
echo "all bad network inputs refused with one line and status 2"
