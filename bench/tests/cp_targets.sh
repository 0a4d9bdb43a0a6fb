#!/bin/sh
# cp_targets.sh CP_TARGETS URT_CP - bench/cp-targets.sh on a small file
# (CP_MIB=4, one run each): with the real urt-cp it measures, prints both
# T6 verdict lines and writes its two reports; every failure path gives its
# status: bad settings 2 with one line each and nothing written, an
# existing report 2 and left alone, no hyperfine 77, a copy that exits
# non-zero 1 (hyperfine failed), a wrong copy 1 ("differs": once caught by
# the hyperfine pass, once only in the interleaved pass, and a copy wrong in
# a single run that is not the last of its pass, in each pass), a slow copy
# 1 (T6 missed), and a real run 0 or 1 as its verdicts say.
set -u
targets=$1
urt_cp=$2
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
export URT_CP_DIR="$dir" CP_MIB=4 CP_RUNS=1 CP_PAIRS=2
command -v hyperfine >/dev/null 2>&1 || { echo "cp_targets: skipped: hyperfine not found"; exit 77; }

expect() { # STATUS WHAT PATTERN [ENV=V...]: runs cp-targets into $dir/out.N
	want=$1 what=$2 pattern=$3
	shift 3
	n=$((n + 1))
	env "$@" sh "$targets" "$dir/out.$n" >"$dir/log" 2>&1
	status=$?
	[ "$status" -eq "$want" ] || fail "$what: status $status, expected $want: $(tail -3 "$dir/log")"
	grep -q -- "$pattern" "$dir/log" || fail "$what: no '$pattern' in: $(tail -3 "$dir/log")"
}
n=0
for bad in CP_BS=x CP_BS=0 CP_QD=0 CP_RUNS=y CP_PAIRS=0 CP_MIB=-1 CP_MIB=12345678 URT_CP=/nonexistent; do
	expect 2 "$bad" "cp-targets: " "URT_CP=$urt_cp" "$bad"
	[ "$(wc -l <"$dir/log")" -eq 1 ] || fail "$bad: more than one line: $(cat "$dir/log")"
	[ ! -e "$dir/out.$n" ] || fail "$bad: created its output directory"
done
touch "$dir/a-file"
URT_CP=$urt_cp sh "$targets" "$dir/a-file" >"$dir/log" 2>&1
status=$?
[ "$status" -eq 2 ] && [ "$(wc -l <"$dir/log")" -eq 1 ] || fail "OUTDIR a file: status $status, want 2 and one line: $(cat "$dir/log")"
expect 77 "no hyperfine" "hyperfine not found" "URT_CP=$urt_cp" HYPERFINE=/nonexistent
mkdir -p "$dir/out.existing"
echo keep >"$dir/out.existing/cp.json"
URT_CP=$urt_cp sh "$targets" "$dir/out.existing" >"$dir/log" 2>&1
status=$?
[ "$status" -eq 2 ] || fail "an existing cp.json: status $status, expected 2"
[ "$(cat "$dir/out.existing/cp.json")" = keep ] || fail "an existing cp.json was changed"

# Stand-ins for urt-cp: one that fails, one whose copies are wrong, one
# whose copies are wrong only in the interleaved pass (its d-i-urt); and
# two that are wrong in one run only, not the last of their pass (every
# copy is checked, not just the last): the 2nd of d-splice's (a hyperfine
# warm-up) or the 2nd of d-i-urt's (the first timed interleaved run).
cat >"$dir/fake-cp" <<'FAKE'
#!/bin/sh
for a; do src=$dst dst=$a; done
k=0
if [ -n "${FAKE_STATE:-}" ]; then # how many times this destination was written
	k=$(($(cat "$FAKE_STATE/${dst##*/}" 2>/dev/null || echo 0) + 1))
	echo "$k" >"$FAKE_STATE/${dst##*/}"
fi
case "${FAKE_MODE}:$k:$dst" in
fails:*) exit 1 ;;
wrong:* | interleaved:*d-i-urt | once:2:*d-splice | once-interleaved:2:*d-i-urt) head -c 100 /dev/zero >"$dst" ;;
slow:*) sleep 0.3 && cat "$src" >"$dst" ;;
*) cat "$src" >"$dst" ;;
esac
FAKE
chmod +x "$dir/fake-cp"
expect 1 "a failing urt-cp" "hyperfine failed" "URT_CP=$dir/fake-cp" FAKE_MODE=fails
expect 1 "a wrong copy" "d-splice.* from the source" "URT_CP=$dir/fake-cp" FAKE_MODE=wrong
expect 1 "a wrong copy in the interleaved pass" "d-i-urt differs from the source" "URT_CP=$dir/fake-cp" \
	FAKE_MODE=interleaved
for mode in once once-interleaved; do
	rm -rf "$dir/state"
	mkdir "$dir/state"
	[ "$mode" = once ] && want="d-splice.* in 1 run" || want="d-i-urt differs from the source"
	expect 1 "a wrong copy in one early run ($mode)" "$want" "URT_CP=$dir/fake-cp" FAKE_MODE=$mode \
		FAKE_STATE="$dir/state"
	[ "$(cat "$dir/state/d-splice" 2>/dev/null)" -ge 3 ] ||
		fail "$mode: the stand-in did not run as expected: $(ls "$dir/state")"
done

# A copy 0.3 s slower than cp and dd on 4 MiB: both T6 targets missed, the
# whole report printed, then 1.
expect 1 "a slow urt-cp" "cp-targets: a T6 target was missed" "URT_CP=$dir/fake-cp" FAKE_MODE=slow
grep -Eq "^T6 urt-cp / cp +[0-9.]+ +[0-9.]+ +1.20  missed by" "$dir/log" ||
	fail "a slow urt-cp: T6 urt-cp / cp not missed: $(cat "$dir/log")"
[ -s "$dir/out.$n/cp-interleaved.json" ] || fail "a slow urt-cp: no cp-interleaved.json"

# The real thing, small: both verdict lines, both reports; its status says
# what the verdicts say (0 both met, 1 one missed: timing decides which).
n=$((n + 1))
env "URT_CP=$urt_cp" sh "$targets" "$dir/out.$n" >"$dir/log" 2>&1
status=$?
grep -q -- "T6 urt-cp / cp " "$dir/log" || fail "a real run: no T6 line in: $(tail -3 "$dir/log")"
if grep -q "^T6 .*missed by" "$dir/log"; then want=1; else want=0; fi
[ "$status" -eq "$want" ] || fail "a real run: status $status, its verdicts say $want: $(tail -4 "$dir/log")"
grep -Eq "^T6 urt-cp / dd \(same bs\) +[0-9.]+ +[0-9.]+ +1.00  (met|missed by)" "$dir/log" ||
	fail "no T6 urt-cp / dd verdict line: $(cat "$dir/log")"
for f in cp.json cp-interleaved.json; do
	[ -s "$dir/out.$n/$f" ] || fail "a real run wrote no $f"
done
for d in "$dir"/urt-cp-targets.*; do
	[ ! -e "$d" ] || fail "the scratch directory $d was left behind"
done
[ "$failures" -eq 0 ] || { echo "cp_targets: $failures failure(s)"; exit 1; }
echo "cp_targets: bad settings, missing hyperfine, failing and wrong copies refused; a slow copy missed; a real run judged"
