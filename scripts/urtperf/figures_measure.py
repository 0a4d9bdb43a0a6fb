"""The figures that explain a result rather than show it: latency against
throughput with the knee (the main figure), efficiency (CPU, syscalls,
SQEs per syscall) and stability over time (--interval-log)."""

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

from . import figkit as kit
from . import intervals, model, style

PCTS = (("p50", "p50"), ("p99", "p99"), ("p999", "p99.9"))


@kit.per_workload("main", "latthr")
def latency_throughput(ctx, out, workload, knees):
    """Each point is one queue depth (labelled) of one backend and batch; going right along a line adds queue depth. Up
    means slower operations, right means more of them. The star is the knee: the smallest configuration within 95 %
    of that backend's peak, past which more depth buys latency, not throughput. Percentiles from the histogram
    merged over all samples; throughput axis from zero."""
    pts = [p for p in model.select(ctx.points, workload=workload) if p.lat and p.qd is not None]
    title = f"{workload}: latency against achieved throughput"
    if len({p.qd for p in pts}) < 2:
        out.skip(title, "needs latency at two or more queue depths")
        return
    bs, pts = kit.main_bs(pts)
    knee_pts = {id(k.knee) for k in knees}
    fig, axes = plt.subplots(1, len(PCTS), **kit.sized(len(PCTS), width=4.6))
    for ax, (key, label) in zip(axes[0], PCTS):
        for (backend, batch, variant), line in model.series(pts, ctx.dims).items():
            line = [p for p in line if p.lat.get(key)]
            if not line:
                continue
            colour = style.backend_colour(backend)
            ax.plot([p.iops for p in line], [p.lat[key] for p in line], color=colour,
                    **ctx.line_style(batch, variant))
            for p in line:
                ax.annotate(str(p.qd), (p.iops, p.lat[key]), xytext=(3, 3), textcoords="offset points",
                            fontsize=7, color=colour)
                if id(p) in knee_pts:
                    ax.plot([p.iops], [p.lat[key]], marker="*", markersize=15, color=colour,
                            markeredgecolor="black", linestyle="none", zorder=5)
        ax.set_yscale("log")
        kit.ns_axis(ax)
        ax.set_xlim(left=0)
        kit.si_axis(ax, axis="x")
        ax.set_xlabel("achieved throughput (ops/s)")
        ax.set_ylabel(f"{label} latency")
        ax.set_title(f"{label}, {kit.bs_title(bs, workload)}")
    handles = ctx.legend_handles(pts) + [Line2D([], [], marker="*", markersize=12, color="grey",
                                                markeredgecolor="black", linestyle="none",
                                                label="knee (95 % of peak)")]
    kit.finish(fig, title, handles)
    out.save(fig, title)


@kit.per_workload("efficiency", "efficiency")
def efficiency(ctx, out, workload):
    """Left: operations completed per second of the worker thread's CPU time (user + system), which a loaded machine
    disturbs less than wall-clock throughput. Middle: io_uring_enter calls per operation (1 at batch 1 whatever the
    queue depth: this is why batch-1 curves stay flat). Right: SQEs submitted per call, the batching actually
    achieved. Backends without a ring (psync) have no syscall count here. In the middle and right panels lines that
    coincide are drawn widest-first, so each shows as a border around the next."""
    pts = [p for p in model.select(ctx.points, workload=workload) if p.qd is not None]
    title = f"{workload}: efficiency against queue depth and batch"
    if len({p.qd for p in pts}) < 2:
        out.skip(title, "needs two or more queue depths")
        return
    bs, pts = kit.main_bs(pts)
    qds = kit.queue_depths(pts)
    panels = (("ops per CPU-second", lambda p: p.ops_per_cpu_s, False),
              ("syscalls per operation", lambda p: p.syscalls_per_op, True),
              ("SQEs per syscall", lambda p: p.sqes_per_enter, True))
    fig, axes = plt.subplots(1, 3, **kit.sized(3, width=4.6))
    for ax, (label, value, log) in zip(axes[0], panels):
        drawn = kit.draw_lines(ctx, ax, [p for p in pts if value(p) is not None], value)
        lines = ax.get_lines() if log else []
        for i, line in enumerate(lines):
            # Backends often coincide here (every ring backend makes one
            # call per batch): the first drawn is the widest, so a line
            # hidden under another still shows as its border.
            line.set_linewidth(1.5 + 5.0 * (len(lines) - 1 - i) / max(1, len(lines) - 1))
        kit.qd_axis(ax, qds)
        if log and drawn:
            ax.set_yscale("log", base=2)
            ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _p: f"{v:g}"))
        else:
            ax.set_ylim(bottom=0)
            kit.si_axis(ax)
        ax.set_ylabel(label)
        ax.set_title(f"{label}, {kit.bs_title(bs, workload)}")
    kit.finish(fig, title, ctx.legend_handles(pts))
    out.save(fig, title)


@kit.per_workload("stability", "intervals")
def interval_log(ctx, out, workload):
    """One thin line per sample of each backend's peak configuration: a line that climbs shows warm-up left in the
    window, a dip shows the machine taking the CPU away (other processes, throttling). An interval's p99 comes from
    its histogram merged over the threads, the same definition as every other percentile here. Samples that disagree
    here disagree in the verdicts too."""
    pts = model.select(ctx.points, workload=workload)
    title = f"{workload}: throughput and p99 over time at each backend's peak"
    peaks = []
    for backend in model.backends(pts):
        best = model.peak(model.select(pts, backend=backend))
        series = [intervals.parse(i) for i in best.intervals if i]
        series = [s for s in series if s and s.t_s]
        if series:
            peaks.append((best, series))
    if not peaks:
        if any(p.intervals and any(p.intervals) for p in pts) or pts:
            out.skip(title, "no interval log (urt-bench --interval-log MS) in these results")
        return
    fig, axes = plt.subplots(1, 2, **kit.sized(2, width=6.0))
    ops_ax, p99_ax = axes[0]
    handles = []
    for best, series in peaks:
        colour = style.backend_colour(best.backend)
        for s in series:
            ops_ax.plot([t * 1e3 for t in s.t_s], s.ops_s, color=colour, alpha=0.6, linewidth=1.2,
                        marker=".")
            ts = [t * 1e3 for t, v in zip(s.t_s, s.p99_ns) if v]
            if ts:
                p99_ax.plot(ts, [v for v in s.p99_ns if v], color=colour, alpha=0.6, linewidth=1.2,
                            marker=".")
        handles.append(Line2D([], [], color=colour, linewidth=2,
                              label=f"{best.backend} ({style.qd_label(best.qd)}, "
                                    f"{style.batch_label(best.batch)}, {len(series)} samples)"))
    ops_ax.set_ylim(bottom=0)
    kit.si_axis(ops_ax)
    ops_ax.set_ylabel("ops/s in the interval")
    p99_ax.set_yscale("log")
    kit.ns_axis(p99_ax)
    p99_ax.set_ylabel("p99 in the interval")
    for ax in (ops_ax, p99_ax):
        ax.set_xlabel("time since the timed window opened (ms)")
    ms = peaks[0][1][0].ms
    ops_ax.set_title(f"throughput per {ms} ms interval")
    p99_ax.set_title(f"p99 per {ms} ms interval (raw-bare: none, it times nothing)")
    kit.finish(fig, title, handles, ncol=3)
    out.save(fig, title)
