#!/usr/bin/env python3
"""validate_json.py - checks a urt-bench report against schema urt-bench/1.

usage: validate_json.py REPORT.json [--expect BACKEND:WORKLOAD ...]

Checks every required key and its type, the optional extras' types, and the
numbers' internal consistency (iops = ops/seconds, percentiles in order,
histogram bounds increasing).  --expect demands at least one result for that
backend and workload.  Exit 0 valid, 1 invalid (one line per problem), 2 usage.
Standard library only.
"""
import json
import math
import sys

BACKENDS = {"urt", "urt-futures", "raw", "raw-bare", "psync", "threadpool", "fio",
            "urt-multishot", "epoll"}
WORKLOADS = {"nop", "randread", "seqread", "randwrite", "seqwrite", "pipe"}
NET_WORKLOADS = {"echo", "stream"}
META_KEYS = {"started": str, "host": str, "kernel": str, "cpu": str, "cores": int,
             "liburing": str, "git": (str, type(None)), "build": str, "argv": list}
LAT_KEYS = ["min", "mean", "p50", "p90", "p99", "p999", "p9999", "max"]
COUNT_KEYS = ["qd", "batch", "complete_batch", "bs", "threads", "repeat", "ops", "bytes"]


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return (isinstance(v, (int, float)) and not isinstance(v, bool)
            and math.isfinite(v))


def check_lat(errors, where, lat, nullable):
    if lat is None:
        if not nullable:
            errors.append(f"{where}: null where a latency object is required")
        return
    if not isinstance(lat, dict):
        errors.append(f"{where}: not an object")
        return
    for k in LAT_KEYS:
        if k not in lat:
            errors.append(f"{where}: missing '{k}'")
        elif not is_num(lat[k]) or lat[k] < 0:
            errors.append(f"{where}.{k}: not a non-negative number: {lat[k]!r}")
    if all(is_num(lat.get(k)) for k in LAT_KEYS):
        order = ["min", "p50", "p90", "p99", "p999", "p9999", "max"]
        for a, b in zip(order, order[1:]):
            if lat[a] > lat[b]:
                errors.append(f"{where}: {a} ({lat[a]}) > {b} ({lat[b]})")
        if not lat["min"] <= lat["mean"] <= lat["max"]:
            errors.append(f"{where}: mean {lat['mean']} outside [min, max]")


def check_hist(errors, where, hist, ops):
    if not isinstance(hist, list):
        errors.append(f"{where}: not a list")
        return
    last, total = -1, 0
    for i, pair in enumerate(hist):
        if (not isinstance(pair, list) or len(pair) != 2 or not is_int(pair[0])
                or not is_int(pair[1])):
            errors.append(f"{where}[{i}]: not an [upper_bound_ns, count] pair of integers")
            return
        if pair[0] <= last:
            errors.append(f"{where}[{i}]: upper bound {pair[0]} not above the previous {last}")
        if pair[1] <= 0:
            errors.append(f"{where}[{i}]: count {pair[1]} is not positive")
        last, total = pair[0], total + pair[1]
    if total > ops:
        errors.append(f"{where}: {total} samples but only {ops} operations")


def check_intervals(errors, where, ivl):
    """--interval-log: parallel lists t_s (increasing), ops_s and p99_ns (or null)."""
    if ivl is None:
        return
    if not isinstance(ivl, dict) or not is_int(ivl.get("ms")) or ivl["ms"] <= 0:
        errors.append(f"{where}: not an object with a positive integer 'ms'")
        return
    lists = [ivl.get(k) for k in ("t_s", "ops_s", "p99_ns")]
    if not all(isinstance(x, list) for x in lists) or len({len(x) for x in lists}) != 1:
        errors.append(f"{where}: t_s, ops_s and p99_ns must be lists of one length")
        return
    t, ops, p99 = lists
    if not all(is_num(x) and x >= 0 for x in t + ops):
        errors.append(f"{where}: t_s and ops_s must hold non-negative numbers")
    elif any(b <= a for a, b in zip(t, t[1:])):
        errors.append(f"{where}.t_s: not increasing")
    if not all(x is None or (is_num(x) and x >= 0) for x in p99):
        errors.append(f"{where}.p99_ns: must hold non-negative numbers or null")


