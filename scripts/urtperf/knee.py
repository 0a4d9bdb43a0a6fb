"""The knee finder: where more queue depth or batching stops paying.

For each workload, buffer size, backend (and variant such as threads), find the
smallest queue depth, then the smallest batch at that depth, whose throughput
reaches a fraction (95 %) of the best throughput that group reached, and say
what p99 latency it costs there compared with the peak.  Past the knee, extra
depth mostly buys latency: this is the recommendation a user wants.

Throughput is the median over repeats (see model.fold), so one lucky sample
cannot move the knee.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import model

DEFAULT_FRACTION = 0.95


@dataclass
class Knee:
    workload: str
    bs: int | None
    backend: str
    variant: tuple
    peak: model.Point
    knee: model.Point
    fraction: float
    candidates: int          # configurations in the group

    @property
    def share_of_peak(self):
        return self.knee.iops / self.peak.iops if self.peak.iops else None

    @property
    def p99_at_knee(self):
        return self.knee.lat.get("p99")

    @property
    def p99_at_peak(self):
        return self.peak.lat.get("p99")


def _rank(value):
    # Missing qd/batch (not applicable) counts as the smallest: nothing to tune.
    return -1 if value is None else value


def find_knees(points, fraction=DEFAULT_FRACTION):
    """Return one Knee per (workload, bs, backend, variant) group, in report order."""
    if not 0 < fraction <= 1:
        raise ValueError("fraction must be in (0, 1]")
    dims = model.varying_dims(points)
    groups = {}
    for p in points:
        key = (p.workload, p.bs, p.backend, model.variant_of(p, dims))
        groups.setdefault(key, []).append(p)
    knees = []
    for (workload, bs, backend, variant), group in groups.items():
        best = model.peak(group)
        if best is None or best.iops <= 0:
            continue
        threshold = fraction * best.iops
        reaching = [p for p in group if p.iops >= threshold]
        chosen = min(reaching, key=lambda p: (_rank(p.qd), _rank(p.batch),
                                              _rank(p.config.get("complete_batch")), -p.iops))
        knees.append(Knee(workload, bs, backend, variant, best, chosen, fraction, len(group)))
    knees.sort(key=lambda k: (model.workload_rank(k.workload), _rank(k.bs),
                              model.backend_rank(k.backend), k.variant))
    return knees
