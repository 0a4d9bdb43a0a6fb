#!/bin/sh
# bad_input.sh URT_BENCH - bad input gets one clear line on stderr, exit
# status 2, nothing on stdout, and no file created, changed or removed.
set -u
bench=$1
dir=$(mktemp -d) || exit 1
io=$(mktemp -d) || exit 1            # the program's stdout/stderr, outside the watched tree
trap 'rm -rf "$dir" "$io"' EXIT
mkdir "$dir/tmp"
export TMPDIR="$dir/tmp"           # where urt-bench would put its scratch files
printf 'not yours\n' > "$dir/existing"
printf '{"keep": true}\n' > "$dir/existing.json"
snapshot() { (cd "$dir" && find . -type f -exec cksum {} + | sort); }
before=$(snapshot)
failures=0

expect_2() {
	desc=$1
	shift
	"$bench" "$@" >"$io/out" 2>"$io/err"
	status=$?
	out=$(cat "$io/out"); err=$(cat "$io/err")
	rm -f "$io/out" "$io/err"
	lines=$(printf '%s\n' "$err" | grep -c .)
	now=$(snapshot)
	if [ "$status" -ne 2 ] || [ "$lines" -ne 1 ] || [ -n "$out" ] || [ "$now" != "$before" ]; then
		echo "FAIL $desc: status $status, $lines stderr lines, stdout '${out}', files changed: $([ "$now" != "$before" ] && echo yes || echo no)"
		printf '  stderr: %s\n' "$err"
		failures=$((failures + 1))
	else
		echo "ok   $desc: $err"
	fi
}

expect_2 "qd 0" --qd 0
expect_2 "qd not a number" --qd 4x
expect_2 "unknown workload" --workload randomread
expect_2 "unknown backend" --backend spdk
expect_2 "empty list element" --bs 4k,,8k
expect_2 "bs junk" --bs 4q
expect_2 "cpus: not a CPU of this machine" --cpus 4096
expect_2 "cpus: listed twice" --cpus 0,0
expect_2 "interval-log below 10 ms" --interval-log 5
expect_2 "interval-log junk" --interval-log 1s
expect_2 "bs not aligned for --direct" --direct --bs 1000
expect_2 "size smaller than bs" --size 2k --bs 4k
expect_2 "duration 0" --duration 0
expect_2 "negative warmup" --warmup -1
expect_2 "unknown option" --iodepth 4
expect_2 "missing value" --qd
expect_2 "stray argument" randread
expect_2 "--list with an unknown option" --list --bogus
expect_2 "--list with a stray argument" --list extra
expect_2 "--list with another option" --list --workload nop
expect_2 "write to an existing file" --workload randwrite --file "$dir/existing"
expect_2 "verify an existing file" --workload randread --file "$dir/existing" --verify
expect_2 "file is a directory" --file "$dir/tmp"
expect_2 "file in a missing directory" --file "$dir/nope/data"
expect_2 "json would overwrite" --workload nop --json "$dir/existing.json"
expect_2 "csv would overwrite" --workload nop --csv "$dir/existing"
expect_2 "json in a missing directory" --workload nop --json "$dir/nope/r.json"
expect_2 "json where no file can be created" --workload nop --json /proc/urt-bench-test.json
expect_2 "csv names a directory" --workload nop --force --csv "$dir/tmp"
expect_2 "json and csv one file by two names" --workload nop --json "$dir/./r" --csv "$dir/r"
expect_2 "json and csv one file via .." --workload nop --json "$dir/tmp/../r" --csv "$dir/r"
TMPDIR=/proc expect_2 "TMPDIR takes no scratch directory" --workload nop
export TMPDIR="$dir/tmp" # an assignment before a function call may persist (dash)
expect_2 "threads 0" --threads 0
expect_2 "repeat 0" --repeat 0

[ "$failures" -eq 0 ] || { echo "bad_input: $failures failure(s)"; exit 1; }
echo "bad_input: ok"
