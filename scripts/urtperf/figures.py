"""The bench figures: one function per figure kind, each readable on its own.

Every figure kind draws one PNG per workload (panels inside for buffer sizes or
queue depths) or, when the data cannot support the figure (one queue depth, no
histograms, no raw baseline), records a skip note with the reason instead of
raising.  kit.per_workload runs it over the workloads of the folded points
(model.Point) into a FigureSet; its docstring is the figure's caption.
"""

import matplotlib.pyplot as plt
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from . import figkit as kit
from . import model, style, verdict
from .figkit import MAX_PANELS, PERCENTILES, Context
from .figset import slug


def _two_qds(out, title, pts, need):
    """The queue depths of pts, or None and a skip note when there are fewer than two."""
    qds = kit.queue_depths(pts)
    if len(qds) < 2:
        out.skip(title, f"needs {need}, the results have {qds or 'none'}")
        return None
    return qds


@kit.per_workload("throughput", "throughput")
def throughput_vs_qd(ctx, out, workload):
    """Operations per second (left axis) and MiB/s (right axis, same line) against queue depth; one colour per backend,
    line style per submit batch. Whiskers: min–max over samples; a black-edged diamond at the smallest depth: a
    backend without a queue depth (psync, one operation at a time). Throughput axis from zero."""
    pts = model.select(ctx.points, workload=workload)
    title = f"{workload}: throughput vs queue depth"
    qds = _two_qds(out, title, pts, "at least two queue depths")
    if not qds:
        return
    sizes = model.distinct(pts, "bs")[:MAX_PANELS]
    fig, axes = plt.subplots(1, len(sizes), **kit.sized(len(sizes)))
    for ax, bs in zip(axes[0], sizes):
        panel = model.select(pts, bs=bs)
        kit.draw_lines(ctx, ax, panel, lambda p: p.iops, band=lambda p: (p.iops_min, p.iops_max))
        kit.qd_axis(ax, qds)
        ax.set_ylim(bottom=0)  # from zero: a ratio must look like one
        kit.si_axis(ax)
        ax.set_ylabel("throughput (ops/s)")
        ax.set_title(kit.bs_title(bs, workload))
        if workload != "nop" and bs:
            factor = bs / model.MIB
            sec = ax.secondary_yaxis("right", functions=(lambda v, f=factor: v * f,
                                                         lambda v, f=factor: v / f))
            sec.set_ylabel("bandwidth (MiB/s)")
            kit.si_axis(sec)
    kit.finish(fig, title, ctx.legend_handles(pts))
    out.save(fig, title)


@kit.per_workload("latency", "latency")
def latency_vs_qd(ctx, out, workload):
    """Per-operation latency from issue to the task resuming, at p50, p99 and p99.9, against queue depth. Deeper queues
    buy throughput with latency: compare with the throughput figure."""
    pts = [p for p in model.select(ctx.points, workload=workload) if p.lat]
    title = f"{workload}: latency percentiles vs queue depth"
    qds = _two_qds(out, title, pts, "latency at two or more queue depths")
    if not qds:
        return
    sizes = model.distinct(pts, "bs")[:MAX_PANELS]
    fig, axes = plt.subplots(len(sizes), len(PERCENTILES),
                             **kit.sized(len(PERCENTILES), len(sizes), width=4.6, height=3.6))
    for row, bs in zip(axes, sizes):
        panel = model.select(pts, bs=bs)
        drawn = []
        for ax, (key, label) in zip(row, PERCENTILES):
            drawn += kit.draw_lines(ctx, ax, panel, lambda p, k=key: p.lat.get(k) or None)
            kit.qd_axis(ax, qds)
            ax.set_title(f"{label}, {kit.bs_title(bs, workload)}")
            ax.set_ylabel("latency")
        # One scale per row, so p50 and p99.9 panels compare at a glance.
        for ax in row:
            kit.log_if_wide(ax, drawn)
            kit.ns_axis(ax)
        lo = min((v for v in drawn if v and v > 0), default=None)
        hi = max(drawn, default=None)
        if lo and hi:
            for ax in row:
                ax.set_ylim(lo / 1.3 if ax.get_yscale() == "log" else 0, hi * 1.3)
    kit.finish(fig, title, ctx.legend_handles(pts))
    out.save(fig, title)


