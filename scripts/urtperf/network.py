"""The network workloads (urt-bench echo and stream) in the report.

Kept apart from the file-workload model on purpose: a network result's cell
is (workload, message size, connections, qd, batch, offered rate) and its
baseline is epoll, not raw.  Three things come out:

* round trips (messages) per second against connections, one panel per
  message size, one line per server backend (closed loop);
* latency percentiles against the offered rate (open loop, measured from
  the intended send time, so a server that falls behind shows it);
* per cell, each io_uring backend's throughput over epoll's: the
  Hodges-Lehmann ratio of the samples with its 95 % interval (verdict.ratio,
  the same statistics as the A/B gate).
"""

from __future__ import annotations

import statistics

from . import verdict
from .blocks import Image, Note, Para, Section, Table
from .figset import slug

BASELINE = "epoll"
ORDER = ("urt", "urt-multishot", "raw", "epoll", "threadpool")
GROUP = "network"


def is_network(r):
    """Whether r came from urt-bench's network harness: it gives every result
    its loop ("closed" or "open"), which the file harness never writes, so a
    network workload added to the registry needs no list kept here."""
    return r.get("loop") in ("closed", "open")


def split(results):
    """(network results, the others)."""
    return [r for r in results if is_network(r)], [r for r in results if not is_network(r)]


def _cell(r):
    return (r["workload"], r["bs"], r.get("conns"), r["qd"], r.get("batch"), r.get("rate"))


def _backends(results):
    seen = {r["backend"] for r in results}
    return [b for b in ORDER if b in seen] + sorted(seen - set(ORDER))


def _samples(results):
    """{cell: {backend: [result, ...]}} in the order of the results."""
    cells = {}
    for r in results:
        if r.get("iops") is None:
            continue
        cells.setdefault(_cell(r), {}).setdefault(r["backend"], []).append(r)
    return cells


def _median(rs, get):
    vals = [get(r) for r in rs if get(r) is not None]
    return statistics.median(vals) if vals else None


def _p(r, key):
    return (r.get("lat_ns") or {}).get(key)


def _rate_text(rate):
    return "closed" if rate is None else f"{rate:,.0f}/s"


def ratio_rows(results):
    """One row per cell and io_uring backend: median msgs/s of both, ratio to epoll [95 % CI]."""
    rows = []
    for cell, by_backend in _samples(results).items():
        base = by_backend.get(BASELINE)
        if not base:
            continue
        wl, bs, conns, qd, batch, rate = cell
        base_iops = [r["iops"] for r in base]
        for backend in _backends([r for rs in by_backend.values() for r in rs]):
            if backend in (BASELINE, "threadpool") or backend not in by_backend:
                continue
            mine = [r["iops"] for r in by_backend[backend]]
            ratio = verdict.ratio(base_iops, mine)
            if ratio is None:
                text, decision = f"{statistics.median(mine) / statistics.median(base_iops):.2f}× (no interval: " \
                                 f"{len(base_iops)}/{len(mine)} samples)", "indicative"
            else:
                text, decision = ratio.text(), {"b faster": f"{backend} faster", "a faster": "epoll faster",
                                                "no difference": "no difference"}[ratio.decision]
            rows.append([wl, bs, conns, qd, _rate_text(rate), backend, f"{statistics.median(mine):,.0f}",
                         f"{statistics.median(base_iops):,.0f}", text, decision])
    return rows


def _throughput_figure(results, figs):
    import matplotlib.pyplot as plt
    closed = [r for r in results if r.get("rate") is None]
    for wl in sorted({r["workload"] for r in closed}):  # echo, stream: the order it always had
        rs = [r for r in closed if r["workload"] == wl]
        title = f"{wl}: {'round trips' if wl == 'echo' else 'messages'}/s vs connections"
        conns = sorted({r.get("conns") for r in rs})
        if len(conns) < 2:
            if rs:
                figs.skip(title, f"needs at least two connection counts, the results have {conns}", GROUP)
            continue
        sizes = sorted({r["bs"] for r in rs})[:4]
        fig, axes = plt.subplots(1, len(sizes), figsize=(5 * len(sizes), 4), squeeze=False)
        for ax, bs in zip(axes[0], sizes):
            panel = [r for r in rs if r["bs"] == bs]
            for backend in _backends(panel):
                pts = []
                for c in conns:
                    sample = [r for r in panel if r["backend"] == backend and r.get("conns") == c]
                    if sample:
                        pts.append((c, _median(sample, lambda r: r["iops"]),
                                    min(r["iops"] for r in sample), max(r["iops"] for r in sample)))
                if not pts:
                    continue
                xs, ys, lo, hi = zip(*pts)
                ax.errorbar(xs, ys, yerr=[[y - a for y, a in zip(ys, lo)], [b - y for y, b in zip(ys, hi)]],
                            marker="o", capsize=3, label=backend,
                            linestyle="--" if backend == BASELINE else "-")
            ax.set_xscale("log", base=2)
            ax.set_xticks(conns)
            ax.set_xticklabels([str(c) for c in conns])
            ax.set_ylim(bottom=0)
            ax.set_xlabel("connections")
            ax.set_ylabel(f"{'round trips' if wl == 'echo' else 'messages'}/s")
            ax.set_title(f"{wl}, {bs} B messages")
            ax.legend(fontsize="small")
        fig.suptitle(title)
        fig.tight_layout()
        figs.save(fig, f"net_{slug(wl)}_vs_conns.png", title,
                  "Closed loop over 127.0.0.1: the median over samples; whiskers min–max. One fixed "
                  "client (epoll, its own CPU when there are two) for every server backend; "
                  "epoll dashed: the baseline. Axis from zero.", GROUP)


