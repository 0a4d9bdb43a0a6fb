#!/bin/sh
# targets_report.sh TARGETS_SH - bench/targets.sh's table, from made-up
# results with known ratios (TARGETS_REPORT_ONLY=1: nothing is run): the
# throughput, ops-per-CPU-second and qd-1 p50 rows compute the paired
# per-round ratios and verdicts; the status is 1 with a target missed, 0
# with every judged target met, 2 with no data at all; a missing OUTDIR is
# bad input (exit 2, one line on stderr).
set -u
targets=$1
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

TARGETS_REPORT_ONLY=1 sh "$targets" "$dir/missing" >"$dir/out" 2>"$dir/err"
status=$?
[ "$status" -eq 2 ] || fail "missing OUTDIR: exit $status, want 2"
[ "$(grep -c . "$dir/err")" -eq 1 ] || fail "missing OUTDIR: want one line on stderr, got: $(cat "$dir/err")"
[ ! -e "$dir/missing" ] || fail "missing OUTDIR was created"

# Two rounds.  nop: urt does 0.8x raw's ops/s in both, but with half
# raw's CPU time (ops per CPU-s: 1.6x); urt-futures 0.9x raw.  qd 1: urt's
# p50 is 1.05x raw's (met), psync's 0.8x.
mkdir "$dir/out1"
python3 - "$dir/out1" <<'PY'
import json, os, sys
out = sys.argv[1]
def res(backend, repeat, workload, iops, cpu, p50=1000.0, batch=32):
    return {"backend": backend, "repeat": repeat, "workload": workload, "batch": batch, "qd": 32,
            "iops": iops, "ops": iops, "cpu": {"user_s": cpu, "sys_s": 0.0}, "lat_ns": {"p50": p50}}
nop = [res(b, k, "nop", i, c) for k in (0, 1)
       for b, i, c in (("raw", 1000.0, 1.0), ("raw-bare", 1000.0, 1.0), ("urt", 800.0, 0.5),
                       ("urt-futures", 900.0, 1.0))]
qd1 = [res(b, k, "randread", 100.0, 1.0, p, batch=1) for k in (0, 1)
       for b, p in (("raw", 2000.0), ("urt", 2100.0), ("psync", 1600.0))]
# Sampled, no split: urt 0.8x raw-bare (met), urt-futures 0.7x raw.
sampled = [res(b, k, "nop", i, 1.0) for k in (0, 1)
           for b, i in (("raw", 1000.0), ("raw-bare", 1000.0), ("urt", 800.0), ("urt-futures", 700.0))]
for name, rs in (("nop.json", nop), ("qd1.json", qd1), ("nop-sampled.json", sampled)):
    with open(os.path.join(out, name), "w") as f:
        json.dump({"results": rs}, f)
PY
TARGETS_REPORT_ONLY=1 sh "$targets" "$dir/out1" >"$dir/out" 2>"$dir/err"
status=$?
[ "$status" -eq 1 ] || fail "report with targets missed: exit $status, want 1 ($(cat "$dir/err"))"
row() { grep -F "$1" "$dir/out" | head -n 1; }
expect() { # ROW-PREFIX TEXT
	r=$(row "$1")
	case "$r" in
	*"$2"*) ;;
	*) fail "row '$1': want '$2' in '$r'" ;;
	esac
}
expect "T1 urt / raw, nop qd32 batch32" "0.80   0.80   0.80  0.85"
expect "T1 urt / raw, nop qd32 batch32" "missed by 5.9%"
expect "T1b urt / raw-bare, nop qd32 batch32" "met"
expect "T4 urt-futures / raw, nop qd32 batch32" "0.90"
expect "T1 urt / raw, nop, ops per CPU-s" "1.60"
expect "T1 urt / raw, nop, ops per CPU-s" "met"
expect "T4 urt-futures / raw, nop, ops per CPU-s" "missed by 5.3%"
expect "T5 urt p50 / raw p50" "1.05"
expect "T5 urt p50 / raw p50" "met"
expect "psync p50 / raw p50" "0.80"
expect "T2 urt / raw, randread 4k qd32 batch32" "no data"
expect "T1b' urt / raw-bare, nop, sampled, no split" "0.80   0.80   0.80  0.75"
expect "T1b' urt / raw-bare, nop, sampled, no split" "met"
expect "T4' urt-futures / raw, nop, sampled, no split" "missed by 26.3%"

# urt's p50 1.2x raw's: T5 missed.
python3 - "$dir/out1/qd1.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for r in doc["results"]:
    if r["backend"] == "urt":
        r["lat_ns"]["p50"] = 2400.0
json.dump(doc, open(sys.argv[1], "w"))
PY
TARGETS_REPORT_ONLY=1 sh "$targets" "$dir/out1" >"$dir/out" 2>"$dir/err"
expect "T5 urt p50 / raw p50" "missed by 9.1%"

# urt at 0.7x raw-bare, sampled: T1b' missed.
python3 - "$dir/out1/nop-sampled.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for r in doc["results"]:
    if r["backend"] == "urt":
        r["iops"] = r["ops"] = 700.0
json.dump(doc, open(sys.argv[1], "w"))
PY
TARGETS_REPORT_ONLY=1 sh "$targets" "$dir/out1" >"$dir/out" 2>"$dir/err"
expect "T1b' urt / raw-bare, nop, sampled, no split" "missed by 6.7%"

