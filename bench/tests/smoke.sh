#!/bin/sh
# smoke.sh URT_BENCH VALIDATOR - runs urt-bench for about a second over every
# workload on two backends (verifying the data it reads), then checks the
# JSON against schema urt-bench/1 and the CSV's shape.
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
	--duration 0.05 --warmup 0.02 --size 4m --verify --quiet \
	--json "$dir/r.json" --csv "$dir/r.csv" || { echo "smoke: urt-bench exited $?"; exit 1; }
"$py" "$validator" "$dir/r.json" --expect urt:nop --expect raw:nop --expect urt:randread \
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
echo "smoke: ok"
