#!/bin/sh
# targets.sh [OUTDIR] - measures the issue's targets with the harness, as
# ratios inside one run: repeats are interleaved (every backend once per
# round) and each ratio is the median over rounds of the paired per-round
# ratio, so a noisy moment on the shared machine hits both sides.
#   T1 urt >= 0.85x raw, nop, qd 32, batch 32
#   T2 urt >= 0.95x raw, cached 4 KiB randread, qd 32 (batch 32 and batch 1)
#   T3 urt >= 1.3x fio on that randread job
#   T4 urt-futures >= 0.95x raw on nop (issue 13 asks 0.9x)
#   T0 raw >= 0.9x raw-bare on nop (the harness's sampled timing costs
#      under 10 %); urt and urt-futures are shown against raw-bare too
#   T5 urt p50 <= 1.1x raw p50, cached 4 KiB randread at qd 1 (batch 1);
#      psync (pread) is shown against raw too: where the ring loses at qd 1
# Also T1, T4 and T1b with --lat-sample 16 --no-split (the measurement
# issue 13 states its NOP figures in): the harness's own cost (clock
# reads, and the latency split's stats read that only the urt backends
# make) nearly removed.
#   T6 urt-cp < dd with the same block size and <= 1.2x cp on a warm
#      256 MiB file (bench/cp-targets.sh: hyperfine; needs hyperfine)
# The NOP rows are also given in ops per CPU-second of the bench thread
# (what the ratio gate uses): time spent descheduled by other jobs on a
# loaded machine does not count there.
# Uses URT_BENCH, or build/release/bench/urt-bench (run default-sweep.sh
# once to build it).  About 5 minutes (cp-targets.sh 2.5-3.5 of them, loaded VM).  TARGETS_REPORT_ONLY=1 runs nothing
# and prints the table for the JSON files already in OUTDIR (missing ones
# show as "no data").  Exit 0 when every target judged was met, 1 when one
# was missed (T6 included, when cp-targets.sh ran), 2 on bad input (an
# OUTDIR that is a file, a JSON file that is not a urt-bench report: one
# line) or when no row had data; an interrupted cp-targets.sh's status
# (130) is passed on.
. "$(dirname "$0")/../scripts/lib/prologue.sh"
set -eu
bench=${URT_BENCH:-$top/build/release/bench/urt-bench}
out=${1:-$top/results/targets-$(date -u +%Y%m%dT%H%M%SZ)}
report_only=${TARGETS_REPORT_ONLY:-0}
if [ "$report_only" = 1 ]; then
	[ -d "$out" ] || { echo "targets: TARGETS_REPORT_ONLY=1 needs an existing OUTDIR" >&2; exit 2; }
else
	[ -x "$bench" ] || { echo "targets: no urt-bench at $bench (set URT_BENCH)" >&2; exit 2; }
	[ ! -e "$out" ] || [ -d "$out" ] || { echo "targets: OUTDIR $out exists and is not a directory" >&2; exit 2; }
	mkdir -p "$out" 2>/dev/null || { echo "targets: cannot create OUTDIR $out" >&2; exit 2; }
fi
py=$("$top/scripts/find-python.sh" --bare 2>/dev/null) || { echo "targets: python3 is needed for the ratios" >&2; exit 1; }

rounds="--repeat 7 --duration 0.5 --warmup 0.2 --quiet"
if [ "$report_only" != 1 ]; then
set -x
# shellcheck disable=SC2086
"$bench" --workload nop --backend raw,raw-bare,urt,urt-futures --qd 32 --batch 32 $rounds --json "$out/nop.json"
# shellcheck disable=SC2086
"$bench" --workload nop --backend raw,raw-bare,urt,urt-futures --qd 32 --batch 32 --lat-sample 16 --no-split $rounds \
	--json "$out/nop-sampled.json"
# shellcheck disable=SC2086
"$bench" --workload randread --bs 4k --backend raw,urt,urt-futures,fio --qd 32 --batch 32,1 $rounds \
	--json "$out/randread.json"
# shellcheck disable=SC2086
"$bench" --workload randread --bs 4k --backend raw,urt,psync --qd 1 --batch 1 $rounds \
	--json "$out/qd1.json"
set +x
fi

