"""Fold bench results into one point per configuration, and look points up.

A configuration is the fields in CONFIG_FIELDS (backend, workload, qd, batch,
bs, threads, cache, options...).  It is a list, not "everything that is not a
measurement", because the harness adds per-run counters (short_ops, sqes,
notes) that would otherwise split repeats of one configuration apart.
--repeat N gives N results per configuration; a point keeps their median
(robust against one noisy sample on a shared machine), min and max and every
sample (for the intervals in verdict.py), and sums their histograms.

One percentile definition everywhere: a point's percentiles come from its
histograms merged over all samples (and, in the harness, over all threads):
the upper bound of the bucket holding that rank, clamped to the exact max.
Where a backend has no buckets (fio), the median of its samples' own
percentiles stands in, and the point says so (lat_from_hist False).

Options a backend records as "not_applicable" (e.g. batch for psync) are
dropped from its key, so psync is one line rather than one line per batch it
ignored; its results at different batches become samples of the same point.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

# The fields that say what was run.  "options" is urt-bench's list of io_uring
# options (sqpoll, fixedbufs...); "direct" is O_DIRECT where a harness records it.
CONFIG_FIELDS = ("backend", "workload", "qd", "batch", "complete_batch", "bs", "threads", "cache",
                 "options", "direct", "conns", "rate")  # conns, rate: network workloads only
# Dimensions the figures place themselves (axes, panels, colour, line style).
PLACED = ("backend", "workload", "qd", "batch", "bs")
MIB = 1024 * 1024


@dataclass
class Point:
    """One configuration, its repeats folded together."""

    config: dict                      # dimension -> value, not_applicable ones removed
    samples: int
    iops: float
    iops_min: float
    iops_max: float
    mib_s: float | None
    lat: dict = field(default_factory=dict)         # percentile name -> ns (median of samples)
    lat_kernel: dict | None = None
    lat_sched: dict | None = None
    hist: list | None = None                        # [(upper_bound_ns, count)], summed
    enter_calls: float | None = None
    sqes_per_enter: float | None = None
    cpu_user_s: float | None = None
    cpu_sys_s: float | None = None
    iops_samples: list = field(default_factory=list)  # one per sample, in repeat order
    repeats: list = field(default_factory=list)       # the sample's "repeat" index, same order
    ops_per_cpu_s: float | None = None                # median over samples of ops / (user + sys)
    syscalls_per_op: float | None = None              # median over samples of enter_calls / ops
    intervals: list = field(default_factory=list)     # per sample: {"t_s", "ops_s", "p99_ns"} or None
    lat_from_hist: bool = True

    def __getattr__(self, name):
        # backend, workload, qd, batch, bs ... read straight from the config.
        config = self.__dict__.get("config", {})
        if name in PLACED or name in config:
            return config.get(name)
        raise AttributeError(name)


def _config_of(result):
    dropped = set(result.get("not_applicable") or ())
    config = {}
    for name in CONFIG_FIELDS:
        if name not in result or name in dropped:
            continue
        value = result[name]
        if isinstance(value, list):
            value = "+".join(sorted(map(str, value))) or "none"
        if isinstance(value, (str, int, float, bool)) or value is None:
            config[name] = value
    for name in PLACED:
        config.setdefault(name, None)
    return config


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _median_dict(dicts):
    dicts = [d for d in dicts if d]
    if not dicts:
        return None
    keys = {k for d in dicts for k in d}
    folded = {k: _median([d.get(k) for d in dicts]) for k in keys}
    return {k: v for k, v in folded.items() if v is not None} or None


def _merge_hists(hists):
    total = {}
    for hist in hists:
        for upper, count in hist or ():
            total[upper] = total.get(upper, 0) + count
    merged = sorted((u, c) for u, c in total.items())
    return merged if any(c for _, c in merged) else None


def hist_percentile(hist, q, exact_max=None):
    """The harness's definition (histogram.c): the upper bound of the bucket
    holding the ceil(q * count)-th sample, clamped to the exact maximum."""
    total = sum(c for _, c in hist)
    if not total:
        return None
    rank = max(1, -(-q * total // 1))
    seen = 0
    for upper, count in hist:
        seen += count
        if seen >= rank:
            return min(upper, exact_max) if exact_max is not None else upper
    return hist[-1][0]


_QUANTILES = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p999", 0.999), ("p9999", 0.9999))


def _lat_of(rs, hist):
    """min/mean/max over all samples; percentiles from the merged histogram."""
    lats = [r.get("lat_ns") for r in rs if r.get("lat_ns")]
    if not lats:
        return {}, True
    if not hist:
        return _median_dict(lats) or {}, False
    lo = [x["min"] for x in lats if x.get("min") is not None]
    hi = [x["max"] for x in lats if x.get("max") is not None]
    counts = [sum(c for _, c in r.get("hist_ns") or ()) for r in rs if r.get("lat_ns")]
    means = [x.get("mean") for x in lats]
    lat = {}
    if lo:
        lat["min"] = min(lo)
    if hi:
        lat["max"] = max(hi)
    if all(m is not None for m in means) and sum(counts):
        lat["mean"] = sum(m * c for m, c in zip(means, counts)) / sum(counts)
    for name, q in _QUANTILES:
        lat[name] = hist_percentile(hist, q, lat.get("max"))
    return lat, True


def _ops_per_cpu(r):
    cpu = r.get("cpu") or {}
    u, s = cpu.get("user_s"), cpu.get("sys_s")
    if u is None or s is None or u + s <= 0 or not r.get("ops"):
        return None
    return r["ops"] / (u + s)


def _freeze(config):
    return tuple(sorted(config.items(), key=lambda kv: kv[0]))


def fold(results):
    """Return (points, dropped): one Point per configuration with a throughput."""
    groups = {}
    dropped = 0
    for result in results:
        if result.get("iops") is None:
            dropped += 1
            continue
        config = _config_of(result)
        groups.setdefault(_freeze(config), (config, []))[1].append(result)
    points = []
    for config, rs in groups.values():
        iops = [r["iops"] for r in rs]
        mib = [r.get("mib_s") for r in rs]
        cpu = [r.get("cpu") or {} for r in rs]
        hist = _merge_hists([r.get("hist_ns") for r in rs])
        lat, from_hist = _lat_of(rs, hist)
        points.append(Point(
            config=config,
            samples=len(rs),
            iops=statistics.median(iops),
            iops_min=min(iops),
            iops_max=max(iops),
            mib_s=_median(mib),
            lat=lat,
            lat_from_hist=from_hist,
            lat_kernel=_median_dict([r.get("lat_kernel_ns") for r in rs]),
            lat_sched=_median_dict([r.get("lat_sched_ns") for r in rs]),
            hist=hist,
            iops_samples=iops,
            repeats=[r.get("repeat") for r in rs],
            ops_per_cpu_s=_median([_ops_per_cpu(r) for r in rs]),
            syscalls_per_op=_median([r["enter_calls"] / r["ops"] if r.get("enter_calls") is not None
                                     and r.get("ops") else None for r in rs]),
            intervals=[r.get("intervals") for r in rs],
            enter_calls=_median([r.get("enter_calls") for r in rs]),
            sqes_per_enter=_median([r.get("sqes_per_enter") for r in rs]),
            cpu_user_s=_median([c.get("user_s") for c in cpu]),
            cpu_sys_s=_median([c.get("sys_s") for c in cpu]),
        ))
    points.sort(key=sort_key)
    return points, dropped


def _order(value):
    # None (not applicable) first, then numbers, then strings: a total order.
    if value is None:
        return (0, 0, "")
    if isinstance(value, (int, float)):
        return (1, value, "")
    return (2, 0, str(value))


BACKEND_ORDER = ("urt", "urt-futures", "raw", "raw-bare", "psync", "threadpool", "fio")
WORKLOAD_ORDER = ("nop", "randread", "seqread", "randwrite", "seqwrite", "pipe")


def backend_rank(name):
    return (BACKEND_ORDER.index(name), name) if name in BACKEND_ORDER else (len(BACKEND_ORDER), name)


def workload_rank(name):
    return (WORKLOAD_ORDER.index(name), name) if name in WORKLOAD_ORDER else (len(WORKLOAD_ORDER), name)


def sort_key(point):
    extras = tuple(_order(v) for _, v in sorted(variant_items(point.config)))
    return (workload_rank(point.workload), _order(point.bs), backend_rank(point.backend),
            extras, _order(point.batch), _order(point.qd))


def variant_items(config):
    """The configuration beyond the placed dimensions (threads, cache, ...)."""
    return [(k, v) for k, v in config.items() if k not in PLACED]


def varying_dims(points):
    """Unplaced dimensions whose value differs within one workload: they need labels.

    Within, because figures are per workload: "cache" is null for nop and
    "cached" for reads, which tells two workloads apart, not two lines.
    """
    seen = {}
    for p in points:
        for k, v in variant_items(p.config):
            seen.setdefault((p.workload, k), set()).add(v)
    return sorted({k for (_, k), vals in seen.items() if len(vals) > 1})


def variant_sort_key(variant):
    return tuple(_order(v) for _, v in variant)


def variant_of(point, dims):
    return tuple((k, point.config.get(k)) for k in dims)


def distinct(points, name):
    return sorted({p.config.get(name) for p in points}, key=_order)


def workloads(points):
    return sorted({p.workload for p in points}, key=workload_rank)


def backends(points):
    return sorted({p.backend for p in points}, key=backend_rank)


def select(points, **want):
    return [p for p in points if all(p.config.get(k) == v for k, v in want.items())]


def series(points, dims):
    """Group points into lines: (backend, batch, variant) -> points sorted by qd."""
    lines = {}
    for p in points:
        lines.setdefault((p.backend, p.batch, variant_of(p, dims)), []).append(p)
    for line in lines.values():
        line.sort(key=lambda p: _order(p.qd))
    return dict(sorted(lines.items(), key=lambda kv: (backend_rank(kv[0][0]), _order(kv[0][1]),
                                                      tuple(_order(v) for _, v in kv[0][2]))))


def peak(points):
    return max(points, key=lambda p: p.iops) if points else None


def reference(points, target, backend):
    """The point of `backend` to compare `target` with, or None.

    Same workload, bs, qd and variant; same batch when both have one, else the
    best batch.  A target without a qd (psync records qd as not applicable) is
    compared with the reference backend's peak for that workload and bs.
    """
    dims = [k for k, _ in variant_items(target.config)]
    candidates = [p for p in points if p.backend == backend and p.workload == target.workload
                  and p.bs == target.bs
                  and all(p.config.get(k) == target.config.get(k) for k in dims)]
    if target.qd is not None:
        candidates = [p for p in candidates if p.qd == target.qd]
        if target.batch is not None:
            same_batch = [p for p in candidates if p.batch == target.batch]
            if same_batch or any(p.batch is not None for p in candidates):
                candidates = same_batch
    return peak(candidates)
