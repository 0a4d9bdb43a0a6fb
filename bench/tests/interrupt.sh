#!/bin/sh
# interrupt.sh URT_BENCH - SIGINT mid-run stops urt-bench cleanly: the fio
# baseline's process is killed (not orphaned), the scratch directory (data
# file, fio job/output/log files) is removed, no --json/--csv is written,
# "urt-bench: interrupted" is printed and the exit status is 130.  Also:
# --force replaces an existing --json with a complete one.
set -u
bench=$1
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/tmp"
export TMPDIR="$dir/tmp"
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# interrupt NAME WAIT-FOR ARGS...: starts urt-bench, waits until WAIT-FOR
# (a shell condition) holds, sends SIGINT and checks the aftermath.
interrupt() {
	name=$1 cond=$2
	shift 2
	"$bench" --quiet --json "$dir/$name.json" --csv "$dir/$name.csv" "$@" >"$dir/out" 2>"$dir/err" &
	pid=$!
	i=0
	until eval "$cond"; do
		i=$((i + 1))
		if [ "$i" -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
			fail "$name: never reached the point to interrupt ($(cat "$dir/err"))"
			kill -KILL "$pid" 2>/dev/null
			wait "$pid"
			return
		fi
		sleep 0.05
	done
	children=$(ps -o pid= --ppid "$pid" | tr -d ' ')
	kill -INT "$pid"
	wait "$pid"
	status=$?
	[ "$status" -eq 130 ] || fail "$name: status $status, expected 130"
	grep -qx 'urt-bench: interrupted' "$dir/err" || fail "$name: no 'interrupted' line: $(cat "$dir/err")"
	for c in $children; do
		if kill -0 "$c" 2>/dev/null; then
			fail "$name: child $c ($(ps -o args= -p "$c")) outlived urt-bench"
			kill -KILL "$c"
		fi
	done
	[ -z "$(ls -A "$TMPDIR")" ] || fail "$name: scratch files left: $(find "$TMPDIR")"
	ls "$dir" | grep -q "^$name\." && fail "$name: output written by an interrupted run: $(ls "$dir")"
	echo "ok   $name: interrupted cleanly"
}

if command -v fio >/dev/null 2>&1; then
	interrupt fio '[ -n "$(ps -o pid= --ppid "$pid")" ] && ls "$TMPDIR"/*/fio-*.log >/dev/null 2>&1' \
		--workload randread --backend fio --duration 30 --size 16m --qd 4 --bs 4k
else
	echo "note: fio not installed, the fio case did not run"
fi
interrupt urt 'ls "$TMPDIR"/*/data >/dev/null 2>&1 && sleep 0.5' \
	--workload randread --backend urt --duration 30 --size 16m --qd 4 --bs 4k

# --force: an existing output is replaced, with a complete document.
printf 'old\n' >"$dir/existing.json"
if ! "$bench" --quiet --workload nop --backend urt --duration 0.2 --force --json "$dir/existing.json" 2>"$dir/err"; then
	fail "--force run failed: $(cat "$dir/err")"
elif ! grep -q '"schema"' "$dir/existing.json"; then
	fail "--force did not replace the existing --json"
else
	echo "ok   --force replaced the existing --json"
fi

[ "$failures" -eq 0 ] || { echo "interrupt: $failures failure(s)"; exit 1; }
echo "interrupt: ok"
