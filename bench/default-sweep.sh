#!/bin/sh
# default-sweep.sh [OUTDIR] - the default benchmark run: builds urt-bench in
# release mode (unless URT_BENCH names a binary), then sweeps, 5 samples each
# (repeats interleaved, so a noisy moment hits every backend alike):
#   nop on urt, urt-futures, raw, raw-bare at qd 1,8,32 x batch 1,32
#   cached 4 KiB randread on the same plus psync, same qd x batch
#   seqread at bs 64k,1m, qd 1,4, batch 8 on urt, raw, psync (qd 16 at 1 MiB
#   stalled past a 0.2 s window under load on 2026-11-30)
#   echo (network, loopback TCP) with 64 B messages at 1 and 16 connections on
#   every network server backend, 0.08 s per sample (about 5 s in all)
# qd 1 / 8 / 32 are the report's regimes (qd 1, mid, peak), batch 1 / 32
# its "unbatched" / "batched".  Writes OUTDIR/bench.json and OUTDIR/bench.csv
# (default OUTDIR: results/<UTC timestamp>/; the network part's CSV, whose
# columns differ, is OUTDIR/net.csv), then prints the peak ops/s per
# backend (median over samples) and its ratio to raw.  About 90 s on 2 cores.
# Extra arguments after OUTDIR go to the two file-workload urt-bench runs
# (the network run has its own knobs).
. "$(dirname "$0")/../scripts/lib/prologue.sh"
set -eu
out=${1:-$top/results/$(date -u +%Y%m%dT%H%M%SZ)}
[ $# -gt 0 ] && shift
if [ -e "$out/bench.json" ] || [ -e "$out/bench.csv" ]; then
	echo "default-sweep: $out already holds a report; name a new directory" >&2
	exit 2
fi

if [ -z "${URT_BENCH:-}" ]; then
	cmake -S "$top" -B "$top/build/release" -DCMAKE_BUILD_TYPE=Release -DURT_WERROR=ON >/dev/null
	cmake --build "$top/build/release" --target urt-bench -j2 >/dev/null
	URT_BENCH=$top/build/release/bench/urt-bench
fi
py=$("$top/scripts/find-python.sh" --bare 2>/dev/null) || { echo "default-sweep: python3 is needed to merge the reports" >&2; exit 1; }

mkdir -p "$out/parts"
common="--duration 0.2 --warmup 0.05 --repeat 5 --interval-log 25"
# psync does no nop; nop on it is skipped with a reason in the JSON.
# A configuration that fails (status 1: on a loaded machine a 0.2 s window
# can pass without a completion) is listed under "failed" in the JSON; the
# rest is still merged and reported, and the sweep exits 1 at the end.
# Bad input (2) or a crash stops it at once.
status=0
part() {
	"$URT_BENCH" "$@" || {
		rc=$?
		[ "$rc" -eq 1 ] || { echo "default-sweep: urt-bench exited $rc" >&2; exit "$rc"; }
		status=1
	}
}
# shellcheck disable=SC2086
part --workload nop,randread --bs 4k --qd 1,8,32 --batch 1,32 \
	--backend urt,urt-futures,raw,raw-bare,psync $common "$@" --quiet \
	--json "$out/parts/grid.json" --csv "$out/parts/grid.csv"
# shellcheck disable=SC2086
part --workload seqread --bs 64k,1m --qd 1,4 --batch 8 --backend urt,raw,psync $common "$@" --quiet \
	--json "$out/parts/seqread.json" --csv "$out/parts/seqread.csv"
# The network slice: the same 5 interleaved samples, few cells, short windows.
part --workload echo --bs 64 --conns 1,16 --duration 0.08 --warmup 0.02 --repeat 5 --quiet \
	--json "$out/parts/net.json" --csv "$out/parts/net.csv"

"$py" - "$out" <<'PY'
import csv, json, os, statistics, sys
out = sys.argv[1]
parts = [os.path.join(out, "parts", n) for n in ("grid", "seqread")]
net_part = os.path.join(out, "parts", "net")
docs = [json.load(open(p + ".json")) for p in parts + [net_part]]
merged = dict(docs[0])
merged["meta"] = dict(docs[0]["meta"])
merged["meta"]["argv_parts"] = [d["meta"]["argv"] for d in docs]
# The context spans both parts: load before the first, after the last.
if "context" in docs[0] and "context" in docs[-1]:
    merged["context"] = dict(docs[0]["context"], load_after=docs[-1]["context"].get("load_after"))
for key in ("results", "skipped", "failed"):
    merged[key] = [x for d in docs for x in d.get(key, [])]
with open(os.path.join(out, "bench.json"), "x") as f:
    json.dump(merged, f, indent=1)
with open(os.path.join(out, "bench.csv"), "x", newline="") as f:
    w = csv.writer(f)
    for i, p in enumerate(parts):
        rows = list(csv.reader(open(p + ".csv")))
        w.writerows(rows if i == 0 else rows[1:])
with open(os.path.join(out, "net.csv"), "x", newline="") as f:
    f.write(open(net_part + ".csv").read())

# Peak ops/s per workload (and, for seqread, per bs) and backend: the
# median over repeats of one configuration, the best configuration, and its
# ratio to raw's peak on the same workload and bs.
cells = {}
for r in merged["results"]:
    if r["workload"] in ("echo", "stream"):
        continue
    key = (r["workload"], r["backend"], r["qd"], r["batch"], r["bs"])
    cells.setdefault(key, []).append((r["iops"], r["mib_s"]))
peak = {}
for (wl, be, qd, batch, bs), v in cells.items():
    group = (wl, bs if wl == "seqread" else None, be)
    m = statistics.median(x[0] for x in v)
    mib = statistics.median(x[1] for x in v)
    if m > peak.get(group, (0,))[0]:
        peak[group] = (m, mib, qd, batch, bs)
print(f"\n{'workload':10} {'backend':12} {'peak ops/s':>12} {'MiB/s':>9} {'vs raw':>7}  at")
for wl, bs in sorted({(g[0], g[1]) for g in peak}, key=lambda x: (x[0] != "nop", x[0], x[1] or 0)):
    raw = peak.get((wl, bs, "raw"), (0,))[0]
    for be in ("urt", "urt-futures", "raw", "raw-bare", "psync"):
        if (wl, bs, be) in peak:
            m, mib, qd, batch, b = peak[(wl, bs, be)]
            ratio = f"{m / raw:.2f}x" if raw else "-"
            print(f"{wl:10} {be:12} {m:12.0f} {mib:9.1f} {ratio:>7}  qd={qd} batch={batch} bs={b}")

# The network slice: median round trips/s per backend and connections, and
# the ratio to epoll's median in the same cell.
net = {}
for r in merged["results"]:
    if r["workload"] == "echo":
        net.setdefault((r["conns"], r["bs"], r["backend"]), []).append(r["iops"])
if net:
    print(f"\n{'echo':10} {'backend':14} {'conns':>5} {'rt/s':>10} {'vs epoll':>8}")
    for (conns, bs, be), v in sorted(net.items(), key=lambda x: (x[0][0], x[0][1])):
        m = statistics.median(v)
        e = net.get((conns, bs, "epoll"))
        ratio = f"{m / statistics.median(e):.2f}x" if e else "-"
        print(f"{'bs=' + str(bs):10} {be:14} {conns:5} {m:10.0f} {ratio:>8}")
PY
"$py" "$here/validate_json.py" "$out/bench.json" --bench "$URT_BENCH"
echo "report: $out/bench.json, $out/bench.csv, $out/net.csv"
[ "$status" -eq 0 ] || echo "default-sweep: some configurations failed (\"failed\" in bench.json)" >&2
exit "$status"
