#!/usr/bin/env python3
"""validate_json.py - checks a urt-bench/1 or urt-faults/1 report.

usage: validate_json.py REPORT.json [--bench URT_BENCH|URT_FAULTS] [--expect BACKEND:WORKLOAD ...]

Types and required keys come from the committed JSON Schema
(schemas/urt-bench-1.schema.json, schemas/urt-faults-1.schema.json, chosen
by the report's "schema"); the checks between fields are here: iops =
ops/seconds, percentiles in order, histogram bounds increasing, interval
lists of one length; a fault matrix's totals are the sums of its cells.
--bench narrows the names to what that program registers (its --list):
backends and workloads of an urt-bench/1 report to an urt-bench binary's
(and each result's backend to one that runs its kind of workload, file
or network),
points, workloads and rings of an urt-faults/1 report to an urt-faults
binary's.  --expect demands at least one result for that
backend and workload.  Exit 0 valid, 1 invalid (one line per problem),
2 usage or an unreadable file.  Needs python3-jsonschema.
"""
import json
import math
import os
import subprocess
import sys

# The schemas are loaded and applied by the one module every tool shares.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))
from urtperf import schema as urt_schema  # noqa: E402
from urtperf.cli import InputError  # noqa: E402

SCHEMA_FILES = urt_schema.SCHEMA_FILES
LAT_ORDER = ["min", "p50", "p90", "p99", "p999", "p9999", "max"]
TOTALS = {"ops": "ops", "faulted_ops": "faulted_ops", "bytes_verified": "bytes_verified",
          "corrupted_bytes": "corrupted_bytes", "lost_ops": "lost_ops", "doubled_ops": "doubled_ops"}


class Usage(Exception):
    pass


# Per schema: the $defs narrowed by --bench, each to a key of its --list.
NARROWED = {"urt-bench/1": {"backend": "backends", "workload": "workloads"},
            "urt-faults/1": {"point": "points", "workload": "workloads", "ring": "rings"}}


# urt-bench's --list also says which backends run which kind of workload:
# a network workload runs only on a network backend, a file workload only
# on a file backend (a name such as urt can be both).
KINDS = (("network_workloads", "network_backends"), ("file_workloads", "file_backends"))


def load_schema(name, bench):
    """The schema, narrowed by bench's --list; and that list (None without --bench)."""
    schema = urt_schema.load(name)
    names = None
    if bench:
        try:
            out = subprocess.run([bench, "--list"], capture_output=True, text=True, timeout=30, check=True)
            names = json.loads(out.stdout)
            for key, listed in NARROWED[name].items():
                schema["$defs"][key] = {"enum": names[listed]}
            if name == "urt-bench/1":
                for workloads, backends in KINDS:
                    if not all(isinstance(names[k], list) for k in (workloads, backends)):
                        raise TypeError(f"{workloads} and {backends} must be lists")
        except (OSError, subprocess.SubprocessError, ValueError, TypeError, KeyError) as e:
            raise Usage(f"--bench {bench}: cannot read its --list for {name} names: {e!r}") from e
    return schema, names


def check_kind(errors, at, r, names):
    for workloads, backends in KINDS:
        if r["workload"] in names[workloads] and r["backend"] not in names[backends]:
            kind = workloads.split("_")[0]
            errors.append(f"{at}: backend {r['backend']!r} does not run {kind} workloads such as {r['workload']!r} "
                          f"({', '.join(names[backends])} do)")


def check_lat(errors, at, lat):
    if not isinstance(lat, dict) or not all(isinstance(lat.get(k), (int, float)) for k in LAT_ORDER + ["mean"]):
        return  # the schema reports it
    for a, b in zip(LAT_ORDER, LAT_ORDER[1:]):
        if lat[a] > lat[b]:
            errors.append(f"{at}: {a} ({lat[a]}) > {b} ({lat[b]})")
    if not lat["min"] <= lat["mean"] <= lat["max"]:
        errors.append(f"{at}: mean {lat['mean']} outside [min, max]")


