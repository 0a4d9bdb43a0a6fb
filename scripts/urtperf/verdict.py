"""Verdicts with confidence: who wins a configuration, by how much, how sure.

A ratio is the Hodges-Lehmann estimate of b's ops/s over a's (the median of
all pairwise ratios) with its distribution-free 95 % interval, both from
scripts/compare.py (the same statistics the A/B gate uses).  "No difference"
whenever the interval contains 1: the samples cannot tell the two apart.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from . import compare, model


CONFIDENCE = 0.95
MIN_SAMPLES = 5  # fewer per configuration: the report says "indicative"


@dataclass
class Ratio:
    """b ÷ a: estimate and interval; decision is 'b faster', 'a faster' or 'no difference'."""
    estimate: float
    low: float
    high: float
    n_a: int
    n_b: int

    @property
    def decision(self):
        if self.low > 1.0:
            return "b faster"
        if self.high < 1.0:
            return "a faster"
        return "no difference"

    def text(self):
        return f"{self.estimate:.2f}× [{self.low:.2f}, {self.high:.2f}]"


def ratio(a, b, confidence=CONFIDENCE):
    """Ratio of samples b to samples a, or None when either side is too thin
    (one sample, or a non-positive value) to give an interval."""
    a, b = list(a), list(b)
    if len(a) < 2 or len(b) < 2:
        return None
    hl = compare.hodges_lehmann(a, b, confidence)
    if hl is None:
        return None
    est, lo, hi = hl
    return Ratio(est, lo, hi, len(a), len(b))


def relative_text(base, other, fallback):
    """other ÷ base as 'estimate× [low, high]' (Hodges-Lehmann, 95 %) when
    both sides have two or more samples; else the fallback ratio, marked as
    having no interval."""
    r = ratio(base or (), other or ())
    if r:
        return r.text()
    return f"{fallback:.2f}× (no interval: one run)" if fallback is not None else "–"


def _group_order(kv):
    (workload, bs), _ = kv
    return (model.workload_rank(workload), bs or 0)


def spread(samples):
    """(max - min) / median: how far apart the samples of one point are."""
    if len(samples) < 2:
        return 0.0
    med = statistics.median(samples)
    return (max(samples) - min(samples)) / med if med > 0 else 0.0


def non_monotonic(points, tolerance=0.05):
    """Along one backend/batch line ordered by qd: a drop of more than
    `tolerance` between neighbours, where more queue depth should not hurt.
    Returns the list of (qd_before, qd_after, fraction lost)."""
    drops = []
    pts = sorted((p for p in points if p.qd is not None), key=lambda p: p.qd)
    for before, after in zip(pts, pts[1:]):
        if before.iops > 0 and after.iops < before.iops * (1 - tolerance):
            drops.append((before.qd, after.qd, 1 - after.iops / before.iops))
    return drops


@dataclass
class Row:
    workload: str
    bs: object
    regime: str
    batch_label: str
    winner: object          # model.Point
    runner_up: object       # model.Point or None
    margin: Ratio | None    # winner over runner-up
    flags: list


def regimes(points):
    """qd 1 / mid / peak: the smallest, a middle and the largest queue depth."""
    qds = sorted({p.qd for p in points if p.qd is not None})
    if not qds:
        return []
    out = [("qd 1" if qds[0] == 1 else f"qd {qds[0]}", qds[0])]
    if len(qds) >= 3:
        mid = qds[len(qds) // 2]
        out.append((f"mid (qd {mid})", mid))
    if len(qds) >= 2:
        out.append((f"peak (qd {qds[-1]})", qds[-1]))
    return out


def _batches(points):
    batches = sorted({p.batch for p in points if p.batch is not None})
    if not batches:
        return [("–", None)]
    out = [("batch 1" if batches[0] == 1 else f"batch {batches[0]}", batches[0])]
    if len(batches) > 1:
        out.append((f"batched ({batches[-1]})", batches[-1]))
    return out


def _contenders(pts, qd, batch, smallest_qd):
    """Backends at this qd and batch; a backend without a queue depth (psync)
    only competes in the smallest-qd regime (it is one operation at a time)."""
    out = []
    for p in pts:
        if p.qd is None:
            if qd == smallest_qd:
                out.append(p)
        elif p.qd == qd and (batch is None or p.batch == batch or p.batch is None):
            out.append(p)
    return out


def table(points):
    """One Row per workload (and buffer size), regime and batch."""
    rows = []
    groups = {}
    for p in points:
        groups.setdefault((p.workload, p.bs), []).append(p)
    for (workload, bs), pts in sorted(groups.items(), key=_group_order):
        regs = regimes(pts)
        if not regs:
            continue
        for regime, qd in regs:
            for blabel, batch in _batches(pts):
                cands = sorted(_contenders(pts, qd, batch, regs[0][1]), key=lambda p: -p.iops)
                if not cands:
                    continue
                winner = cands[0]
                runner = cands[1] if len(cands) > 1 else None
                margin = ratio(runner.iops_samples, winner.iops_samples) if runner else None
                flags = []
                if margin and margin.decision == "no difference":
                    flags.append("no significant difference")
                if runner:
                    effect = abs(winner.iops / runner.iops - 1) if runner.iops else 0
                    worst = max(spread(winner.iops_samples), spread(runner.iops_samples))
                    if worst > effect:
                        flags.append(f"spread {worst:.0%} > effect {effect:.0%}")
                for p in (winner, runner):
                    if p is None or p.qd is None:
                        continue
                    line = [q for q in pts if q.backend == p.backend and q.batch == p.batch]
                    if non_monotonic(line):
                        flags.append(f"{p.backend} curve non-monotonic")
                rows.append(Row(workload, bs, regime, blabel, winner, runner, margin, flags))
    return rows


def min_samples(points):
    return min((p.samples for p in points), default=0)


PAIRS = (("urt", "raw"), ("urt", "raw-bare"), ("urt-futures", "raw"), ("urt-futures", "raw-bare"),
         ("raw", "raw-bare"))


def baseline_rows(points):
    """urt and urt-futures against both baselines (and raw against raw-bare),
    per workload, regime and batch: (workload, bs, regime, batch label,
    "num ÷ den", Ratio or None)."""
    rows = []
    groups = {}
    for p in points:
        groups.setdefault((p.workload, p.bs), []).append(p)
    for (workload, bs), pts in sorted(groups.items(), key=_group_order):
        if not any(p.backend in ("raw", "raw-bare") for p in pts):
            continue
        for regime, qd in regimes(pts):
            for blabel, batch in _batches(pts):
                at = {p.backend: p for p in pts if p.qd == qd and p.batch == batch}
                for num, den in PAIRS:
                    if num in at and den in at:
                        rows.append((workload, bs, regime, blabel, f"{num} ÷ {den}",
                                     ratio(at[den].iops_samples, at[num].iops_samples)))
    return rows
