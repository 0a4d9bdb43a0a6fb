"""Load and validate the three input formats; raise InputError with one line.

urt-bench/1 and urt-faults/1 are checked against their committed JSON Schema
(schema.py, the one check every tool shares); here only what a schema cannot
say.  hyperfine's output has no schema of ours: its fields are checked here.
Extra keys are allowed everywhere, so the harnesses can grow without
breaking the report.
"""

import math

from . import intervals, schema
from .cli import InputError, load_json

BENCH_SCHEMA = "urt-bench/1"
FAULTS_SCHEMA = "urt-faults/1"


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
    an object; when tagged, its "schema" is `what`."""
    doc = load_json(path, what)
    check = _Checker(path)
    check.obj(doc, "top level")
    if tagged:
        if doc.get("schema") != what:
            check.fail("schema", f"expected '{what}', got {doc.get('schema')!r}")
    return doc, check


def load_bench(path):
    """Return the urt-bench/1 document (a dict): types from the schema, the
    interval lists' lengths and order and "nothing to report" here."""
    doc, check = _load(path, BENCH_SCHEMA)
    schema.check(doc, path, BENCH_SCHEMA)
    for where, result in check.items(doc, "results", "nothing to report"):
        intervals.parse(result.get("intervals"), f"{path}: {where}.intervals")
    return doc


FAULT_STATUSES = ("pass", "fail", "hang")


def load_faults(path):
    """Return the urt-faults/1 document: types from the schema; an empty matrix is nothing to report."""
    doc, check = _load(path, FAULTS_SCHEMA)
    schema.check(doc, path, FAULTS_SCHEMA)
    if not doc["cells"]:
        raise InputError(f"{path}: cells: empty, no fault matrix to report")
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
