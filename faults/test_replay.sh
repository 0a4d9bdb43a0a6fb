#!/bin/sh
# test_replay.sh URT_FAULTS URT_CP - a seed replays the same faults whatever
# the completion order: the runtime logs every injected fault
# (URT_FAULT_LOG: "point task op retry attempt"), and five runs with one seed must
# give the same, non-empty set of faults:
#   - urt-faults' replay command for a cell (copy at QD 16-64, two points);
#   - urt-cp --method rw --qd 32 (its reads and writes go through the
#     buffer, where urt/read/short acts) under fiu-run, as a user would replay a fault in their
#     own program (FIU_PRNG_SEED); another seed must give another log.
set -u
exe=$1
cp_bin=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# same_logs NAME: the five logs $tmp/NAME.1..5 exist, are non-empty and hold
# the same faults (sorted: the order of injection follows the completion
# order, which is what may differ; which operations fail must not).
same_logs() {
	for i in 1 2 3 4 5; do
		[ -e "$tmp/$1.$i" ] && sort -o "$tmp/$1.$i" "$tmp/$1.$i"
	done
	for i in 1 2 3 4 5; do
		if [ ! -s "$tmp/$1.$i" ]; then
			echo "FAIL: $1 run $i logged no fault"
			fail=1
			return 1
		fi
		if ! cmp -s "$tmp/$1.1" "$tmp/$1.$i"; then
			echo "FAIL: $1 run $i injected other faults than run 1:"
			diff "$tmp/$1.1" "$tmp/$1.$i" | head -n 6
			fail=1
			return 1
		fi
	done
	echo "$1: five runs, the same $(wc -l <"$tmp/$1.1") faults"
}

for cell in urt/op/error:copy:0.1 urt/read/short:copy:0.1; do
	name=$(echo "$cell" | tr '/:' '__')
	for i in 1 2 3 4 5; do
		URT_FAULT_LOG="$tmp/$name.$i" "$exe" --seed 77 --cell "$cell" --scale 0.25 --json "$tmp/$name.$i.json" \
			>"$tmp/out" 2>&1 || { echo "FAIL: cell $cell run $i:"; cat "$tmp/out"; fail=1; }
	done
	same_logs "$name"
done

if command -v fiu-run >/dev/null 2>&1; then
	ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0:detect_leaks=0"
	export ASAN_OPTIONS
	# -x (libfiu's POSIX wrappers) as a user would type it; not under ASan,
	# whose interceptors it crashes.  The urt/ points need neither.
	fiu_x=-x
	ldd "$cp_bin" 2>/dev/null | grep -q libasan && fiu_x=
	head -c 8000000 /dev/urandom >"$tmp/src"
	cp_run() { # SEED LOG
		rm -f "$tmp/dst"
		FIU_PRNG_SEED=$1 URT_FAULT_LOG=$2 fiu-run $fiu_x -c 'enable_random name=urt/read/short,probability=0.05' \
			"$cp_bin" --method rw --qd 32 --bs 16k "$tmp/src" "$tmp/dst" 2>"$tmp/err" && cmp -s "$tmp/src" "$tmp/dst" ||
			{ echo "FAIL: urt-cp under urt/read/short: $(cat "$tmp/err")"; fail=1; }
	}
	for i in 1 2 3 4 5; do
		cp_run 42 "$tmp/cp.$i"
	done
	same_logs cp
	cp_run 43 "$tmp/cp.other"
	sort -o "$tmp/cp.other" "$tmp/cp.other"
	if cmp -s "$tmp/cp.1" "$tmp/cp.other"; then
		echo "FAIL: seeds 42 and 43 injected the same faults: the seed decides nothing"
		fail=1
	fi
else
	echo "note: fiu-run missing, the urt-cp replay did not run"
fi
[ "$fail" -eq 0 ] && echo "replay: pass"
exit "$fail"
