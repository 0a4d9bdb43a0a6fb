#!/bin/sh
# cp-targets.sh [OUTDIR] - measures the copy target with hyperfine: urt-cp
# must beat dd with the same block size and come within 1.2x of cp, copying
# the same warm (page-cached) file, plus urt-cp's other modes beside them:
#   T6 urt-cp (splice) / dd bs=BS      goal < 1
#   T6 urt-cp (splice) / cp            goal <= 1.2
#      urt-cp --method rw / dd bs=BS   shown
#      urt-cp --verify / cp            shown (copies, then reads both back)
#      urt-cp --direct / dd iflag=direct oflag=direct bs=BS   shown (disk)
# Ratios of hyperfine's medians (and of the fastest runs, and of the mean
# CPU time user + sys) from one hyperfine run, so a loaded moment hits all.
# Then the verdicts of T6: urt-cp (splice), cp and dd run interleaved
# CP_PAIRS times each (after one warm-up each), the CPU time (user + sys,
# from wait4: urt-cp's io-wq worker threads included) and the wall time
# of every run taken, and the medians compared.  Interleaving puts the
# three under the same load; the median, not hyperfine's mean, keeps one
# run slowed by the neighbours from deciding.  urt-cp / cp must be <= 1.2
# in both CPU and wall time, urt-cp / dd < 1 in both.
# The file (CP_MIB, 256 MiB of random data) lives in a temp dir under $URT_CP_DIR
# (default /var/tmp: a disk file system, where splice and copy_file_range
# do what they do on real files; tmpfs would change that); its file system
# is printed.  Every copy either pass makes, warm-ups included, is compared
# with SRC, outside the timed part: in the hyperfine pass each command's
# --prepare compares the copy its previous run left (cmp) before removing
# it, and the copy of its last run is compared after hyperfine; in the
# interleaved pass each run's copy is compared right after the run.  One
# wrong copy voids the whole measurement (exit 1).
# Uses URT_CP, or build/release/bench/urt-cp; HYPERFINE, or hyperfine.
# CP_QD, CP_BS (default 1, 1m: urt-cp's defaults), CP_RUNS (default 10, after 2 warm-ups),
# CP_PAIRS (default 20), CP_MIB (the file's size in MiB, default 256).
# Exit 0 when both T6 targets were met, 1 when one was missed (after the
# whole report), a copy was wrong or hyperfine failed, 2 bad input, 77 no
# hyperfine.  2.5-4 min on the
# loaded 2-core VM (most of it the O_DIRECT pair).
. "$(dirname "$0")/../scripts/lib/prologue.sh"
set -eu
urt_cp=${URT_CP:-$top/build/release/bench/urt-cp}
hyperfine=${HYPERFINE:-hyperfine}
out=${1:-$top/results/targets-$(date -u +%Y%m%dT%H%M%SZ)}
qd=${CP_QD:-1}
bs=${CP_BS:-1m}
runs=${CP_RUNS:-10}
pairs=${CP_PAIRS:-20}
mib=${CP_MIB:-256}
bad_bs() { echo "cp-targets: CP_BS: expected a size like 1m, got '$bs'" >&2; exit 2; }
num=${bs%[kKmM]}
case "$num" in "" | *[!0-9]*) bad_bs ;; esac
case "$bs" in
    *[kK]) bs_bytes=$((num * 1024)) ;;
    *[mM]) bs_bytes=$((num * 1048576)) ;;
    *) bs_bytes=$num ;;
esac
[ "$bs_bytes" -gt 0 ] || bad_bs
for v in "$qd" "$runs" "$pairs" "$mib"; do
    case "$v" in "" | *[!0-9]* | 0) echo "cp-targets: CP_QD, CP_RUNS, CP_PAIRS and CP_MIB are positive integers, got '$v'" >&2; exit 2 ;; esac
    # Seven digits at most: past that the shell's arithmetic (and any disk) gives out.
    [ "${#v}" -le 7 ] || { echo "cp-targets: CP_QD, CP_RUNS, CP_PAIRS and CP_MIB are at most 9999999, got '$v'" >&2; exit 2; }