def heatmap_qd_batch(ctx, figs):
    group = "heatmap"
    runtime = [b for b in ("urt", "urt-futures") if model.select(ctx.points, backend=b)]
    if not runtime:
        figs.skip("queue depth × batch heatmap", "no results for the runtime backends (urt, urt-futures)",
                  group)
        return
    for workload in model.workloads(ctx.points):
        title = f"{workload}: runtime ops/s by queue depth × batch"
        cells = []
        for backend in runtime:
            for bs in model.distinct(model.select(ctx.points, workload=workload), "bs"):
                pts = [p for p in model.select(ctx.points, workload=workload, backend=backend, bs=bs)
                       if p.qd is not None and p.batch is not None]
                if len(kit.queue_depths(pts)) >= 2 and len(model.distinct(pts, "batch")) >= 2:
                    cells.append((backend, bs, pts))
        if not cells:
            figs.skip(title, "needs the runtime at two or more queue depths and two or more batch sizes",
                      group)
            continue
        # Rows: runtime backends; columns: buffer sizes.  Same place, same meaning.
        rows = [b for b in runtime if any(c[0] == b for c in cells)]
        sizes = model.distinct([p for c in cells for p in c[2]], "bs")[:MAX_PANELS]
        fig, axes = plt.subplots(len(rows), len(sizes),
                                 **kit.sized(len(sizes), len(rows), width=5.0, height=3.6))
        for ax in axes.flat:
            ax.set_visible(False)
        for backend, bs, pts in cells:
            if bs not in sizes:
                continue
            ax = axes[rows.index(backend)][sizes.index(bs)]
            ax.set_visible(True)
            _heatmap_panel(ax, fig, pts, ctx)
            ax.set_title(f"{backend}, {kit.bs_title(bs, workload)}")
        kit.finish(fig, title, None)
        figs.save(fig, f"heatmap_{slug(workload)}.png", title,
                  "Median ops/s of the runtime for every queue depth (columns) and submit batch "
                  "(rows); brighter is faster. Where batching stops helping shows as a flat row.",
                  group)


def _heatmap_panel(ax, fig, pts, ctx):
    import numpy as np
    qds = kit.queue_depths(pts)
    batches = [b for b in model.distinct(pts, "batch") if b is not None]
    grid = np.full((len(batches), len(qds)), np.nan)
    # Several variants (e.g. threads) in one cell: show the best, as the peak does.
    for p in pts:
        i, j = batches.index(p.batch), qds.index(p.qd)
        grid[i, j] = p.iops if np.isnan(grid[i, j]) else max(grid[i, j], p.iops)
    image = ax.imshow(grid, cmap="viridis", aspect="auto", origin="lower")
    ax.set_xticks(range(len(qds)), [str(q) for q in qds])
    ax.set_yticks(range(len(batches)), [str(b) for b in batches])
    ax.set_xlabel("queue depth")
    ax.set_ylabel("submit batch (SQEs per submit)")
    ax.grid(False)
    lo, hi = np.nanmin(grid), np.nanmax(grid)
    for i in range(len(batches)):
        for j in range(len(qds)):
            if np.isnan(grid[i, j]):
                ax.text(j, i, "–", ha="center", va="center", color="grey")
                continue
            bright = (grid[i, j] - lo) / (hi - lo) > 0.6 if hi > lo else False
            ax.text(j, i, style.si(grid[i, j]), ha="center", va="center", fontsize=10,
                    color="black" if bright else "white", fontweight="bold")
    bar = fig.colorbar(image, ax=ax, fraction=0.05, pad=0.03)
    bar.set_label("ops/s")
    bar.formatter = FuncFormatter(lambda v, _pos: style.si(v))
    bar.update_ticks()


def _cdf(hist):
    total = sum(c for _, c in hist)
    acc, xs, ys = 0, [], []
    for upper, count in hist:
        acc += count
        xs.append(upper)
        ys.append(acc / total)
    return xs, ys, total


