"""Changes against a baseline urt-bench run, configuration by configuration.

This is a reading aid for the report, not a statistical gate (that is
scripts/compare.py): a change is flagged when it exceeds the threshold and,
when both runs have repeats, when the two min–max ranges do not overlap, so a
single noisy sample on a shared machine does not raise a flag by itself.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from . import model

DEFAULT_THRESHOLD = 0.05


@dataclass
class Change:
    now: model.Point
    base: model.Point
    iops_change: float             # relative, +0.10 = 10 % more ops/s
    p99_change: float | None       # relative, +0.10 = 10 % slower p99
    flagged: bool


@dataclass
class Comparison:
    changes: list
    only_now: int
    only_base: int
    threshold: float

    @property
    def median_change(self):
        return statistics.median(c.iops_change for c in self.changes) if self.changes else None

    @property
    def regressions(self):
        return sorted((c for c in self.changes if c.flagged and c.iops_change < 0), key=lambda c: c.iops_change)

    @property
    def improvements(self):
        return sorted((c for c in self.changes if c.flagged and c.iops_change > 0), key=lambda c: -c.iops_change)


def _key(point):
    return tuple(sorted(point.config.items()))


def _ranges_overlap(a, b):
    return a.iops_min <= b.iops_max and b.iops_min <= a.iops_max


def compare(now_points, base_points, threshold=DEFAULT_THRESHOLD):
    base = {_key(p): p for p in base_points}
    changes = []
    for p in now_points:
        b = base.get(_key(p))
        if b is None or not b.iops:
            continue
        change = p.iops / b.iops - 1
        p99_now, p99_base = p.lat.get("p99"), b.lat.get("p99")
        p99_change = p99_now / p99_base - 1 if p99_now and p99_base else None
        flagged = abs(change) > threshold
        if flagged and p.samples > 1 and b.samples > 1 and _ranges_overlap(p, b):
            flagged = False
        changes.append(Change(p, b, change, p99_change, flagged))
    now_keys = {_key(p) for p in now_points}
    return Comparison(changes=changes,
                      only_now=sum(1 for p in now_points if _key(p) not in base),
                      only_base=sum(1 for k in base if k not in now_keys),
                      threshold=threshold)
