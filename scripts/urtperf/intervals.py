"""urt-bench --interval-log: one record per interval per result.

A result's "intervals" is null or {"ms": int, "t_s": [...], "ops_s": [...],
"p99_ns": [... or null]}: parallel lists, t_s the end of each interval in
seconds since the timed window opened (increasing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .cli import InputError


@dataclass
class Series:
    ms: int
    t_s: list
    ops_s: list
    p99_ns: list   # None where the interval had no timed operation


def _num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def parse(obj, where="intervals"):
    """Series, or None for null; InputError naming the problem otherwise."""
    if obj is None:
        return None
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected an object or null, got {type(obj).__name__}")
    ms = obj.get("ms")
    if not isinstance(ms, int) or isinstance(ms, bool) or ms <= 0:
        raise InputError(f"{where}.ms: expected a positive integer, got {ms!r}")
    lists = {}
    for key in ("t_s", "ops_s", "p99_ns"):
        value = obj.get(key)
        if not isinstance(value, list):
            raise InputError(f"{where}.{key}: expected a list, got {value!r}")
        lists[key] = value
    if len({len(v) for v in lists.values()}) != 1:
        raise InputError(f"{where}: t_s, ops_s and p99_ns differ in length")
    for key in ("t_s", "ops_s"):
        for i, v in enumerate(lists[key]):
            if not _num(v) or v < 0:
                raise InputError(f"{where}.{key}[{i}]: expected a non-negative number, got {v!r}")
    for i, v in enumerate(lists["p99_ns"]):
        if v is not None and (not _num(v) or v < 0):
            raise InputError(f"{where}.p99_ns[{i}]: expected a non-negative number or null, got {v!r}")
    t = lists["t_s"]
    for i in range(1, len(t)):
        if t[i] <= t[i - 1]:
            raise InputError(f"{where}.t_s[{i}]: {t[i]} does not come after {t[i - 1]}")
    return Series(ms, list(t), list(lists["ops_s"]), list(lists["p99_ns"]))
