#!/bin/sh
# test_cli.sh URT_FAULTS - bad input gets one line on stderr and exit 2, never
# a crash or a clobbered file; outputs are checked before the run (an existing
# --json without --force, an unwritable --json or --dir, --json and --junit
# naming one file: one string, ./x and x, dir/../x and x); --list with anything
# else is bad input; a replayed cell
# passes and writes its JSON; SIGINT mid-cell kills the cell's process, leaves
# no output or temporary file, says "interrupted" and exits 130.
set -u
exe=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

expect_usage_error() {
	"$exe" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	lines=$(wc -l <"$tmp/err")
	if [ "$rc" -ne 2 ] || [ "$lines" -ne 1 ]; then
		echo "FAIL: urt-faults $* -> exit $rc, $lines stderr lines (want 2 and 1)"
		cat "$tmp/err"
		fail=1
	fi
}

expect_usage_error --seed banana
expect_usage_error --seed -1
expect_usage_error --points urt/nope
expect_usage_error --workloads copy,nope
expect_usage_error --probabilities 0.1,0
expect_usage_error --probabilities 1.5
expect_usage_error --scale 0
expect_usage_error --watchdog 0
expect_usage_error --cell urt/read/short:randread
expect_usage_error --cell urt/read/short:randread:2
expect_usage_error --cell urt/read/short:nope:0.1
expect_usage_error --cell urt/read/short:randread:0.1:0
expect_usage_error --dir /nonexistent/dir
expect_usage_error --json /nonexistent/dir/x.json
expect_usage_error --json "$tmp"
expect_usage_error --external 1 --expect-faults urt/nope
expect_usage_error --points urt/submit,,urt/alloc
expect_usage_error --workloads copy,
expect_usage_error --probabilities ,0.5
expect_usage_error --cell urt/read/short:copy:0.1:-
expect_usage_error --frobnicate
expect_usage_error stray-argument
expect_usage_error --list --bogus
expect_usage_error --list extra
expect_usage_error --list --seed 1

# An existing file named by a rejected command line is left alone.
echo keep >"$tmp/keep.json"
"$exe" --json "$tmp/keep.json" --seed x >/dev/null 2>&1
if [ "$(cat "$tmp/keep.json")" != keep ]; then
	echo "FAIL: a rejected command line clobbered its --json file"
	fail=1
fi

# An existing --json is refused without --force (and left alone); outputs
# that cannot be written are refused before any cell runs.
expect_usage_error --json "$tmp/keep.json" --cell urt/op/error:pipe:0.1 --scale 0.05
[ "$(cat "$tmp/keep.json")" = keep ] || { echo "FAIL: --json EXISTING was overwritten without --force"; fail=1; }
expect_usage_error --json /proc/urt-faults-test.json --cell urt/op/error:pipe:0.1 --scale 0.05
grep -q 'cannot create' "$tmp/err" || { echo "FAIL: unwritable --json: $(cat "$tmp/err")"; fail=1; }
grep -q 'cells' "$tmp/out" && { echo "FAIL: unwritable --json: cells ran first"; fail=1; }
expect_usage_error --dir /proc --cell urt/op/error:pipe:0.1 --scale 0.05 --json "$tmp/never.json"
grep -q 'cannot create a file' "$tmp/err" || { echo "FAIL: unwritable --dir: $(cat "$tmp/err")"; fail=1; }
[ ! -e "$tmp/never.json" ] || { echo "FAIL: a rejected --dir still wrote the JSON"; fail=1; }
leftover=$(ls "$tmp" | grep -c '\.tmp\.')
[ "$leftover" -eq 0 ] || { echo "FAIL: temporary JSON files left: $(ls "$tmp")"; fail=1; }

# A replayed cell runs alone, passes, and writes schema urt-faults/1 JSON,
# whose meta.argv quotes a list option whole.
if ! "$exe" --seed 5 --cell urt/op/error:pipe:0.1 --scale 0.05 --json "$tmp/cell.json" \
	--probabilities 0.1,0.5 >"$tmp/out" 2>&1; then
	echo "FAIL: replaying one cell"
	cat "$tmp/out"
	fail=1