def check_result(errors, at, r):
    # A result that counted operations was timed: no rate comes from 0 s.
    secs = r.get("seconds")
    if isinstance(r.get("ops"), int) and r["ops"] >= 1 and isinstance(secs, (int, float)) and not secs > 0:
        errors.append(f"{at}.seconds: {secs} for {r['ops']} ops (must be > 0)")
    if r.get("seconds", 0) > 0:
        want_iops = r["ops"] / r["seconds"]
        if abs(r["iops"] - want_iops) > 0.01 * want_iops + 1:
            errors.append(f"{at}.iops: {r['iops']} but ops/seconds = {want_iops:.1f}")
        want_mib = r["bytes"] / r["seconds"] / 1048576
        if abs(r["mib_s"] - want_mib) > 0.01 * want_mib + 0.01:
            errors.append(f"{at}.mib_s: {r['mib_s']} but bytes/seconds = {want_mib:.3f} MiB/s")
    # lat_sample 0: a backend that times no operation (raw-bare) has no latency.
    if r["lat_ns"] is None and r.get("lat_sample") != 0:
        errors.append(f"{at}.lat_ns: null where a latency object is required")
    for k in ("lat_ns", "lat_kernel_ns", "lat_sched_ns"):
        check_lat(errors, f"{at}.{k}", r.get(k))
    last, total = -1, 0
    for i, (bound, count) in enumerate(r["hist_ns"]):
        if bound <= last:
            errors.append(f"{at}.hist_ns[{i}]: upper bound {bound} not above the previous {last}")
        last, total = bound, total + count
    if total > r["ops"]:
        errors.append(f"{at}.hist_ns: {total} samples but only {r['ops']} operations")
    ivl = r.get("intervals")
    if ivl:
        if len({len(ivl[k]) for k in ("t_s", "ops_s", "p99_ns")}) != 1:
            errors.append(f"{at}.intervals: t_s, ops_s and p99_ns must be lists of one length")
        if any(b <= a for a, b in zip(ivl["t_s"], ivl["t_s"][1:])):
            errors.append(f"{at}.intervals.t_s: not increasing")
    if r["enter_calls"] is None and r["sqes_per_enter"] is not None:
        errors.append(f"{at}: sqes_per_enter without enter_calls")
    if r["workload"] in ("echo", "stream"):  # the schema requires their fields
        if (r["loop"] == "open") != (r["rate"] is not None):
            errors.append(f"{at}.rate: {r['rate']!r} does not fit loop {r['loop']!r} (a rate exactly when open)")
        if r["workload"] == "echo" and r["qd"] != 1:
            errors.append(f"{at}.qd: echo keeps one message in flight per connection, not {r['qd']!r}")


def check_faults(errors, doc):
    cells, totals = doc["cells"], doc["totals"]
    for i, c in enumerate(cells):
        if (c["status"] == "pass") != (c["reason"] is None):
            errors.append(f"cells[{i}].reason: a reason goes with a cell that did not pass, and only then")
    want = {"cells": len(cells), "not_exercised": sum(1 for c in cells if c["not_exercised"])}
    for status, key in (("pass", "passed"), ("fail", "failed"), ("hang", "hangs")):
        want[key] = sum(1 for c in cells if c["status"] == status)
    for key in TOTALS:
        want[key] = sum(c[key] for c in cells)
    for key, value in want.items():
        if totals[key] != value:
            errors.append(f"totals.{key}: {totals[key]} but the cells add up to {value}")


def validate(doc, bench=None):
    name = doc.get("schema") if isinstance(doc, dict) else None
    if name not in SCHEMA_FILES:
        return [f"schema: expected one of {', '.join(SCHEMA_FILES)}, got {name!r}"]
    schema, names = load_schema(name, bench)
    errors = urt_schema.errors(doc, schema)
    if errors:
        return errors  # the cross-field checks need the types right
    if name == "urt-faults/1":
        check_faults(errors, doc)
    else:
        for i, r in enumerate(doc["results"]):
            check_result(errors, f"results[{i}]", r)
            if names is not None:
                check_kind(errors, f"results[{i}]", r, names)
    return errors


def no_constant(name):
    raise ValueError(f"{name} is not JSON")


def finite_float(text):
    # A literal too large for a double (1e999) parses to inf: not a number
    # any of our tools writes.
    v = float(text)
    if not math.isfinite(v):
        raise ValueError(f"{text} is not a finite number")
    return v


def main(argv):
    if len(argv) == 2 and argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if len(argv) == 2 and argv[1] == "--version":
        from urtperf.version import version_text
        print(version_text("validate_json.py"))
        return 0
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    expect, bench = [], None
    args = argv[2:]
    while args:
        if args[0] == "--expect" and len(args) > 1 and ":" in args[1]:
            expect.append(tuple(args[1].split(":", 1)))
        elif args[0] == "--bench" and len(args) > 1:
            bench = args[1]
        else:
            print(f"validate_json.py: unexpected argument {args[0]!r}", file=sys.stderr)
            return 2
        args = args[2:]
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        print("validate_json.py: needs the jsonschema module (Debian: python3-jsonschema)", file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            text = f.read()
    except (OSError, ValueError) as e:
        print(f"validate_json.py: {argv[1]}: {e}", file=sys.stderr)
        return 2
    try:
        doc = json.loads(text, parse_constant=no_constant, parse_float=finite_float)
        errors = validate(doc, bench)
    except ValueError as e:
        errors, doc = [f"not JSON: {e}"], None
    except (Usage, InputError) as e:
        print(f"validate_json.py: {e}", file=sys.stderr)
        return 2
    results = doc.get("results") if isinstance(doc, dict) else None
    for backend, workload in expect:
        if not any(isinstance(r, dict) and r.get("backend") == backend and r.get("workload") == workload
                   for r in (results or [])):
            errors.append(f"expected a result for {backend}:{workload}, found none")
    for e in errors:
        print(f"{argv[1]}: {e}", file=sys.stderr)
    if errors:
        return 1
    what = f"{len(results)} results" if results is not None else f"{len(doc['cells'])} cells"
    print(f"{argv[1]}: valid {doc['schema']}, {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