report=0
"$py" - "$out" <<'PY' || report=$?
import json, math, os, statistics, sys
out = sys.argv[1]
judged = missed = 0
docs = {}
def bad_input(path, why):
    print(f"targets: {os.path.join(out, path)}: not a urt-bench report ({why})", file=sys.stderr)
    sys.exit(2)
def results(path):
    """The results list of OUTDIR/path (FileNotFoundError: no data); exits 2
    with one line when the file is not a urt-bench report."""
    if path not in docs:
        try:
            with open(os.path.join(out, path)) as f:
                rs = json.load(f)["results"]
            if not isinstance(rs, list) or not all(isinstance(r, dict) for r in rs):
                raise TypeError("results is not a list of objects")
            for i, r in enumerate(rs):
                # What every row reads: a result without it is not urt-bench's
                # (a missing row is "no data", a malformed one is not).
                for k, kind in (("backend", str), ("workload", str), ("batch", int), ("repeat", int)):
                    if not isinstance(r.get(k), kind) or isinstance(r.get(k), bool):
                        raise KeyError(f"results[{i}] has no {kind.__name__} '{k}'")
                v = r.get("iops")
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                    raise ValueError(f"results[{i}].iops is {v!r}, not a finite number >= 0")
        except FileNotFoundError:
            raise
        except (OSError, ValueError, KeyError, TypeError) as e:
            bad_input(path, f"{type(e).__name__}: {e}")
        docs[path] = rs
    return docs[path]
def judge(ok, goal):
    """Counts a row with a goal; returns ok."""
    global judged, missed
    if goal:
        judged += 1
        missed += not ok
    return ok

def per_cpu_s(r):
    cpu = (r["cpu"]["user_s"] or 0) + (r["cpu"]["sys_s"] or 0)
    return r["ops"] / cpu if cpu > 0 else float("nan")

def paired(path, workload, num, den, batch, metric=lambda r: r["iops"]):
    rs = results(path)
    by = {(r["backend"], r["repeat"]): r for r in rs if r["workload"] == workload and r["batch"] == batch}
    ratios = [metric(by[(num, k)]) / metric(by[(den, k)])
              for (b, k) in by if b == num and (den, k) in by]
    ratios = [x for x in ratios if x == x]  # a round without CPU times: nan, dropped
    return ratios, statistics.median(metric(by[(num, k)]) for (b, k) in by if b == num)

rows = [
    ("T0 raw / raw-bare, nop qd32 batch32", "nop.json", "nop", "raw", "raw-bare", 32, 0.9),
    ("T1b urt / raw-bare, nop qd32 batch32", "nop.json", "nop", "urt", "raw-bare", 32, 0.75),
    ("   urt-futures / raw-bare, nop qd32 batch32", "nop.json", "nop", "urt-futures", "raw-bare", 32, 0.0),
    ("T1 urt / raw, nop qd32 batch32", "nop.json", "nop", "urt", "raw", 32, 0.85),
    ("T4 urt-futures / raw, nop qd32 batch32", "nop.json", "nop", "urt-futures", "raw", 32, 0.95),
    ("T1' urt / raw, nop, sampled, no split", "nop-sampled.json", "nop", "urt", "raw", 32, 0.85),
    ("T4' urt-futures / raw, nop, sampled, no split", "nop-sampled.json", "nop", "urt-futures", "raw", 32, 0.95),
    ("T1b' urt / raw-bare, nop, sampled, no split", "nop-sampled.json", "nop", "urt", "raw-bare", 32, 0.75),
    ("T2 urt / raw, randread 4k qd32 batch32", "randread.json", "randread", "urt", "raw", 32, 0.95),
    ("T2 urt / raw, randread 4k qd32 batch1", "randread.json", "randread", "urt", "raw", 1, 0.95),
    ("T3 urt / fio, randread 4k qd32 batch32", "randread.json", "randread", "urt", "fio", 32, 1.3),
    ("T3 urt / fio, randread 4k qd32 batch1", "randread.json", "randread", "urt", "fio", 1, 1.3),
    ("   urt-futures / raw, randread qd32 batch32", "randread.json", "randread", "urt-futures", "raw", 32, 0.95),
]
def paired_p50(path, workload, num, den):
    rs = results(path)
    by = {(r["backend"], r["repeat"]): r for r in rs if r["workload"] == workload}
    return [by[(num, k)]["lat_ns"]["p50"] / by[(den, k)]["lat_ns"]["p50"]
            for (b, k) in by if b == num and (den, k) in by]