# Every row with data met (urt 0.9x raw and raw-bare, urt-futures 1.0x,
# p50 1.05x): exit 0.  No data at all: nothing judged, exit 2.
mkdir "$dir/met" "$dir/empty"
python3 - "$dir/met" <<'PY'
import json, os, sys
def res(backend, repeat, workload, iops, p50=1000.0, batch=32):
    return {"backend": backend, "repeat": repeat, "workload": workload, "batch": batch, "qd": 32,
            "iops": iops, "ops": iops, "cpu": {"user_s": 1.0, "sys_s": 0.0}, "lat_ns": {"p50": p50}}
nop = [res(b, k, "nop", i) for k in (0, 1)
       for b, i in (("raw", 1000.0), ("raw-bare", 1000.0), ("urt", 900.0), ("urt-futures", 1000.0))]
qd1 = [res(b, k, "randread", 100.0, p, batch=1) for k in (0, 1)
       for b, p in (("raw", 2000.0), ("urt", 2100.0), ("psync", 1600.0))]
for name, rs in (("nop.json", nop), ("qd1.json", qd1)):
    with open(os.path.join(sys.argv[1], name), "w") as f:
        json.dump({"results": rs}, f)
PY
TARGETS_REPORT_ONLY=1 sh "$targets" "$dir/met" >"$dir/out" 2>"$dir/err"
status=$?
[ "$status" -eq 0 ] || fail "every target met: exit $status, want 0: $(cat "$dir/out" "$dir/err")"
grep -q "missed" "$dir/out" && fail "every target met: a row says missed: $(cat "$dir/out")"
TARGETS_REPORT_ONLY=1 sh "$targets" "$dir/empty" >"$dir/out" 2>"$dir/err"
status=$?
[ "$status" -eq 2 ] || fail "no data: exit $status, want 2"

# Not a urt-bench report: one line, exit 2, never a verdict of its own.
mkdir "$dir/garbage"
echo 'garbage{' >"$dir/garbage/nop.json"
TARGETS_REPORT_ONLY=1 sh "$targets" "$dir/garbage" >"$dir/out" 2>"$dir/err"
status=$?
[ "$status" -eq 2 ] || fail "garbage nop.json: exit $status, want 2"
[ "$(grep -c . "$dir/err")" -eq 1 ] && grep -q "not a urt-bench report" "$dir/err" ||
	fail "garbage nop.json: want one line on stderr, got: $(cat "$dir/err")"
# JSON, but rows without what a urt-bench result has, or with an ops/s that
# is negative or not finite: bad input too, not "no data" (exit 0 before)
# nor a verdict judged on them.
for bad in '{"results": [{}]}' '{"results": [{"workload": "randread"}]}' \
	'{"results": [{"backend": "urt", "workload": "nop", "batch": 32, "repeat": 0, "iops": -5}]}' \
	'{"results": [{"backend": "urt", "workload": "nop", "batch": 32, "repeat": 0, "iops": Infinity}]}'; do
	rm -rf "$dir/malformed" && mkdir "$dir/malformed"
	printf '%s\n' "$bad" >"$dir/malformed/nop.json"
	TARGETS_REPORT_ONLY=1 sh "$targets" "$dir/malformed" >"$dir/out" 2>"$dir/err"
	status=$?
	[ "$status" -eq 2 ] || fail "nop.json $bad: exit $status, want 2"
	[ "$(grep -c . "$dir/err")" -eq 1 ] && grep -q "not a urt-bench report" "$dir/err" ||
		fail "nop.json $bad: want one line on stderr, got: $(cat "$dir/err")"
done

# Measuring (a stand-in urt-bench that writes the met results above): an
# OUTDIR that is a file is bad input; cp-targets.sh's bad input (2) and its
# interruption (a stand-in urt-cp that sends it SIGTERM: 130) are passed
# on, never turned into a pass.
cat >"$dir/bench" <<'STUB'
#!/bin/sh
while [ $# -gt 0 ]; do [ "$1" = --json ] && json=$2; shift; done
if [ -e "$STUB_FROM/${json##*/}" ]; then cp "$STUB_FROM/${json##*/}" "$json"; else echo '{"results": []}' >"$json"; fi
STUB
cat >"$dir/cp-stop" <<'STUB'
#!/bin/sh
p=$$
while [ "$p" -gt 1 ]; do
	p=$(ps -o ppid= -p "$p" | tr -d ' ')
	case $(tr '\0' ' ' <"/proc/$p/cmdline") in *cp-targets.sh*) kill -TERM "$p"; exit 1 ;; esac
done
exit 1
STUB
chmod +x "$dir/bench" "$dir/cp-stop"
touch "$dir/a-file"
URT_BENCH=$dir/bench sh "$targets" "$dir/a-file" >"$dir/out" 2>"$dir/err"
status=$?
[ "$status" -eq 2 ] || fail "OUTDIR a file: exit $status, want 2"
STUB_FROM=$dir/met URT_BENCH=$dir/bench CP_MIB=x sh "$targets" "$dir/m1" >"$dir/out" 2>&1
status=$?
[ "$status" -eq 2 ] || fail "cp-targets.sh's bad input: exit $status, want 2: $(tail -3 "$dir/out")"
if command -v hyperfine >/dev/null 2>&1; then
	STUB_FROM=$dir/met URT_BENCH=$dir/bench URT_CP=$dir/cp-stop URT_CP_DIR=$dir CP_MIB=1 CP_RUNS=1 CP_PAIRS=1 \
		sh "$targets" "$dir/m2" >"$dir/out" 2>&1
	status=$?
	[ "$status" -eq 130 ] || fail "cp-targets.sh interrupted: exit $status, want 130: $(tail -3 "$dir/out")"
else
	echo "targets_report: no hyperfine: the interrupted cp-targets.sh case not run"
fi

if [ "$failures" -ne 0 ]; then
	cat "$dir/out"
	exit 1
fi
echo "targets.sh report: all rows as expected"
