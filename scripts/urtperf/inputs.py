"""Load and validate the three input formats; raise InputError with one line.

Validation is deliberately strict about what the report needs (keys and types)
and lenient about the rest: extra keys are allowed everywhere, so the harnesses
can grow without breaking the report.
"""

import math

from . import intervals
from .cli import InputError, load_json

BENCH_SCHEMA = "urt-bench/1"
FAULTS_SCHEMA = "urt-faults/1"
PERCENTILE_KEYS = ("min", "mean", "p50", "p90", "p99", "p999", "p9999", "max")


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class _Checker:
    """Names the exact place of a problem, e.g. 'bench.json: results[3].qd'."""

    def __init__(self, path):
        self.path = path

    def fail(self, where, problem):
        raise InputError(f"{self.path}: {where}: {problem}")

    def obj(self, value, where):
        if not isinstance(value, dict):
            self.fail(where, f"expected an object, got {type(value).__name__}")
        return value

    def key(self, obj, name, where):
        if name not in obj:
            self.fail(where, f"missing key '{name}'")
        return obj[name]

    def string(self, obj, name, where):
        value = self.key(obj, name, where)
        if not isinstance(value, str) or not value:
            self.fail(f"{where}.{name}", f"expected a non-empty string, got {value!r}")
        return value

    def number(self, obj, name, where, nullable=False, minimum=None, integer=False):
        value = self.key(obj, name, where)
        if value is None and nullable:
            return None
        ok = _is_number(value) and (not integer or float(value).is_integer())
        if ok and minimum is not None and value < minimum:
            ok = False
        if not ok:
            kind = "an integer" if integer else "a number"
            bound = f" >= {minimum}" if minimum is not None else ""
            null = " or null" if nullable else ""
            self.fail(f"{where}.{name}", f"expected {kind}{bound}{null}, got {value!r}")
        return value

    def items(self, doc, name, empty):
        """(where, item) for each object of the non-empty list doc[name]."""
        items = self.key(doc, name, "top level")
        if not isinstance(items, list):
            self.fail(name, "expected a list")
        if not items:
            raise InputError(f"{self.path}: {name}: empty, {empty}")
        for i, item in enumerate(items):
            where = f"{name}[{i}]"
            yield where, self.obj(item, where)


def _load(path, what, tagged=True):
    """The JSON document at path and a checker for it, its top level checked:
    an object; when tagged, its "schema" is `what` and its meta an object."""
    doc = load_json(path, what)
    check = _Checker(path)
    check.obj(doc, "top level")
    if tagged:
        if doc.get("schema") != what:
            check.fail("schema", f"expected '{what}', got {doc.get('schema')!r}")
        if doc.get("meta") is None:
            doc["meta"] = {}
        check.obj(doc["meta"], "meta")
    return doc, check


def _check_latency(check, result, name, where, required):
    if name not in result:
        if required:
            check.fail(where, f"missing key '{name}'")
        return
    lat = result[name]
    if lat is None:
        return
    check.obj(lat, f"{where}.{name}")
    for key in PERCENTILE_KEYS:
        if key in lat:
            check.number(lat, key, f"{where}.{name}", nullable=True, minimum=0)


def _check_hist(check, result, where):
    hist = result.get("hist_ns")
    if hist is None:
        return
    if not isinstance(hist, list):
        check.fail(f"{where}.hist_ns", "expected a list of [upper_bound_ns, count] pairs")
    for i, pair in enumerate(hist):
        if (not isinstance(pair, list) or len(pair) != 2 or not _is_number(pair[0])
                or not _is_number(pair[1]) or pair[1] < 0):
            check.fail(f"{where}.hist_ns[{i}]", f"expected [upper_bound_ns, count], got {pair!r}")


def load_bench(path):
    """Return the validated urt-bench/1 document (a dict)."""
    doc, check = _load(path, BENCH_SCHEMA)
    for where, result in check.items(doc, "results", "nothing to report"):
        check.string(result, "backend", where)
        check.string(result, "workload", where)
        if result.get("qd") is not None:
            check.number(result, "qd", where, minimum=1, integer=True)
        check.key(result, "qd", where)
        check.number(result, "bs", where, nullable=True, minimum=0, integer=True)
        for name in ("batch", "complete_batch", "threads", "repeat"):
            if name in result:
                check.number(result, name, where, nullable=True, minimum=0, integer=True)
        check.number(result, "iops", where, nullable=True, minimum=0)
        for name in ("mib_s", "ops", "bytes", "seconds", "enter_calls", "sqes_per_enter"):
            if name in result:
                check.number(result, name, where, nullable=True, minimum=0)
        _check_latency(check, result, "lat_ns", where, required=True)
        _check_latency(check, result, "lat_kernel_ns", where, required=False)
        _check_latency(check, result, "lat_sched_ns", where, required=False)
        _check_hist(check, result, where)
        intervals.parse(result.get("intervals"), f"{path}: {where}.intervals")
        na = result.get("not_applicable")
        if na is not None and not (isinstance(na, list) and all(isinstance(x, str) for x in na)):
            check.fail(f"{where}.not_applicable", "expected a list of option names")
    if all(r.get("iops") is None for r in doc["results"]):
        raise InputError(f"{path}: results: no result has a throughput (iops), nothing to report")
    return doc


_FAULT_CELL_NUMBERS = ("ops", "faulted_ops", "bytes_verified", "corrupted_bytes", "lost_ops",
                       "doubled_ops", "retries", "errors_surfaced")
FAULT_STATUSES = ("pass", "fail", "hang")


def load_faults(path):
    """Return the validated urt-faults/1 document."""
    doc, check = _load(path, FAULTS_SCHEMA)
    for where, cell in check.items(doc, "cells", "no fault matrix to report"):
        check.string(cell, "point", where)
        check.string(cell, "workload", where)
        check.number(cell, "probability", where, nullable=True, minimum=0)
        status = check.key(cell, "status", where)
        if status not in FAULT_STATUSES:
            check.fail(f"{where}.status", f"expected one of {', '.join(FAULT_STATUSES)}, got {status!r}")
        for name in _FAULT_CELL_NUMBERS:
            if name in cell:
                check.number(cell, name, where, nullable=True, minimum=0)
        injected = cell.get("faults_injected")
        if injected is not None:
            check.obj(injected, f"{where}.faults_injected")
            for point in injected:
                check.number(injected, point, f"{where}.faults_injected", nullable=True, minimum=0)
    if doc.get("totals") is not None:
        check.obj(doc["totals"], "totals")
    return doc


def load_hyperfine(path):
    """Return the validated hyperfine --export-json document (hyperfine 1.15 fields)."""
    doc, check = _load(path, "hyperfine", tagged=False)
    for where, result in check.items(doc, "results", "no hyperfine measurements"):
        check.string(result, "command", where)
        check.number(result, "mean", where, minimum=0)
        for name in ("stddev", "median", "user", "system", "min", "max"):
            check.number(result, name, where, nullable=True, minimum=0)
        times = result.get("times")
        if times is not None and not (isinstance(times, list) and all(_is_number(t) for t in times)):
            check.fail(f"{where}.times", "expected a list of seconds")
    return doc