@kit.per_workload("cdf", "cdf")
def latency_cdf(ctx, out, workload):
    """Top: cumulative distribution of per-operation latency (log x). Bottom: the tail, fraction of operations slower
    than x (log-log), where p99 and p99.9 can be read off the dashed lines. Each backend at its fastest batch for
    that queue depth (its peak configuration there); psync, which has no queue depth, only beside the smallest."""
    title = f"{workload}: latency distribution"
    pts = [p for p in model.select(ctx.points, workload=workload) if p.hist]
    if not pts:
        out.skip(title, "no latency histograms (hist_ns) in the results")
        return
    bs, pts = kit.main_bs(pts)
    qds = kit.queue_depths(pts)
    if ctx.cdf_qds:
        chosen = [q for q in ctx.cdf_qds if q in qds]
    else:
        chosen = sorted({qds[0], qds[-1]}) if qds else []
    if not chosen and not any(p.qd is None for p in pts):
        out.skip(title, f"none of the chosen queue depths {ctx.cdf_qds} is in the results {qds}")
        return
    chosen = chosen or [None]
    fig, axes = plt.subplots(2, len(chosen), **kit.sized(len(chosen), 2, width=5.6, height=3.3))
    for col, qd in enumerate(chosen):
        top, tail = axes[0][col], axes[1][col]
        for backend in model.backends(pts):
            # A backend without a queue depth (psync) is one operation at
            # a time: it belongs with the smallest queue depth only.
            mine = [p for p in pts if p.backend == backend
                    and (p.qd == qd or (p.qd is None and (not qds or qd == qds[0])))]
            if not mine:
                continue
            # The backend's peak at this depth (its fastest batch): the
            # tail that matters is the one at the configuration one would run.
            p = max(mine, key=lambda x: x.iops)
            xs, ys, total = _cdf(p.hist)
            colour = style.backend_colour(backend)
            label = style.series_label(backend, p.batch, model.variant_of(p, ctx.dims))
            top.plot(xs, ys, drawstyle="steps-post", color=colour, linewidth=2, label=label)
            tail_xs = [x for x, y in zip(xs, ys) if y < 1]
            tail_ys = [1 - y for y in ys if y < 1]
            if tail_xs:
                tail.plot(tail_xs, tail_ys, drawstyle="steps-post", color=colour, linewidth=2)
        for ax in (top, tail):
            ax.set_xscale("log")
            kit.ns_axis(ax, axis="x")
        top.set_title(f"{style.qd_label(qd)}, {kit.bs_title(bs, workload)}")
        top.set_ylabel("fraction of operations ≤ x")
        top.set_ylim(0, 1.02)
        tail.set_yscale("log")
        tail.set_ylabel("fraction slower than x")
        tail.set_xlabel("latency (log scale)")
        for level, name in ((0.01, "p99"), (0.001, "p99.9")):
            tail.axhline(level, color="black", linewidth=0.8, linestyle="--", alpha=0.5)
            tail.annotate(name, (1.0, level), xycoords=("axes fraction", "data"),
                          ha="right", va="bottom", fontsize=9, alpha=0.7)
        top.legend(loc="lower right")
    kit.finish(fig, title, None)
    out.save(fig, title)


@kit.per_workload("bandwidth", "bandwidth")
def bandwidth_vs_bs(ctx, out, workload):
    """MiB/s against buffer size, one panel per queue depth, from zero. Small buffers are bound by per-operation cost,
    large ones by copying. psync (black-edged diamonds) has no queue depth and appears beside the smallest only."""
    if workload == "nop":
        return
    title = f"{workload}: bandwidth vs buffer size"
    pts = [p for p in model.select(ctx.points, workload=workload) if p.mib_s is not None]
    sizes = [b for b in model.distinct(pts, "bs") if b]
    if len(sizes) < 2:
        out.skip(title, f"needs two or more buffer sizes, the results have {sizes or 'none'}")
        return
    qds = kit.queue_depths(pts)
    picked = _spread(qds, MAX_PANELS) or [None]
    fig, axes = plt.subplots(1, len(picked), **kit.sized(len(picked), width=4.4), sharey=True)
    for ax, qd in zip(axes[0], picked):
        # psync (no queue depth: one at a time) only beside the smallest depth.
        panel = [p for p in pts if p.qd == qd or (p.qd is None and qd == picked[0])]
        drawn = []
        for (backend, batch, variant), line in model.series(panel, ctx.dims).items():
            line = sorted((p for p in line if p.bs), key=lambda p: p.bs)
            if not line:
                continue
            how = ctx.line_style(batch, variant)
            if line[0].qd is None:
                # psync: the legend's black-edged diamond, on a thin line over buffer sizes.
                how.update(marker="D", markersize=8, markeredgecolor="black", linewidth=1)
            ax.plot([p.bs for p in line], [p.mib_s for p in line], color=style.backend_colour(backend), **how)
            drawn += [p.mib_s for p in line]
        kit.size_axis(ax, sizes)
        ax.set_ylim(bottom=0)  # throughput from zero
        ax.set_title(style.qd_label(qd))
        ax.set_ylabel("bandwidth (MiB/s)")
        kit.si_axis(ax)
    kit.finish(fig, title, ctx.legend_handles(pts))
    out.save(fig, title)


