#!/bin/sh
# targets.sh [OUTDIR] - measures the issue's targets with the harness, as
# ratios inside one run: repeats are interleaved (every backend once per
# round) and each ratio is the median over rounds of the paired per-round
# ratio, so a noisy moment on the shared machine hits both sides.
#   T1 urt >= 0.85x raw, nop, qd 32, batch 32
#   T2 urt >= 0.95x raw, cached 4 KiB randread, qd 32 (batch 32 and batch 1)
#   T3 urt >= 1.3x fio on that randread job
#   T4 urt-futures >= 0.95x raw on nop
#   T0 raw >= 0.9x raw-bare on nop (the harness's sampled timing costs
#      under 10 %); urt and urt-futures are shown against raw-bare too
# Also T1 and T4 with --lat-sample 16 --no-split: the harness's own cost
# (clock reads, the runtime's stats read for the split) nearly removed.
#   T5 urt-cp < dd with the same block size and <= 1.2x cp on a warm
#      256 MiB file (bench/cp-targets.sh: hyperfine; needs hyperfine)
# Uses URT_BENCH, or build/release/bench/urt-bench (run default-sweep.sh
# once to build it).  About 5 minutes (cp-targets.sh 2.5-3.5 of them, loaded VM).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
bench=${URT_BENCH:-$top/build/release/bench/urt-bench}
out=${1:-$top/results/targets-$(date -u +%Y%m%dT%H%M%SZ)}
[ -x "$bench" ] || { echo "targets: no urt-bench at $bench (set URT_BENCH)" >&2; exit 2; }
mkdir -p "$out"
py=""
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null 2>&1; then py=$p; break; fi
done
[ -n "$py" ] || { echo "targets: python3 is needed for the ratios" >&2; exit 1; }

rounds="--repeat 7 --duration 0.5 --warmup 0.2 --quiet"
set -x
# shellcheck disable=SC2086
"$bench" --workload nop --backend raw,raw-bare,urt,urt-futures --qd 32 --batch 32 $rounds --json "$out/nop.json"
# shellcheck disable=SC2086
"$bench" --workload nop --backend raw,urt,urt-futures --qd 32 --batch 32 --lat-sample 16 --no-split $rounds \
	--json "$out/nop-sampled.json"
# shellcheck disable=SC2086
"$bench" --workload randread --bs 4k --backend raw,urt,urt-futures,fio --qd 32 --batch 32,1 $rounds \
	--json "$out/randread.json"
set +x

"$py" - "$out" <<'PY'
import json, os, statistics, sys
out = sys.argv[1]

def paired(path, workload, num, den, batch):
    rs = json.load(open(os.path.join(out, path)))["results"]
    by = {(r["backend"], r["repeat"]): r for r in rs if r["workload"] == workload and r["batch"] == batch}
    ratios = [by[(num, k)]["iops"] / by[(den, k)]["iops"]
              for (b, k) in by if b == num and (den, k) in by]
    return ratios, statistics.median(by[(num, k)]["iops"] for (b, k) in by if b == num)

rows = [
    ("T0 raw / raw-bare, nop qd32 batch32", "nop.json", "nop", "raw", "raw-bare", 32, 0.9),
    ("   urt / raw-bare, nop qd32 batch32", "nop.json", "nop", "urt", "raw-bare", 32, 0.0),
    ("   urt-futures / raw-bare, nop qd32 batch32", "nop.json", "nop", "urt-futures", "raw-bare", 32, 0.0),
    ("T1 urt / raw, nop qd32 batch32", "nop.json", "nop", "urt", "raw", 32, 0.85),
    ("T4 urt-futures / raw, nop qd32 batch32", "nop.json", "nop", "urt-futures", "raw", 32, 0.95),
    ("T1' urt / raw, nop, sampled, no split", "nop-sampled.json", "nop", "urt", "raw", 32, 0.85),
    ("T4' urt-futures / raw, nop, sampled, no split", "nop-sampled.json", "nop", "urt-futures", "raw", 32, 0.95),
    ("T2 urt / raw, randread 4k qd32 batch32", "randread.json", "randread", "urt", "raw", 32, 0.95),
    ("T2 urt / raw, randread 4k qd32 batch1", "randread.json", "randread", "urt", "raw", 1, 0.95),
    ("T3 urt / fio, randread 4k qd32 batch32", "randread.json", "randread", "urt", "fio", 32, 1.3),
    ("T3 urt / fio, randread 4k qd32 batch1", "randread.json", "randread", "urt", "fio", 1, 1.3),
    ("   urt-futures / raw, randread qd32 batch32", "randread.json", "randread", "urt-futures", "raw", 32, 0.95),
]
print(f"{'target':46} {'median':>7} {'min':>6} {'max':>6} {'goal':>5}  {'num ops/s':>10}  verdict")
for name, path, wl, num, den, batch, goal in rows:
    try:
        ratios, num_iops = paired(path, wl, num, den, batch)
    except (KeyError, statistics.StatisticsError, FileNotFoundError):
        print(f"{name:46} no data (backend skipped?)")
        continue
    if not ratios:
        print(f"{name:46} no data (backend skipped?)")
        continue
    med = statistics.median(ratios)
    verdict = ("shown" if not goal else "met" if med >= goal
               else f"missed by {(goal - med) / goal * 100:.1f}%")
    print(f"{name:46} {med:7.2f} {min(ratios):6.2f} {max(ratios):6.2f} {goal:5.2f}  {num_iops:10.0f}  {verdict}")
PY

# T5: the copy target, with hyperfine (urt-cp beside urt-bench).
URT_CP=${URT_CP:-$(dirname "$bench")/urt-cp} "$here/cp-targets.sh" "$out" ||
	echo "targets: cp-targets.sh exited $? (T5 not measured)"
echo "raw reports: $out"
