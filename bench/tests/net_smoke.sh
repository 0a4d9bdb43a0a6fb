#!/bin/sh
# net_smoke.sh URT_BENCH VALIDATOR - the network workloads in one command:
# echo and stream against every server backend the binary has (closed
# loop, then echo open loop at a fixed rate), the JSON checked against
# urt-bench/1 with a result demanded per backend and workload, the CSV's
# shape, the validator's network checks made to fail on a broken report,
# and nothing left listening or connected on the run's port afterwards.
set -u
bench=$1
validator=$2
py=""
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null 2>&1; then py=$p; break; fi
done
[ -n "$py" ] || { echo "net_smoke: no python3 to validate the JSON"; exit 77; }
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/net_lib.sh"

backends=$("$bench" --workload echo --help | sed -n 's/^backends: //p')
[ -n "$backends" ] || { echo "FAIL: --help lists no network backend"; exit 1; }
list=$(echo "$backends" | tr ' ' ',')

"$bench" --workload echo,stream --backend "$list" --conns 1,4 --bs 64,4k --qd 2 --threads 2 \
	--duration 0.1 --warmup 0.02 --json "$dir/r.json" --csv "$dir/r.csv" >"$dir/out" 2>"$dir/err" ||
	{ echo "FAIL: closed loop: urt-bench exited $?: $(cat "$dir/err")"; exit 1; }
port=$(sed -n 's/^network: server on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/err")
[ -n "$port" ] || { echo "FAIL: no 'server on' line: $(cat "$dir/err")"; exit 1; }
left=$(net_sockets_on "$port")
[ -z "$left" ] || { echo "FAIL: sockets left on port $port after the run: $left"; exit 1; }

"$bench" --workload echo --backend "$list" --conns 4 --bs 64 --rate 2000 --duration 0.1 --warmup 0.02 \
	--quiet --json "$dir/open.json" || { echo "FAIL: open loop: urt-bench exited $?"; exit 1; }

expect=""
for b in $backends; do expect="$expect --expect $b:echo --expect $b:stream"; done
# shellcheck disable=SC2086
"$py" "$validator" "$dir/r.json" --bench "$bench" $expect || exit 1
"$py" "$validator" "$dir/open.json" --bench "$bench" --expect epoll:echo || exit 1

"$py" - "$dir" "$backends" <<'PY' || exit 1
import csv, json, os, sys
d, backends = sys.argv[1], sys.argv[2].split()
doc = json.load(open(os.path.join(d, "r.json")))
res = doc["results"]
# 2 workloads x 2 conns x 2 sizes per backend; echo runs at qd 1, stream at 2.
assert len(res) == 8 * len(backends), f"{len(res)} results for {len(backends)} backends"
for r in res:
    assert r["loop"] == "closed" and r["rate"] is None, r
    assert r["qd"] == (1 if r["workload"] == "echo" else 2), r
    assert r["bytes"] == r["ops"] * r["bs"], r
    assert r["lat_ns"]["p50"] > 0, r
    # threadpool and epoll have no --batch; threadpool no --threads.
    want_threads = 1 if r["backend"] == "threadpool" else min(2, r["conns"])
    assert r["threads"] == want_threads, r
rows = list(csv.reader(open(os.path.join(d, "r.csv"))))
assert len(rows) == len(res) + 1 and all(len(x) == len(rows[0]) for x in rows), "CSV shape"
assert rows[0][:2] == ["backend", "workload"] and "conns" in rows[0] and "loop" in rows[0]
for r in json.load(open(os.path.join(d, "open.json")))["results"]:
    assert r["loop"] == "open" and r["rate"] == 2000, r
# Broken reports the validator must reject (its network checks can fail).
bad = dict(res[0], loop="open")                        # open loop without a rate
bad2 = {k: v for k, v in res[0].items() if k != "conns"}
bad3 = dict(res[0], qd=3)                              # echo with qd 3
for i, b in enumerate((bad, bad2, bad3)):
    json.dump(dict(doc, results=[b]), open(os.path.join(d, f"bad{i}.json"), "w"))
PY
for i in 0 1 2; do
	if "$py" "$validator" "$dir/bad$i.json" >/dev/null 2>&1; then
		echo "FAIL: the validator accepted broken report bad$i.json"
		exit 1
	fi
done
echo "ok: echo and stream on $backends, closed and open loop; nothing left on port $port"