elif ! grep -q '"schema": "urt-faults/1"' "$tmp/cell.json" || ! grep -q '"cells": 1,' "$tmp/cell.json"; then
	echo "FAIL: the cell's JSON lacks the schema or the totals"
	fail=1
elif ! grep -q '"--probabilities", "0.1,0.5"' "$tmp/cell.json"; then
	echo "FAIL: meta.argv lost part of a list option: $(grep -o '"argv": [^]]*' "$tmp/cell.json")"
	fail=1
fi
# --force replaces an existing --json with the new matrix.
if ! "$exe" --seed 5 --cell urt/op/error:pipe:0.1 --scale 0.05 --force --json "$tmp/keep.json" >"$tmp/out" 2>&1 ||
	! grep -q '"schema": "urt-faults/1"' "$tmp/keep.json"; then
	echo "FAIL: --force did not replace the --json file"
	fail=1
fi

# "-" is standard output, which then holds the data alone (the progress goes
# to standard error); no file named "-" is made.  (cd: a stray "-" would be
# made in the working directory.)
if ! (cd "$tmp" && "$exe" --seed 5 --cell urt/op/error:pipe:0.1 --scale 0.05 --json - >"$tmp/dash.json" 2>"$tmp/err") ||
	[ -e "$tmp/-" ] || ! python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["schema"] == "urt-faults/1"' \
	"$tmp/dash.json" 2>/dev/null || ! grep -q 'cells, seed 5' "$tmp/err"; then
	echo "FAIL: --json - did not put the JSON alone on standard output ('-' exists: $([ -e "$tmp/-" ] && echo yes || echo no))"
	head -c 300 "$tmp/dash.json"
	fail=1
fi
rm -f "$tmp/-"
if ! (cd "$tmp" && "$exe" --seed 5 --cell urt/op/error:pipe:0.1 --scale 0.05 --json "$tmp/j.json" --junit - \
	>"$tmp/dash.xml" 2>"$tmp/err") || [ -e "$tmp/-" ] || [ "$(head -c 5 "$tmp/dash.xml")" != "<?xml" ] ||
	! grep -q '</testsuites>' "$tmp/dash.xml" || ! grep -q '"schema": "urt-faults/1"' "$tmp/j.json"; then
	echo "FAIL: --junit - did not put the XML alone on standard output"
	head -c 300 "$tmp/dash.xml"
	fail=1
fi
rm -f "$tmp/-"
# The same file for both outputs is bad input, refused before the run.
expect_usage_error --json - --junit - --cell urt/op/error:pipe:0.1 --scale 0.05
expect_usage_error --json "$tmp/same" --junit "$tmp/same" --cell urt/op/error:pipe:0.1 --scale 0.05
[ ! -e "$tmp/same" ] || { echo "FAIL: --json X --junit X wrote X"; fail=1; }
grep -q 'cells' "$tmp/out" && { echo "FAIL: --json X --junit X: cells ran first"; fail=1; }
# ... also named two ways before either exists (./x and x, dir/../x and x),
# while one name in two directories is two files.
mkdir "$tmp/sub"
cd "$tmp" || exit 1
expect_usage_error --json ./two --junit two --cell urt/op/error:pipe:0.1 --scale 0.05
expect_usage_error --json sub/../two --junit two --cell urt/op/error:pipe:0.1 --scale 0.05
[ ! -e two ] || { echo "FAIL: --json ./X --junit X wrote X"; fail=1; }
if ! "$exe" --seed 5 --cell urt/op/error:pipe:0.1 --scale 0.05 --json sub/two --junit two >"$tmp/out" 2>&1 ||
	[ ! -s sub/two ] || [ ! -s two ]; then
	echo "FAIL: --json sub/X --junit X (two files) was refused or did not write both: $(tail -n 2 "$tmp/out")"
	fail=1
