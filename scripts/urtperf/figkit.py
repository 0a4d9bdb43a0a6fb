"""Shared drawing kit for the bench figures: the look, the axes, the lines.

Every figure goes through these helpers so that all of them agree: one colour
per backend, line style per batch, queue depth on a log2 axis with the actual
depths as ticks, log value axes only when the data span decades, units on
every axis, and a legend below the panels that wraps instead of running off.
"""

import functools
import inspect

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter, NullLocator

from . import model, style
from .figset import slug

plt.rcParams.update({
    "font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11, "figure.titlesize": 14,
    "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
    "legend.fontsize": 10, "legend.frameon": False,
})

PERCENTILES = (("p50", "p50 (median)"), ("p99", "p99"), ("p999", "p99.9"))
# When values span more than this factor, a log axis shows them better.
LOG_SPAN = 20.0
MAX_PANELS = 4


class Context:
    """What every figure needs to draw consistently across the whole report."""

    def __init__(self, points, cdf_qds=None):
        self.points = points
        self.dims = model.varying_dims(points)
        self.batches = [b for b in model.distinct(points, "batch") if b is not None]
        self.variants = sorted({model.variant_of(p, self.dims) for p in points}, key=model.variant_sort_key)
        self.cdf_qds = cdf_qds

    def line_style(self, batch, variant):
        return dict(linestyle=style.batch_linestyle(batch, self.batches),
                    marker=style.variant_marker(variant, self.variants), markersize=5,
                    linewidth=2)

    def legend_handles(self, points, show_batch=True):
        flat = {p.backend for p in points if p.qd is None}
        handles = [Line2D([], [], color=style.backend_colour(b), linewidth=3, marker="D", markersize=8,
                          markeredgecolor="black", linestyle="none", label=f"{b} (one at a time, at qd 1)")
                   if b in flat else
                   Line2D([], [], color=style.backend_colour(b), linewidth=3, label=b)
                   for b in model.backends(points)]
        present = [b for b in self.batches if any(p.batch == b for p in points)]
        if show_batch and len(present) > 1:
            handles += [Line2D([], [], color="black", label=f"batch {b}",
                               linestyle=style.batch_linestyle(b, self.batches)) for b in present]
        if len(self.variants) > 1:
            handles += [Line2D([], [], color="black", linestyle="none", label=style.variant_label(v),
                               marker=style.variant_marker(v, self.variants)) for v in self.variants]
        return handles


def sized(ncols, nrows=1, width=5.0, height=4.0):
    return dict(figsize=(width * ncols + 1.0, height * nrows + 1.3), squeeze=False)


def finish(fig, title, handles, ncol=None):
    fig.suptitle(title, fontweight="bold")
    bottom = 0.0
    if handles:
        # About 1.8 inches per legend entry: wrap rather than run off the figure.
        width = fig.get_size_inches()[0]
        ncol = ncol or max(1, min(len(handles), int(width / 1.8)))
        rows = -(-len(handles) // ncol)
        fig.legend(handles=handles, loc="lower center", ncol=ncol, bbox_to_anchor=(0.5, 0.0))
        bottom = (0.045 + 0.04 * rows) * 5.3 / fig.get_size_inches()[1]
    fig.tight_layout(rect=(0, min(bottom, 0.4), 1, 0.97))


def log_if_wide(ax, values, axis="y"):
    values = [v for v in values if v is not None and v > 0]
    if values and max(values) / min(values) > LOG_SPAN:
        (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
        target = ax.yaxis if axis == "y" else ax.xaxis
        # 1-2-5 steps: enough labelled ticks even when the data span 1.5 decades.
        target.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        target.set_minor_formatter(NullFormatter())
        return True
    return False


def si_axis(ax, unit="", axis="y"):
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _pos: style.si(v, unit)))


def ns_axis(ax, axis="y"):
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _pos: style.duration_ns(v)))
    if target.get_scale() == "log":
        # Under a decade there is no major tick: matplotlib labels the minor
        # ones in scientific notation (8×10^4) unless told otherwise.
        target.set_minor_formatter(FuncFormatter(lambda v, _pos: style.duration_ns(v) if _few_decades(target)
                                                 else ""))