def check_context(errors, doc):
    """The optional "context" and "timing" objects (typed when present)."""
    ctx = doc.get("context")
    if ctx is not None:
        if not isinstance(ctx, dict):
            errors.append("context: not an object")
        else:
            for k in ("load_before", "load_after"):
                v = ctx.get(k)
                if v is not None and not (isinstance(v, list) and len(v) == 3 and all(is_num(x) for x in v)):
                    errors.append(f"context.{k}: not null or three numbers")
            cpus = ctx.get("cpus")
            if cpus is not None and not (isinstance(cpus, list) and all(is_int(c) and c >= 0 for c in cpus)):
                errors.append("context.cpus: not null or a list of CPU numbers")
            if ctx.get("vm") not in (None, True, False):
                errors.append("context.vm: not null or a boolean")
    timing = doc.get("timing")
    if timing is not None:
        if not isinstance(timing, dict):
            errors.append("timing: not an object")
        else:
            if not isinstance(timing.get("clock"), str):
                errors.append("timing.clock: not a string")
            cost = timing.get("clock_cost_ns")
            if not is_num(cost) or cost < 0:
                errors.append("timing.clock_cost_ns: not a non-negative number")
            if not is_int(timing.get("lat_sample")) or timing["lat_sample"] < 1:
                errors.append("timing.lat_sample: not a positive integer")


def check_result(errors, i, r):
    where = f"results[{i}]"
    if not isinstance(r, dict):
        errors.append(f"{where}: not an object")
        return
    required = (["backend", "workload"] + COUNT_KEYS +
                ["seconds", "iops", "mib_s", "lat_ns", "hist_ns", "cpu", "enter_calls",
                 "sqes_per_enter"])
    missing = [k for k in required if k not in r]
    if missing:
        errors.append(f"{where}: missing {', '.join(missing)}")
        return
    if r["backend"] not in BACKENDS:
        errors.append(f"{where}.backend: unknown {r['backend']!r}")
    if r["workload"] not in WORKLOADS | NET_WORKLOADS:
        errors.append(f"{where}.workload: unknown {r['workload']!r}")
    for k in COUNT_KEYS:
        if not is_int(r[k]) or r[k] < 0:
            errors.append(f"{where}.{k}: not a non-negative integer: {r[k]!r}")
    for k in ("seconds", "iops", "mib_s"):
        if not is_num(r[k]) or r[k] < 0:
            errors.append(f"{where}.{k}: not a non-negative number: {r[k]!r}")
    if is_int(r["qd"]) and r["qd"] < 1:
        errors.append(f"{where}.qd: {r['qd']} < 1")
    if is_int(r["ops"]) and r["ops"] < 1:
        errors.append(f"{where}.ops: a result must hold at least one operation")
    if all(is_num(r[k]) for k in ("ops", "bytes", "seconds", "iops", "mib_s")) and r["seconds"] > 0:
        want_iops = r["ops"] / r["seconds"]
        if abs(r["iops"] - want_iops) > 0.01 * want_iops + 1:
            errors.append(f"{where}.iops: {r['iops']} but ops/seconds = {want_iops:.1f}")
        want_mib = r["bytes"] / r["seconds"] / 1048576
        if abs(r["mib_s"] - want_mib) > 0.01 * want_mib + 0.01:
            errors.append(f"{where}.mib_s: {r['mib_s']} but bytes/seconds = {want_mib:.3f} MiB/s")
    # lat_sample 0: a backend that times no operation (raw-bare) has no latency.
    check_lat(errors, f"{where}.lat_ns", r["lat_ns"], nullable=r.get("lat_sample") == 0)
    check_intervals(errors, f"{where}.intervals", r.get("intervals"))
    check_hist(errors, f"{where}.hist_ns", r["hist_ns"], r["ops"] if is_int(r["ops"]) else 0)
    cpu = r["cpu"]
    if not isinstance(cpu, dict) or set(cpu) < {"user_s", "sys_s"}:
        errors.append(f"{where}.cpu: not an object with user_s and sys_s")
    else:
        for k in ("user_s", "sys_s"):
            if cpu[k] is not None and (not is_num(cpu[k]) or cpu[k] < 0):
                errors.append(f"{where}.cpu.{k}: not a non-negative number or null")
    if r["enter_calls"] is not None and (not is_int(r["enter_calls"]) or r["enter_calls"] < 0):
        errors.append(f"{where}.enter_calls: not a non-negative integer or null")
    if r["sqes_per_enter"] is not None and (not is_num(r["sqes_per_enter"]) or r["sqes_per_enter"] < 0):
        errors.append(f"{where}.sqes_per_enter: not a non-negative number or null")
    if r["enter_calls"] is None and r["sqes_per_enter"] is not None:
        errors.append(f"{where}: sqes_per_enter without enter_calls")
    # Documented extras: optional, but typed when present.
    for k in ("lat_kernel_ns", "lat_sched_ns"):
        if k in r:
            check_lat(errors, f"{where}.{k}", r[k], nullable=True)
    if "cache" in r and r["cache"] not in (None, "cached", "direct"):
        errors.append(f"{where}.cache: {r['cache']!r} is not null, 'cached' or 'direct'")
    for k in ("not_applicable", "options"):
        if k in r and (not isinstance(r[k], list) or not all(isinstance(x, str) for x in r[k])):
            errors.append(f"{where}.{k}: not a list of strings")
    for k in ("short_ops", "lat_sample"):
        if k in r and (not is_int(r[k]) or r[k] < 0):
            errors.append(f"{where}.{k}: not a non-negative integer")
    if "note" in r and r["note"] is not None and not isinstance(r["note"], str):
        errors.append(f"{where}.note: not a string or null")
    if r["workload"] in NET_WORKLOADS:
        check_net(errors, where, r)