def _spread(values, most):
    """Up to `most` values: the first, the last and evenly between."""
    if len(values) <= most:
        return list(values)
    step = (len(values) - 1) / (most - 1)
    return sorted({values[round(i * step)] for i in range(most)})


@kit.per_workload("split", "split")
def latency_split(ctx, out, workload):
    """Latency split into submit→complete (kernel and reap, solid) and complete→resume (run-queue wait + resume: the
    task waits behind the others woken by the same reap, hatched). Log scale: the two parts differ by an order of
    magnitude. Smallest batch per backend. A part of 0 has no bar (log scale): at qd 1 no task waits behind another."""
    title = f"{workload}: where the latency goes (kernel vs run-queue wait + resume)"
    # A backend with only the kernel part (raw: it has no scheduler) still
    # draws it: it is the reference the runtime's kernel part should match.
    pts = [p for p in model.select(ctx.points, workload=workload) if p.lat_kernel]
    if not any(p.lat_sched for p in pts):
        pts = []
    if not pts:
        if model.select(ctx.points, workload=workload):
            out.skip(title, "no backend recorded lat_kernel_ns / lat_sched_ns for this workload")
        return
    bs, pts = kit.main_bs(pts)
    qds = kit.queue_depths(pts)
    lines = {}
    for p in pts:
        key = (p.backend, model.variant_of(p, ctx.dims))
        lines.setdefault(key, {})
        # Smallest batch per backend, as in the CDF: one bar group each.
        have = lines[key].get(p.qd)
        if have is None or (p.batch or 0) < (have.batch or 0):
            lines[key][p.qd] = p
    keys = sorted(lines, key=lambda k: model.backend_rank(k[0]))
    fig, axes = plt.subplots(1, 2, **kit.sized(2, width=6.0))
    mean_ax, p99_ax = axes[0]
    width = 0.8 / len(keys)
    for i, key in enumerate(keys):
        colour = style.backend_colour(key[0])
        for j, qd in enumerate(qds):
            p = lines[key].get(qd)
            if p is None:
                continue
            x = j - 0.4 + width * (i + 0.5)
            sched = p.lat_sched or {}
            k_mean, s_mean = p.lat_kernel.get("mean"), sched.get("mean")
            if k_mean is not None:
                mean_ax.bar(x, k_mean / 1e3, width, color=colour, edgecolor="black", linewidth=0.5)
            if k_mean is not None and s_mean is not None:
                mean_ax.bar(x, s_mean / 1e3, width, bottom=k_mean / 1e3, color=colour, alpha=0.45,
                            hatch="//", edgecolor="black", linewidth=0.5)
            k99, s99 = p.lat_kernel.get("p99"), sched.get("p99")
            half = width / 2
            if k99 is not None:
                p99_ax.bar(x - half / 2, k99 / 1e3, half, color=colour, edgecolor="black", linewidth=0.5)
            if s99 is not None:
                p99_ax.bar(x + half / 2, s99 / 1e3, half, color=colour, alpha=0.45, hatch="//",
                           edgecolor="black", linewidth=0.5)
    for ax in (mean_ax, p99_ax):
        ax.set_xticks(range(len(qds)), [str(q) for q in qds])
        ax.set_xlabel("queue depth")
        ax.set_ylabel("latency (µs, log scale)")
        ax.set_yscale("log")
        # Bars grow from the axis' bottom: put it under the smallest one,
        # or a log scale silently drops the short bars.
        tops = [b.get_y() + b.get_height() for b in ax.patches if b.get_height() > 0]
        if tops:
            ax.set_ylim(bottom=min(b.get_height() for b in ax.patches if b.get_height() > 0) / 2,
                        top=max(tops) * 1.5)
        kit.plain_log_axis(ax)
    mean_ax.set_title(f"mean of each part, stacked, {kit.bs_title(bs, workload)}")
    p99_ax.set_title("p99 of each part, side by side (percentiles do not add)")
    no_sched = {p.backend for p in pts if not p.lat_sched}
    handles = [Patch(color=style.backend_colour(k[0]),
                     label=style.series_label(k[0], None, k[1])
                     + (" (kernel part only)" if k[0] in no_sched else "")) for k in keys]
    handles += [Patch(facecolor="white", edgecolor="black", label="submit → complete (kernel)"),
                Patch(facecolor="white", edgecolor="black", hatch="//",
                      label="complete → resume (run-queue wait + resume)")]
    kit.finish(fig, title, handles)
    out.save(fig, title)