def _latency_figure(results, figs):
    import matplotlib.pyplot as plt
    open_loop = [r for r in results if r.get("rate") is not None]
    groups = sorted({(r["workload"], r["bs"], r.get("conns"), r["qd"]) for r in open_loop},
                    key=lambda g: tuple(str(x) for x in g))
    for wl, bs, conns, qd in groups[:6]:
        rs = [r for r in open_loop if (r["workload"], r["bs"], r.get("conns"), r["qd"]) == (wl, bs, conns, qd)]
        rates = sorted({r["rate"] for r in rs})
        title = f"{wl} {bs} B, {conns} connections: latency vs offered rate"
        if len(rates) < 2:
            figs.skip(title, f"needs at least two offered rates, the results have {rates}", GROUP)
            continue
        fig, axes = plt.subplots(1, 3, figsize=(15, 4), squeeze=False)
        for ax, key in zip(axes[0], ("p50", "p99", "p999")):
            for backend in _backends(rs):
                xs, ys = [], []
                for rate in rates:
                    sample = [r for r in rs if r["backend"] == backend and r["rate"] == rate]
                    v = _median(sample, lambda r: _p(r, key))
                    if v is not None:
                        xs.append(rate)
                        ys.append(v / 1000)
                ax.plot(xs, ys, marker="o", label=backend, linestyle="--" if backend == BASELINE else "-")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("offered rate (messages/s, all connections)")
            ax.set_ylabel(f"{key} latency (µs)")
            ax.set_title(key)
            ax.legend(fontsize="small")
        fig.suptitle(title)
        fig.tight_layout()
        figs.save(fig, f"net_latency_{slug(wl)}_{bs}_{conns}.png", title,
                  "Open loop: each connection sends on a fixed schedule and latency is measured from the "
                  "intended send time (as wrk2 does), so a server that falls behind the offered rate shows "
                  "its backlog instead of slowing the client down. Median over samples.", GROUP)


def section(results, figs):
    """The report's network section (None when the run has no network results)."""
    if not results:
        return None
    sec = Section("network", "Network workloads (loopback TCP)")
    sec.add(Para("echo: each connection sends one message and waits for its echo (round trips/s); stream: "
                 "each keeps qd messages in flight, answered by a one-byte acknowledgement (messages/s). "
                 "Client and server share the machine over 127.0.0.1: these numbers measure the servers' "
                 "per-message CPU cost, not a NIC (bench/README.md, \"What loopback numbers say\")."))
    try:
        _throughput_figure(results, figs)
        _latency_figure(results, figs)
    except ImportError:
        figs.skip("network figures", "matplotlib is not available", GROUP)
    made, skipped = figs.in_group(GROUP)
    for fig in made:
        sec.add(Image(fig))
    for s in skipped:
        sec.add(Note(f"Skipped “{s.title}”: {s.reason}."))
    rows = ratio_rows(results)
    if rows:
        sec.add(Table(["workload", "bs", "conns", "qd", "rate", "backend", "msgs/s", "epoll msgs/s",
                       "÷ epoll [95 % CI]", "verdict"], rows,
                      caption="Each io_uring backend's throughput over epoll's in the same cell: the "
                              "Hodges–Lehmann ratio of the samples with its 95 % interval (\"no difference\" "
                              "when the interval holds 1; fewer than 2 samples: the ratio of medians, indicative)."))
    else:
        sec.add(Note("No cell has both epoll and an io_uring backend: no ratio to show."))
    lat_rows = []
    for cell, by_backend in _samples(results).items():
        wl, bs, conns, qd, batch, rate = cell
        for backend in _backends([r for rs in by_backend.values() for r in rs]):
            rs = by_backend.get(backend)
            if rs:
                lat_rows.append([wl, bs, conns, qd, _rate_text(rate), backend, len(rs)] +
                                [f"{_median(rs, lambda r, k=k: _p(r, k)) / 1000:.1f}" for k in ("p50", "p99", "p999")])
    sec.add(Table(["workload", "bs", "conns", "qd", "rate", "backend", "samples", "p50 µs", "p99 µs", "p999 µs"],
                  lat_rows, caption="Latency per cell (median over samples of each sample's percentile).",
                  collapsed=True))
    return sec