fi
# "-" is standard output, not the file ./- (here one exists): two outputs.
mkdir "$tmp/dash" && : >"$tmp/dash/-" && cd "$tmp/dash" || exit 1
if ! "$exe" --seed 5 --cell urt/op/error:pipe:0.1 --scale 0.05 --json - --junit ./- --force >"$tmp/out" 2>"$tmp/err" ||
	! grep -q '"schema": "urt-faults/1"' "$tmp/out" || ! grep -q '</testsuites>' ./-; then
	echo "FAIL: --json - --junit ./- (stdout and a file named -) was refused or did not write both: $(cat "$tmp/err")"
	fail=1
fi
cd "$tmp" || exit 1
cd / || exit 1

# SIGINT while a cell runs (a cell that hangs on purpose, watchdog 60 s):
# the parent kills the cell's process group and exits 130 at once.
mkdir "$tmp/scratch"
URT_FAULTS_SABOTAGE=hang "$exe" --seed 5 --cell urt/op/error:pipe:0.1 --scale 0.05 --watchdog 60 \
	--dir "$tmp/scratch" --json "$tmp/int.json" >"$tmp/out" 2>"$tmp/err" &
pid=$!
child=
i=0
while [ -z "$child" ] && [ "$i" -lt 200 ]; do
	child=$(ps -o pid= --ppid "$pid" | tr -d ' ' | head -n 1)
	sleep 0.05
	i=$((i + 1))
done
sleep 0.2 # the child is past its fork set-up
kill -INT "$pid"
wait "$pid"
rc=$?
if [ -z "$child" ]; then
	echo "FAIL: SIGINT: the cell's child process never appeared"
	fail=1
fi
if [ "$rc" -ne 130 ] || ! grep -qx 'urt-faults: interrupted' "$tmp/err"; then
	echo "FAIL: SIGINT: exit $rc (want 130), stderr: $(cat "$tmp/err")"
	fail=1
fi
if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
	echo "FAIL: SIGINT: the cell's child $child outlived urt-faults"
	kill -KILL "$child"
	fail=1
fi
if [ -e "$tmp/int.json" ] || ls "$tmp" | grep -q '^int\.json\.tmp'; then
	echo "FAIL: SIGINT left a JSON file: $(ls "$tmp")"
	fail=1
fi
[ -z "$(ls -A "$tmp/scratch")" ] || { echo "FAIL: SIGINT left scratch files: $(ls -A "$tmp/scratch")"; fail=1; }

# SIGKILL cannot be handled: the cell's child must still die with its
# parent (PR_SET_PDEATHSIG), not hang on for its 60 s watchdog.  (Alive:
# exists and is not a zombie waiting for an init that may never reap it.)
alive() { st=$(ps -o stat= -p "$1" 2>/dev/null); [ -n "$st" ] && [ "${st#Z}" = "$st" ]; }
URT_FAULTS_SABOTAGE=hang "$exe" --seed 5 --cell urt/op/error:pipe:0.1 --scale 0.05 --watchdog 60 \
	--dir "$tmp/scratch" --json "$tmp/kill.json" >/dev/null 2>&1 &
pid=$!
child=
i=0
while [ -z "$child" ] && [ "$i" -lt 200 ]; do
	child=$(ps -o pid= --ppid "$pid" | tr -d ' ' | head -n 1)
	sleep 0.05
	i=$((i + 1))
done
sleep 0.2
kill -KILL "$pid"
wait "$pid" 2>/dev/null
i=0
while [ -n "$child" ] && alive "$child" && [ "$i" -lt 40 ]; do
	sleep 0.05
	i=$((i + 1))
done
if [ -z "$child" ]; then
	echo "FAIL: SIGKILL: the cell's child process never appeared"
	fail=1
elif alive "$child"; then
	echo "FAIL: SIGKILL: the cell's child $child outlived its parent by 2 s"
	kill -KILL "$child"
	fail=1
fi
rm -f "$tmp"/kill.json.tmp.*

[ "$fail" -eq 0 ] && echo "cli: all checks passed"
exit "$fail"