@kit.per_workload("ratio", "ratio")
def ratio_to_raw(ctx, out, workload):
    """Each backend's throughput divided by raw's (the bare liburing loop, timed like the runtime) at the same queue
    depth and batch: below 1.0 is the runtime's overhead; raw-bare (nothing timed) above 1.0 is what the harness's
    own timing costs. Each point is the Hodges–Lehmann ratio over the two sides' samples, its whisker the 95 %
    interval (the verdict tables' statistics); an interval that crosses 1.0 is no difference."""
    title = f"{workload}: throughput relative to raw liburing"
    pts = model.select(ctx.points, workload=workload)
    if not model.select(pts, backend="raw"):
        out.skip(title, "no raw backend results to compare with")
        return
    others = [p for p in pts if p.backend != "raw"]
    if not others:
        out.skip(title, "only the raw backend was run")
        return
    qds = kit.queue_depths(pts)
    sizes = model.distinct(pts, "bs")[:MAX_PANELS]
    fig, axes = plt.subplots(1, len(sizes), **kit.sized(len(sizes)))
    top = 1.0
    cache = {}

    def hl(p):
        # The Hodges-Lehmann ratio to raw and its 95 % interval (None
        # with one sample a side: then the median ratio, no interval).
        if id(p) not in cache:
            ref = model.reference(ctx.points, p, "raw")
            r = verdict.ratio(ref.iops_samples, p.iops_samples) if ref and ref.iops else None
            cache[id(p)] = (r, p.iops / ref.iops if ref and ref.iops else None)
        return cache[id(p)]

    def rel(p):
        r, median_ratio = hl(p)
        return r.estimate if r else median_ratio

    def band(p):
        r = hl(p)[0]
        return (r.low, r.high) if r else None
    for ax, bs in zip(axes[0], sizes):
        panel = model.select(others, bs=bs)
        drawn = kit.draw_lines(ctx, ax, panel, rel, band=band)
        drawn += [b[1] for b in map(band, panel) if b]
        if len(qds) == 1:
            # A single queue depth gives no line; markers still show the ratio.
            for p in panel:
                r = rel(p)
                if r is not None and p.qd is not None:
                    ax.plot([p.qd], [r], color=style.backend_colour(p.backend),
                            **ctx.line_style(p.batch, model.variant_of(p, ctx.dims)))
        top = max([top] + [v for v in drawn if v is not None])
        ax.axhline(1.0, color=style.backend_colour("raw"), linewidth=1.5, linestyle="--")
        ax.annotate("raw = 1.0", (0.99, 1.0), xycoords=("axes fraction", "data"), ha="right",
                    va="center", fontsize=9, color=style.backend_colour("raw"), zorder=6,
                    bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.85))
        if qds:
            kit.qd_axis(ax, qds)
        ax.set_ylabel("ops/s ÷ raw ops/s (same qd, batch)")
        ax.set_title(kit.bs_title(bs, workload))
    for ax in axes[0]:
        ax.set_ylim(0, top * 1.1)
    kit.finish(fig, title, ctx.legend_handles(others))
    out.save(fig, title)


# The qd x batch heatmap gave way to the latency-throughput figure (and the
# knee table) as the main view; heatmap_qd_batch stays for direct use.
ALL = (throughput_vs_qd, latency_vs_qd, latency_cdf, bandwidth_vs_bs, latency_split, ratio_to_raw)


def draw_all(points, figs, cdf_qds=None, knees=()):
    from . import figures_measure as measure
    ctx = Context(points, cdf_qds)
    for draw, args in ((measure.latency_throughput, (knees,)), (measure.efficiency, ()),
                       (measure.interval_log, ()), *((d, ()) for d in ALL)):
        try:
            draw(ctx, figs, *args)
        except Exception as err:  # noqa: BLE001 - one broken figure must not cost the report
            # A bug here, not bad input: say so in the report instead of a traceback.
            plt.close("all")
            figs.skip(draw.__name__.replace("_", " "),
                      f"failed to draw ({type(err).__name__}: {err}); this is a bug in scripts/urtperf",
                      draw.group)
    return figs
