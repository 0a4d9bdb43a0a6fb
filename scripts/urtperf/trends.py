"""Trend figures: each metric over commits, per host, with the noise band.

One PNG per metric (history_<metric>.png), one panel per configuration, one
colour per host.  The line is each run's median over its repeats; the shaded
band is the min..max of those repeats (how much the same run disagreed with
itself); a dashed vertical line marks a change point when detection ran.
The x axis is the commit order shared by all hosts, labelled with short hashes.
"""

import re
from pathlib import Path

from .series import LABELS

HOST_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#7f7f7f")
COLUMNS = 3


def file_name(metric):
    return f"history_{re.sub(r'[^A-Za-z0-9_]+', '-', metric)}.png"


def commit_order(series_list):
    """commit -> x position: commits sorted by the earliest date any run of them has."""
    first = {}
    for s in series_list:
        for p in s.points:
            key = (p.when, p.run_id)
            if p.commit not in first or key < first[p.commit]:
                first[p.commit] = key
    return {c: i for i, c in enumerate(sorted(first, key=first.get))}


def pick_panels(series_list, max_panels, change_points=None):
    """Configurations to draw and how many were left out: those with a change
    point first, then those with most runs, then by name."""
    by_config = {}
    for s in series_list:
        by_config.setdefault((s.source, s.config), []).append(s)
    cps = change_points or {}
    ranked = sorted(by_config, key=lambda k: (not any(cps.get(s.key) for s in by_config[k]),
                                              -max(len(s.points) for s in by_config[k]), k))
    return [(k, by_config[k]) for k in ranked[:max_panels]], max(0, len(ranked) - max_panels)


def draw(metric, series_list, path, max_panels=6, change_points=None, title=None):
    """Draw one metric's figure to path (written aside, then renamed); return panels left out."""
    import matplotlib.pyplot as plt
    fig, left_out = figure(metric, series_list, max_panels, change_points, title)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    # Light PNG compression: encoding was a good part of the time at 10^5 results.
    fig.savefig(tmp, dpi=80, format="png", pil_kwargs={"compress_level": 1})
    plt.close(fig)
    tmp.replace(path)
    return left_out


def figure(metric, series_list, max_panels=6, change_points=None, title=None):
    """The matplotlib figure of one metric, and how many configurations it left out."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels, left_out = pick_panels(series_list, max_panels, change_points)
    order = commit_order([s for _, group in panels for s in group])
    hosts = sorted({s.host for _, group in panels for s in group})
    colour = {h: HOST_COLOURS[i % len(HOST_COLOURS)] for i, h in enumerate(hosts)}
    ncols = min(COLUMNS, len(panels))
    nrows = -(-len(panels) // ncols)
    # Shared x (one commit order): only the bottom row carries commit labels.
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols + 0.8, 3.4 * nrows + 1.4), squeeze=False,
                             sharex=True)
    ticks = sorted(order.items(), key=lambda kv: kv[1])
    step = max(1, len(ticks) // 6)
    shown = ticks[::step]
    for ax, ((source, config), group) in zip(axes.flat, panels):
        for s in group:
            xs = [order[p.commit] for p in s.points]
            ax.fill_between(xs, [p.low for p in s.points], [p.high for p in s.points],
                            color=colour[s.host], alpha=0.25, linewidth=0, step=None)
            ax.plot(xs, [p.median for p in s.points], color=colour[s.host], linewidth=1.2,
                    marker="." if len(xs) <= 60 else None, label=s.host)
            for cp in (change_points or {}).get(s.key, []):
                ax.axvline(order[s.points[cp.index].commit], color=colour[s.host], linestyle="--",
                           linewidth=1)
        ax.set_title(config if len(config) <= 48 else config[:45] + "...", fontsize=9)
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    for ax in axes[-1] if len(panels) % ncols == 0 else list(axes.flat)[len(panels) - ncols:len(panels)]:
        ax.xaxis.set_tick_params(labelbottom=True)
        ax.set_xticks([x for _, x in shown])
        ax.set_xticklabels([c[:7] for c, _ in shown], rotation=45, ha="right", fontsize=7)
        ax.set_xlabel("commit", fontsize=8)
    unit = series_list[0].unit if series_list else ""
    label = LABELS.get(metric) or (metric + (f" [{unit}]" if unit else ""))  # LABELS carry their units
    fig.suptitle(title or f"{label} over commits (line: median of a run's repeats; band: their min..max)",
                 fontsize=11)
    handles = [plt.Line2D([], [], color=colour[h], linewidth=3, label=h) for h in hosts]
    fig.legend(handles=handles, loc="upper right", ncol=min(len(hosts), 6), frameon=False,
               title="host", fontsize=8, title_fontsize=8)
    # Fixed margins: tight_layout measures every label and took most of the time.
    height = 3.4 * nrows + 1.4
    fig.subplots_adjust(left=0.07, right=0.98, top=1 - 0.8 / height, bottom=1.0 / height,
                        hspace=0.35, wspace=0.28)
    return fig, left_out
