#!/bin/sh
# validate.sh URT_BENCH URT_FAULTS VALIDATOR - the schema check fails where it
# must: a real urt-bench and urt-faults report pass, and each one-field
# corruption of them (a wrong type, a missing key, an unregistered backend,
# workload or ring under --bench (urt-bench's or urt-faults' --list), a
# backend that does not run the result's kind of workload (file, network),
# iops that do not match ops/seconds, NaN, a literal that overflows to inf,
# zero seconds for a result with ops, totals that do not add up) fails
# with exit 1; a missing file or a bad --bench is exit 2.
set -u
bench=$1
faults=$2
validator=$3
py=/usr/bin/python3
"$py" -c 'import jsonschema' 2>/dev/null || { echo "validate: no python3-jsonschema"; exit 77; }
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
"$bench" --workload nop,randread --backend urt,raw-bare --ops 2000 --warmup 0 --size 1m --quiet \
	--json "$dir/b.json" || { echo "validate: urt-bench exited $?"; exit 1; }
"$bench" --workload echo --backend epoll --conns 1 --duration 0.05 --warmup 0.01 --quiet --json "$dir/n.json" ||
	{ echo "validate: urt-bench (echo) exited $?"; exit 1; }
"$faults" --seed 5 --cell urt/op/error:pipe:0.1 --scale 0.05 --json "$dir/f.json" >/dev/null 2>&1 ||
	{ echo "validate: urt-faults exited $?"; exit 1; }
"$py" - "$validator" "$bench" "$dir" "$faults" <<'PY'
import contextlib, io, json, os, re, sys
validator, bench, d, faults = sys.argv[1:5]
sys.path.insert(0, os.path.dirname(os.path.abspath(validator)))
import validate_json  # one interpreter for every case: the machine may be loaded
fail = 0

def expect(rc, path, what, *extra):
    global fail
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        got = validate_json.main([validator, path, *extra])
    if got != rc:
        print(f"FAIL: {what}: exit {got}, want {rc}: {err.getvalue().strip()}")
        fail = 1

def mutate(src, what, change, *extra):
    doc = json.load(open(f"{d}/{src}"))
    change(doc)
    path = f"{d}/m.json"
    with open(path, "w") as f:
        f.write(json.dumps(doc, allow_nan=True))
    expect(1, path, what, *extra)

expect(0, f"{d}/b.json", "a real urt-bench report", "--bench", bench)
expect(0, f"{d}/f.json", "a real urt-faults report")
expect(2, f"{d}/missing.json", "a missing file")
expect(2, f"{d}/b.json", "a --bench that is not urt-bench", "--bench", "/bin/false")
expect(1, f"{d}/b.json", "an --expect no result meets", "--expect", "psync:nop")

def r0(doc):
    return doc["results"][0]

mutate("b.json", "an unregistered backend", lambda d: r0(d).update(backend="nope"), "--bench", bench)
mutate("b.json", "an unregistered workload", lambda d: r0(d).update(workload="nope"), "--bench", bench)
# Names of the other kind: each is registered, but not for this workload.
expect(0, f"{d}/n.json", "a real network report", "--bench", bench)
mutate("n.json", "an echo result from a file backend (psync)", lambda d: r0(d).update(backend="psync"), "--bench", bench)
mutate("b.json", "a nop result from a network backend (epoll)", lambda d: r0(d).update(backend="epoll"), "--bench", bench)
mutate("b.json", "a wrong schema name", lambda d: d.update(schema="urt-bench/2"))
mutate("b.json", "ops as a string", lambda d: r0(d).update(ops="12"))
mutate("b.json", "a missing key", lambda d: r0(d).pop("hist_ns"))
mutate("b.json", "meta.argv not strings", lambda d: d["meta"].update(argv=[1]))
mutate("b.json", "iops that are not ops/seconds", lambda d: r0(d).update(iops=r0(d)["iops"] * 2 + 10))
mutate("b.json", "NaN seconds", lambda d: r0(d).update(seconds=float("nan")))
mutate("b.json", "zero seconds for a result with ops", lambda d: r0(d).update(seconds=0))

def raw_mutate(src, what, pattern, new):
    text = open(f"{d}/{src}").read()
    changed = re.sub(pattern, new, text, count=1)
    assert changed != text, pattern
    path = f"{d}/m.json"
    with open(path, "w") as f:
        f.write(changed)
    expect(1, path, what)

# 1e999 overflows to inf in a plain parse; it is valid JSON syntax.
raw_mutate("b.json", "a max of 1e999", r'"max": [0-9.e+]+', '"max": 1e999')
mutate("b.json", "percentiles out of order", lambda d: r0(d)["lat_ns"].update(p50=r0(d)["lat_ns"]["max"] + 1))
mutate("b.json", "a null latency on a timed result", lambda d: r0(d).update(lat_ns=None))
mutate("b.json", "histogram bounds not increasing", lambda d: r0(d).update(hist_ns=[[10, 1], [5, 1]]))
mutate("b.json", "sqes_per_enter without enter_calls", lambda d: r0(d).update(enter_calls=None, sqes_per_enter=1.0))
mutate("f.json", "a cell status unknown", lambda d: d["cells"][0].update(status="ok"))
mutate("f.json", "an unknown fault point", lambda d: d["cells"][0].update(point="urt/nope"))
expect(0, f"{d}/f.json", "a real urt-faults report, names narrowed", "--bench", faults)
expect(2, f"{d}/f.json", "urt-bench's --list for an urt-faults report", "--bench", bench)
for key in ("workload", "ring"):
    mutate("f.json", f"an unregistered {key}", lambda d: d["cells"][0].update({key: "nope"}), "--bench", faults)
mutate("f.json", "totals that do not add up", lambda d: d["totals"].update(cells=2))
mutate("f.json", "a failed cell without a reason",
       lambda d: d["cells"][0].update(status="fail", reason=None) or d["totals"].update(
           passed=d["totals"]["passed"] - 1, failed=d["totals"]["failed"] + 1))
sys.exit(fail)
PY
rc=$?
[ "$rc" -eq 0 ] && echo "validate: all checks passed"
exit "$rc"
