#!/bin/sh
# smoke.sh URT_BENCH VALIDATOR - runs urt-bench for a few seconds over every
# workload on two backends (0.2 s windows: at 50 ms a loaded machine once
# left one with no completion at all; verifying the data it reads), then checks the
# JSON against schema urt-bench/1 (schemas/, names from this binary's
# registry) and the CSV's shape.
set -u
bench=$1
validator=$2
py=""
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null 2>&1; then py=$p; break; fi
done
[ -n "$py" ] || { echo "smoke: no python3 to validate the JSON"; exit 77; }
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT

"$bench" --workload nop,randread,seqwrite,pipe --backend urt,raw --qd 1,4 --batch 0,4 \
	--duration 0.2 --warmup 0.02 --size 4m --verify --quiet \
	--json "$dir/r.json" --csv "$dir/r.csv" || { echo "smoke: urt-bench exited $?"; exit 1; }
"$py" "$validator" "$dir/r.json" --bench "$bench" --expect urt:nop --expect raw:nop --expect urt:randread \
	--expect raw:randread --expect urt:seqwrite --expect raw:pipe || exit 1

# The CSV has a header and one row per JSON result, every row as wide as the header.
"$py" - "$dir/r.json" "$dir/r.csv" <<'PY' || exit 1
import csv, json, sys
results = json.load(open(sys.argv[1]))["results"]
rows = list(csv.reader(open(sys.argv[2])))
header, body = rows[0], rows[1:]
assert header[:4] == ["backend", "workload", "qd", "batch"], header[:4]
assert len(body) == len(results), f"{len(body)} CSV rows for {len(results)} results"
for row in body:
    assert len(row) == len(header), f"row of {len(row)} fields under a header of {len(header)}"
for row, r in zip(body, results):
    assert row[0] == r["backend"] and int(row[header.index("ops")]) == r["ops"], row[:9]
print(f"csv: {len(body)} rows match the JSON")
PY

# raw-bare times nothing (lat_ns null, lat_sample 0) but counts; --interval-log
# gives increasing interval times; --cpus and the context land in the JSON.
"$bench" --workload nop --backend raw,raw-bare --qd 8 --batch 8 --duration 0.1 --warmup 0.02 \
	--interval-log 20 --cpus 0 --quiet --json "$dir/b.json" || { echo "smoke: raw-bare run exited $?"; exit 1; }
"$py" "$validator" "$dir/b.json" --bench "$bench" --expect raw-bare:nop || exit 1
"$py" - "$dir/b.json" <<'PY' || exit 1
import json, sys
doc = json.load(open(sys.argv[1]))
by = {r["backend"]: r for r in doc["results"]}
bare, raw = by["raw-bare"], by["raw"]
assert bare["lat_ns"] is None and bare["lat_sample"] == 0 and bare["ops"] > 0, bare
assert raw["lat_ns"] is not None and raw["lat_sample"] == 32, raw["lat_sample"]
for r in (bare, raw):
    ivl = r["intervals"]
    assert ivl and ivl["ms"] == 20 and len(ivl["t_s"]) >= 2, ivl
    # An interval may see no operation when the pinned CPU is taken by other
    # jobs; the run as a whole must have counted some.
    assert all(x >= 0 for x in ivl["ops_s"]) and sum(ivl["ops_s"]) > 0, ivl
assert all(x is None for x in bare["intervals"]["p99_ns"]), bare["intervals"]
assert doc["context"]["cpus"] == [0], doc["context"]
assert doc["timing"]["clock_cost_ns"] > 0 and doc["timing"]["lat_sample"] == 32, doc["timing"]
print(f"raw-bare: {bare['iops']:.0f} ops/s untimed, raw {raw['iops']:.0f}; {len(raw['intervals']['t_s'])} intervals")
PY

# Runtime backends report the ring counters and the latency split; psync has none.
"$bench" --workload randread --backend urt,psync --qd 2 --duration 0.05 --warmup 0 --size 1m \
	--repeat 2 --threads 2 --quiet --json "$dir/s.json" || exit 1
"$py" - "$dir/s.json" <<'PY' || exit 1
import json, sys
results = json.load(open(sys.argv[1]))["results"]
assert sorted((r["backend"], r["repeat"]) for r in results) == \
    [("psync", 0), ("psync", 1), ("urt", 0), ("urt", 1)], "one result per backend and repeat"
assert all(r["threads"] == 2 for r in results), "threads not recorded"
res = {r["backend"]: r for r in results}
u, p = res["urt"], res["psync"]
assert u["enter_calls"] > 0 and u["sqes_per_enter"] > 0, "urt: no ring counters"
assert u["lat_kernel_ns"] and u["lat_sched_ns"], "urt: no latency split"
assert p["enter_calls"] is None and p["sqes_per_enter"] is None, "psync: enter_calls must be null"
assert p["lat_kernel_ns"] is None, "psync cannot split latency"
assert "qd" in p["not_applicable"] and p["qd"] == 1, "psync must record qd as not applicable"
assert u["cache"] == "cached" and u["bytes"] == u["ops"] * 4096, "urt: cache state or bytes wrong"
print("split, counters and not-applicable fields as documented")
PY
# "-" is standard output, never the file ./- (here one exists): --json -
# and --csv ./- are two outputs, not one file named twice.
mkdir "$dir/dash" && : >"$dir/dash/-" || exit 1
(cd "$dir/dash" && "$bench" --workload nop --backend urt --ops 100 --warmup 0 --quiet --json - --csv ./- --force) \
	>"$dir/dash.json" 2>"$dir/dash.err" || { echo "smoke: --json - --csv ./- refused: $(cat "$dir/dash.err")"; exit 1; }
grep -q '"schema": "urt-bench/1"' "$dir/dash.json" && grep -q '^backend,' "$dir/dash/-" ||
	{ echo "smoke: --json - --csv ./- did not write the JSON to stdout and the CSV to ./-"; exit 1; }
echo "smoke: ok"