def plain_log_axis(ax, axis="y"):
    """Tick labels as plain numbers (30, 40, 60) on a log axis, never 6×10^1."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    target.set_minor_formatter(FuncFormatter(lambda v, _pos: f"{v:g}" if _few_decades(target) else ""))


def _few_decades(target):
    lo, hi = target.get_view_interval()
    return lo > 0 and hi / lo < 10


def qd_axis(ax, qds):
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_locator(FixedLocator(qds))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.set_xlabel("queue depth (operations in flight)")
    if len(qds) > 1:
        ax.set_xlim(qds[0] / 1.3, qds[-1] * 1.3)


def size_axis(ax, sizes):
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_locator(FixedLocator(sizes))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: style.size(int(round(v)))))
    ax.set_xlabel("buffer size (bytes per operation)")


def draw_lines(ctx, ax, points, value, band=None):
    """One line per (backend, batch, variant) against qd; qd-less backends as flat lines."""
    drawn = []
    for (backend, batch, variant), line in model.series(points, ctx.dims).items():
        colour = style.backend_colour(backend)
        with_qd = [p for p in line if p.qd is not None and value(p) is not None]
        without_qd = [p for p in line if p.qd is None and value(p) is not None]
        if with_qd:
            xs = [p.qd for p in with_qd]
            ax.plot(xs, [value(p) for p in with_qd], color=colour, **ctx.line_style(batch, variant))
            drawn += [value(p) for p in with_qd]
            if band and any(p.samples > 1 for p in with_qd):
                # Whiskers, not shaded bands: with eight lines, overlapping
                # bands turn into one grey cloud; whiskers stay attributable.
                ys = [value(p) for p in with_qd]
                lo, hi = zip(*(band(p) or (value(p), value(p)) for p in with_qd))
                ax.errorbar(xs, ys, yerr=[[y - a for y, a in zip(ys, lo)], [b - y for y, b in zip(ys, hi)]],
                            fmt="none", ecolor=colour, elinewidth=1.2, capsize=3, alpha=0.6)
        for p in without_qd:
            # psync has no queue depth: one operation at a time, so one
            # marker at the smallest depth, never a line across deeper ones.
            x = min((q.qd for q in points if q.qd is not None), default=1)
            ax.plot([x], [value(p)], color=colour, marker="D", markersize=9, linestyle="none",
                    markeredgecolor="black")
            drawn.append(value(p))
            if band and p.samples > 1 and band(p):
                lo, hi = band(p)
                ax.errorbar([x], [value(p)], yerr=[[value(p) - lo], [hi - value(p)]], fmt="none",
                            ecolor=colour, elinewidth=1.2, capsize=3, alpha=0.6)
    return drawn


def queue_depths(points):
    return [q for q in model.distinct(points, "qd") if q is not None]


def bs_title(bs, workload):
    return "no buffer" if workload == "nop" else f"bs {style.size(bs)}"


def main_bs(points):
    """(bs, the points at bs) for the buffer size with the most configurations;
    ties: the smallest."""
    sizes = model.distinct(points, "bs")
    bs = max(sizes, key=lambda b: (len(model.select(points, bs=b)), -(b or 0))) if sizes else None
    return bs, model.select(points, bs=bs)


class _Out:
    """Where one workload's figure goes: saved, or a skip note saying why not."""

    def __init__(self, figs, group, name, caption):
        self.figs, self.group, self.name, self.caption = figs, group, name, caption

    def save(self, fig, title):
        self.figs.save(fig, self.name, title, self.caption, self.group)

    def skip(self, title, reason):
        self.figs.skip(title, reason, self.group)


def per_workload(group, prefix):
    """A figure kind drawn once per workload: draw(ctx, out, workload, *args)
    draws one and calls out.save(fig, title) or out.skip(title, reason).  It
    is saved as PREFIX_<workload>.png in the report's group, with draw's
    docstring as its caption.  The decorated function takes (ctx, figs, *args)."""
    def wrap(draw):
        caption = " ".join(inspect.cleandoc(draw.__doc__).split("\n"))

        @functools.wraps(draw)
        def each(ctx, figs, *args):
            for workload in model.workloads(ctx.points):
                draw(ctx, _Out(figs, group, f"{prefix}_{slug(workload)}.png", caption), workload, *args)
        each.group = group
        return each
    return wrap