done
[ -x "$urt_cp" ] || { echo "cp-targets: no urt-cp at $urt_cp (set URT_CP)" >&2; exit 2; }
case $urt_cp in /*) ;; *) urt_cp=$(pwd)/$urt_cp ;; esac # the copies run in the scratch directory
command -v "$hyperfine" >/dev/null 2>&1 || { echo "cp-targets: skipped: hyperfine not found" >&2; exit 77; }
py=$("$top/scripts/find-python.sh" --bare 2>/dev/null) || { echo "cp-targets: python3 is needed for the ratios" >&2; exit 1; }
[ ! -e "$out" ] || [ -d "$out" ] || { echo "cp-targets: OUTDIR $out exists and is not a directory" >&2; exit 2; }
mkdir -p "$out" 2>/dev/null || { echo "cp-targets: cannot create OUTDIR $out" >&2; exit 2; }
out=$(cd "$out" && pwd)
for f in cp.json cp-interleaved.json; do
    [ ! -e "$out/$f" ] || { echo "cp-targets: $out/$f exists; not overwriting it" >&2; exit 2; }
done

dir=$(mktemp -d "${URT_CP_DIR:-/var/tmp}/urt-cp-targets.XXXXXX")
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM
head -c "${mib}m" /dev/urandom >"$dir/src"
cat "$dir/src" >/dev/null # warm
fs=$(findmnt -n -o FSTYPE -T "$dir" 2>/dev/null || stat -f -c %T "$dir") # stat -f says "ext2/ext3" for ext4
echo "cp-targets: $mib MiB warm file on $fs ($dir), urt-cp --qd $qd --bs $bs, $runs runs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
cd "$dir"
# Before each run (untimed): the copy the previous run of this command left
# is compared with src (a wrong one is named in ./wrong), then removed.
check() { echo "sh -c '[ ! -e $1 ] || cmp -s src $1 || echo $1 >>wrong; rm -f $1'"; }
set -- \
    --prepare "$(check d-splice)" "$urt_cp --qd $qd --bs $bs src d-splice" \
    --prepare "$(check d-rw)" "$urt_cp --method rw --qd $qd --bs $bs src d-rw" \
    --prepare "$(check d-verify)" "$urt_cp --verify --qd $qd --bs $bs src d-verify" \
    --prepare "$(check d-cp)" "cp src d-cp" \
    --prepare "$(check d-dd)" "dd if=src of=d-dd bs=$bs_bytes status=none"
copies="d-splice d-rw d-verify d-cp d-dd"
if [ $((bs_bytes % 4096)) -eq 0 ] && "$urt_cp" --direct --bs 4k src d-probe 2>/dev/null; then
    set -- "$@" --prepare "$(check d-direct)" "$urt_cp --direct --qd $qd --bs $bs src d-direct" \
        --prepare "$(check d-dd-direct)" "dd if=src of=d-dd-direct bs=$bs_bytes iflag=direct oflag=direct status=none"
    copies="$copies d-direct d-dd-direct"
else
    echo "cp-targets: --direct left out ($fs refuses O_DIRECT, or $bs is not a multiple of 4k)"
fi
rm -f d-probe
"$hyperfine" -N --warmup 2 --runs "$runs" --style basic --export-json "$dir/cp.json" "$@" >"$dir/hyperfine.log" 2>&1 ||
    { cat "$dir/hyperfine.log" >&2; echo "cp-targets: hyperfine failed" >&2; exit 1; }
for c in $copies; do # the last run's copies; ./wrong has the earlier runs' verdicts
    [ -e "$c" ] && cmp -s src "$c" || echo "$c" >>wrong
done
if [ -s wrong ]; then
    echo "cp-targets: $(sort -u wrong | tr '\n' ' ')differed from the source in $(wc -l <wrong) run(s): the timing is void" >&2
    exit 1
fi
mv "$dir/cp.json" "$out/cp.json"

"$py" - "$out/cp.json" <<'PY'
import json, sys
rs = json.load(open(sys.argv[1]))["results"]
def find(word):
    for r in rs:
        c = r["command"]
        if word(c):
            return r
    return None
splice = find(lambda c: "urt-cp" in c and "--method" not in c and "--verify" not in c and "--direct" not in c)
rw = find(lambda c: "--method rw" in c)
verify = find(lambda c: "--verify" in c)
direct = find(lambda c: "urt-cp" in c and "--direct" in c)
cp = find(lambda c: c.startswith("cp "))
dd = find(lambda c: c.startswith("dd ") and "direct" not in c)
dd_direct = find(lambda c: c.startswith("dd ") and "direct" in c)
print(f"{'target':40} {'median':>7} {'fastest':>8} {'cpu':>6} {'goal':>6}  {'num median ms':>13}  verdict")
for name, num, den, goal, strict in [
        ("   urt-cp / dd (same bs)", splice, dd, 0, False),
        ("   urt-cp / cp", splice, cp, 0, False),
        ("   urt-cp --method rw / dd (same bs)", rw, dd, 0, False),
        ("   urt-cp --verify / cp", verify, cp, 0, False),
        ("   urt-cp --direct / dd direct", direct, dd_direct, 0, False)]:
    if not num or not den:
        print(f"{name:40} not measured")
        continue
    med = num["median"] / den["median"]
    fast = num["min"] / den["min"]
    cpu = (num["user"] + num["system"]) / (den["user"] + den["system"])
    if not goal:
        verdict = "shown"
    elif (med < goal) if strict else (med <= goal):
        verdict = "met"
    else:
        verdict = f"missed by {(med - goal) / goal * 100:.1f}%"
    goal_s = f"{goal:6.2f}" if goal else f"{'-':>6}"
    print(f"{name:40} {med:7.2f} {fast:8.2f} {cpu:6.2f} {goal_s}  {num['median'] * 1000:13.1f}  {verdict}")
PY
echo "hyperfine report: $out/cp.json"

# The verdicts: interleaved runs, medians of per-run CPU and wall time.
echo "cp-targets: interleaved, $pairs runs each; load: $(cut -d' ' -f1-3 /proc/loadavg)"
verdicts=0
"$py" - "$out/cp-interleaved.json" "$pairs" "$urt_cp --qd $qd --bs $bs src d-i-urt" "cp src d-i-cp" \
    "dd if=src of=d-i-dd bs=$bs_bytes status=none" <<'PY' || verdicts=$?
import json, os, statistics, sys, time
path, pairs, cmds = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def same(a, b):
    # Read in full every time (filecmp caches by size and mtime).
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True
def run(cmd):
    dst = cmd.split()[-1] if not cmd.startswith("dd ") else cmd.split("of=")[1].split()[0]
    if os.path.exists(dst):
        os.unlink(dst)  # outside the timing, like hyperfine's --prepare
    argv = cmd.split()
    t = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    wall = time.monotonic() - t
    if status != 0:
        sys.exit(f"cp-targets: {cmd}: exit status {status}")
    # Every run's copy, warm-ups included, outside the timing.
    if not same("src", dst):
        sys.exit(f"cp-targets: {dst} differs from the source: the timing is void")
    return wall, ru.ru_utime + ru.ru_stime, dst
res = {c: {"wall": [], "cpu": []} for c in cmds}
for c in cmds:
    run(c)  # one warm-up each
for _ in range(pairs):
    for c in cmds:
        wall, cpu, dst = run(c)
        res[c]["wall"].append(wall)
        res[c]["cpu"].append(cpu)
med = {c: {k: statistics.median(v) for k, v in r.items()} for c, r in res.items()}
urt, cp, dd = cmds
print(f"{'command':48} {'wall ms':>8} {'cpu ms':>7} {'cpu q1..q3 ms':>14}")
for c in cmds:
    q = statistics.quantiles(res[c]["cpu"], n=4)
    name = os.path.basename(c.split()[0]) + c[len(c.split()[0]):]
    print(f"{name[:48]:48} {med[c]['wall'] * 1e3:8.1f} {med[c]['cpu'] * 1e3:7.1f} {q[0] * 1e3:6.1f}..{q[2] * 1e3:.1f}")
print(f"{'target':28} {'wall':>6} {'cpu':>6} {'goal':>6}  verdict")
missed = 0
for name, den, goal, strict in [("T6 urt-cp / dd (same bs)", dd, 1.0, True), ("T6 urt-cp / cp", cp, 1.2, False)]:
    w = med[urt]["wall"] / med[den]["wall"]
    u = med[urt]["cpu"] / med[den]["cpu"]
    ok = all((r < goal) if strict else (r <= goal) for r in (w, u))
    worst = max(w, u)
    missed += not ok
    verdict = "met" if ok else f"missed by {(worst - goal) / goal * 100:.1f}%"
    print(f"{name:28} {w:6.2f} {u:6.2f} {goal:6.2f}  {verdict} (wall and cpu medians)")
json.dump({"pairs": pairs, "load": open("/proc/loadavg").read().split()[:3], "runs": res}, open(path, "w"), indent=1)
sys.exit(3 if missed else 0)  # 3: measured, a target missed (any other failure exits 1)
PY
case $verdicts in
0 | 3) echo "interleaved runs: $out/cp-interleaved.json" ;;
*) exit 1 ;;
esac
[ "$verdicts" -eq 0 ] || { echo "cp-targets: a T6 target was missed" >&2; exit 1; }