print(f"{'target':46} {'median':>7} {'min':>6} {'max':>6} {'goal':>5}  {'num ops/s':>10}  verdict")
for name, path, wl, num, den, batch, goal in rows:
    try:
        ratios, num_iops = paired(path, wl, num, den, batch)
    except (KeyError, statistics.StatisticsError, FileNotFoundError):
        print(f"{name:46} no data (backend skipped?)")
        continue
    except (TypeError, ValueError, ZeroDivisionError) as e:
        bad_input(path, f"{type(e).__name__}: {e}")
    if not ratios:
        print(f"{name:46} no data (backend skipped?)")
        continue
    med = statistics.median(ratios)
    verdict = ("shown" if not goal else "met" if judge(med >= goal, goal)
               else f"missed by {(goal - med) / goal * 100:.1f}%")
    print(f"{name:46} {med:7.2f} {min(ratios):6.2f} {max(ratios):6.2f} {goal:5.2f}  {num_iops:10.0f}  {verdict}")
# The NOP ratios again in ops per CPU-second of the bench thread.
for name, num, den, goal in (("T1 urt / raw, nop, ops per CPU-s", "urt", "raw", 0.85),
                             ("T1b urt / raw-bare, nop, ops per CPU-s", "urt", "raw-bare", 0.75),
                             ("T4 urt-futures / raw, nop, ops per CPU-s", "urt-futures", "raw", 0.95)):
    try:
        ratios, num_rate = paired("nop.json", "nop", num, den, 32, per_cpu_s)
    except (KeyError, TypeError, statistics.StatisticsError, FileNotFoundError):
        ratios = []
    if not ratios:
        print(f"{name:46} no data (backend skipped?)")
        continue
    med = statistics.median(ratios)
    verdict = "met" if judge(med >= goal, goal) else f"missed by {(goal - med) / goal * 100:.1f}%"
    print(f"{name:46} {med:7.2f} {min(ratios):6.2f} {max(ratios):6.2f} {goal:5.2f}  {num_rate:10.0f}  {verdict}")
# Latency at qd 1: the ratio of p50s, paired per round; lower is better.
for name, num, goal in (("T5 urt p50 / raw p50, randread 4k qd1", "urt", 1.1),
                        ("   psync p50 / raw p50, randread 4k qd1", "psync", 0.0)):
    try:
        ratios = paired_p50("qd1.json", "randread", num, "raw")
    except (KeyError, TypeError, ZeroDivisionError, FileNotFoundError):
        ratios = []
    if not ratios:
        print(f"{name:46} no data (backend skipped?)")
        continue
    med = statistics.median(ratios)
    verdict = ("shown" if not goal else "met" if judge(med <= goal, goal)
               else f"missed by {(med - goal) / goal * 100:.1f}%")
    print(f"{name:46} {med:7.2f} {min(ratios):6.2f} {max(ratios):6.2f} {goal:5.2f}  {'(p50)':>10}  {verdict}")
# 3: a target missed (the shell's 1; a crash of this script is 1 too, and
# must not read as a miss); 2: nothing judged (no data for any row).
sys.exit(3 if missed else 0 if judged else 2)
PY
case $report in
0) ;;
3) report=1 ;;
2) exit 2 ;; # bad input (one line above) or no row had data
*) echo "targets: the report failed (status $report)" >&2; exit 2 ;;
esac

# T6: the copy target, with hyperfine (urt-cp beside urt-bench); it measures
# as it prints, so TARGETS_REPORT_ONLY=1 leaves it out.
if [ "$report_only" = 1 ]; then
	echo "T6 urt-cp against dd and cp: not re-run (TARGETS_REPORT_ONLY=1; bench/cp-targets.sh measures it)"
else
	copy=0
	URT_CP=${URT_CP:-$(dirname "$bench")/urt-cp} "$here/cp-targets.sh" "$out" || copy=$?
	case $copy in
	0) ;;
	1) report=1 ;; # T6 missed, or the copy measurement failed
	77) echo "targets: cp-targets.sh skipped (T6 not measured)" ;;
	2) exit 2 ;; # bad input, its line above
	*) echo "targets: cp-targets.sh exited $copy (T6 not measured)" >&2
	   exit "$copy" ;; # interrupted (130) or worse: never a pass
	esac
fi
echo "raw reports: $out"
exit "$report"