def check_net(errors, where, r):
    """The network workloads' fields (bench/README.md, "Network workloads")."""
    for k in ("conns", "loop", "rate", "client_cpu", "late_sends", "pinned"):
        if k not in r:
            errors.append(f"{where}: missing '{k}' (required for {r['workload']})")
            return
    if not is_int(r["conns"]) or r["conns"] < 1:
        errors.append(f"{where}.conns: not a positive integer: {r['conns']!r}")
    if r["loop"] not in ("closed", "open"):
        errors.append(f"{where}.loop: {r['loop']!r} is not 'closed' or 'open'")
    elif (r["loop"] == "open") != (r["rate"] is not None):
        errors.append(f"{where}.rate: {r['rate']!r} does not fit loop {r['loop']!r} (a rate exactly when open)")
    if r["rate"] is not None and (not is_num(r["rate"]) or r["rate"] <= 0):
        errors.append(f"{where}.rate: not null or a positive number: {r['rate']!r}")
    cc = r["client_cpu"]
    if not isinstance(cc, dict) or not all(is_num(cc.get(k)) and cc[k] >= 0 for k in ("user_s", "sys_s")):
        errors.append(f"{where}.client_cpu: not an object with non-negative user_s and sys_s")
    if not is_int(r["late_sends"]) or r["late_sends"] < 0:
        errors.append(f"{where}.late_sends: not a non-negative integer")
    if not isinstance(r["pinned"], bool):
        errors.append(f"{where}.pinned: not a boolean")
    if r["workload"] == "echo" and r.get("qd") != 1:
        errors.append(f"{where}.qd: echo keeps one message in flight per connection, not {r.get('qd')!r}")


def validate(doc):
    errors = []
    if not isinstance(doc, dict):
        return ["top level: not an object"]
    if doc.get("schema") != "urt-bench/1":
        errors.append(f"schema: expected 'urt-bench/1', got {doc.get('schema')!r}")
    meta = doc.get("meta")
    if not isinstance(meta, dict):
        errors.append("meta: missing or not an object")
    else:
        for k, t in META_KEYS.items():
            if k not in meta:
                errors.append(f"meta: missing '{k}'")
            elif not isinstance(meta[k], t) or isinstance(meta[k], bool):
                errors.append(f"meta.{k}: wrong type {type(meta[k]).__name__}")
        if isinstance(meta.get("argv"), list) and not all(isinstance(a, str) for a in meta["argv"]):
            errors.append("meta.argv: not a list of strings")
    check_context(errors, doc)
    results = doc.get("results")
    if not isinstance(results, list):
        errors.append("results: missing or not a list")
    else:
        for i, r in enumerate(results):
            check_result(errors, i, r)
    for k in ("skipped", "failed"):
        if k in doc and not isinstance(doc[k], list):
            errors.append(f"{k}: not a list")
    return errors


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    expect = []
    args = argv[2:]
    while args:
        if args[0] == "--expect" and len(args) > 1 and ":" in args[1]:
            expect.append(tuple(args[1].split(":", 1)))
            args = args[2:]
        else:
            print(f"validate_json.py: unexpected argument {args[0]!r}", file=sys.stderr)
            return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print(f"validate_json.py: {argv[1]}: {e}", file=sys.stderr)
        return 1
    errors = validate(doc)
    results = doc.get("results") if isinstance(doc, dict) else None
    for backend, workload in expect:
        if not any(isinstance(r, dict) and r.get("backend") == backend and r.get("workload") == workload
                   for r in (results or [])):
            errors.append(f"expected a result for {backend}:{workload}, found none")
    for e in errors:
        print(f"{argv[1]}: {e}", file=sys.stderr)
    if errors:
        return 1
    print(f"{argv[1]}: valid urt-bench/1, {len(results)} results")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
