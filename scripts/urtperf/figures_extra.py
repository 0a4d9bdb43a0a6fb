"""Figures for the fault matrix and for hyperfine command comparisons."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from . import style, verdict
from .figset import slug

_STATUS_RANK = {"pass": 0, "fail": 1, "hang": 2}


def _injected(cell):
    counts = cell.get("faults_injected") or {}
    return sum(v for v in counts.values() if v)


NOT_EXERCISED = "not exercised"
NOT_EXERCISED_COLOUR = "#bdbdbd"


def cell_outcome(cell):
    """What a cell shows: its status, except that a pass with no fault
    injected proves nothing about the fault path: "not exercised" (grey),
    never a green pass.  A failure stays a failure however many faults."""
    if cell["status"] == "pass" and _injected(cell) == 0:
        return NOT_EXERCISED
    return cell["status"]


def outcome_colour(outcome):
    return NOT_EXERCISED_COLOUR if outcome == NOT_EXERCISED else style.STATUS_COLOURS[outcome]


def fault_matrix(doc, figs, group="faults"):
    """Fault point × workload grids coloured by outcome, one panel per probability."""
    title = "Fault matrix: outcome per fault point and workload"
    cells = doc["cells"]
    # The order the suite ran them in (its own, meaningful order), duplicates dropped.
    points = list(dict.fromkeys(c["point"] for c in cells))
    workloads = list(dict.fromkeys(c["workload"] for c in cells))
    probabilities = sorted({c.get("probability") for c in cells}, key=lambda p: -1 if p is None else p)
    # Several cells can share a place (different failnum): show the worst outcome
    # and count them all.
    worst, runs = {}, {}
    for c in cells:
        key = (c["point"], c["workload"], c.get("probability"))
        runs[key] = runs.get(key, 0) + 1
        have = worst.get(key)
        if have is None or _STATUS_RANK[c["status"]] > _STATUS_RANK[have["status"]]:
            worst[key] = c
    ncols = min(len(probabilities), 2)
    nrows = -(-len(probabilities) // ncols)
    width = 1.05 * len(workloads) + 2.2
    height = 0.42 * len(points) + 1.0
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols + 1.2, height * nrows + 1.2), squeeze=False)
    for ax in axes.flat[len(probabilities):]:
        ax.set_visible(False)
    for ax, prob in zip(axes.flat, probabilities):
        for i, point in enumerate(points):
            for j, workload in enumerate(workloads):
                cell = worst.get((point, workload, prob))
                if cell is None:
                    ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, color="#eeeeee"))
                    ax.text(j, i, "not run", ha="center", va="center", fontsize=8, color="grey")
                    continue
                outcome = cell_outcome(cell)
                ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, alpha=0.85, linewidth=1,
                                           facecolor=outcome_colour(outcome), edgecolor="white"))
                label = style.si(_injected(cell))
                if outcome == NOT_EXERCISED:
                    label = "not\nexercised"
                elif cell["status"] != "pass":
                    label = f"{cell['status'].upper()}\n{label}"
                n = runs[(point, workload, prob)]
                if n > 1:
                    label += f" ({n} runs)"
                ax.text(j, i, label, ha="center", va="center", fontsize=8, color="white", fontweight="bold")
        ax.set_xlim(-0.5, len(workloads) - 0.5)
        ax.set_ylim(len(points) - 0.5, -0.5)
        ax.set_xticks(range(len(workloads)), workloads, fontsize=9)
        ax.set_yticks(range(len(points)), points, fontsize=9)
        ax.set_title(("probability not recorded" if prob is None else f"probability {prob:g}")
                     + ": faults injected per cell")
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(False)
    handles = [Patch(color=outcome_colour(s), label=s) for s in ("pass", "fail", "hang", NOT_EXERCISED)]
    if any(ax.texts and any(t.get_text() == "not run" for t in ax.texts) for ax in axes.flat):
        handles.append(Patch(color="#eeeeee", label="not run (no such cell in the matrix)"))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), bbox_to_anchor=(0.5, 0.0))
    fig.suptitle(title, fontweight="bold")
    fig.tight_layout(rect=(0, 0.05, 1, 0.96))
    figs.save(fig, "faults_matrix.png", title,
              "One panel per fault probability; each cell is one fault point run against one workload, "
              "labelled with the number of faults injected. Green: faults injected, data verified, nothing lost "
              "or doubled; red: a check failed; orange: the watchdog saw no progress; grey: passed with no "
              "fault injected, so the fault path was not exercised.", group)


def _command_label(result, width=48):
    params = result.get("parameters")
    if isinstance(params, dict) and params:
        return ", ".join(f"{k}={v}" for k, v in params.items())
    command = result["command"]
    return command if len(command) <= width else command[:width - 1] + "…"


def hyperfine_comparison(doc, name, figs, group="hyperfine"):
    """Mean wall time per command with ±σ and every run as a dot; fastest on top."""
    results = sorted(doc["results"], key=lambda r: r["mean"])
    title = f"hyperfine: {name}"
    fig, ax = plt.subplots(figsize=(11, 1.0 + 0.75 * len(results) + 1.0))
    fastest = results[0]["mean"] or None
    ys = np.arange(len(results))
    means = [r["mean"] * 1e3 for r in results]
    errs = [(r.get("stddev") or 0) * 1e3 for r in results]
    colours = ["#d62728" if r["command"].lstrip().startswith(("urt", "./urt")) or "/urt-" in r["command"]
               else "#7f7f7f" for r in results]
    ax.barh(ys, means, xerr=errs, color=colours, alpha=0.8, capsize=4, height=0.6)
    rng = np.random.default_rng(0)
    for y, r in zip(ys, results):
        times = [t * 1e3 for t in r.get("times") or ()]
        if times:
            ax.scatter(times, y + rng.uniform(-0.18, 0.18, len(times)), s=10, color="black", alpha=0.5,
                       zorder=3)
        rel = (f" ({verdict.relative_text(results[0].get('times'), r.get('times'), r['mean'] / fastest)})"
               if fastest else "")
        sd = f" ± {r['stddev'] * 1e3:.2f}" if r.get("stddev") is not None else ""
        # Beside the bar's end (past its whisker and dots), in black: inside a
        # short bar white text ran into the next bar's label.
        end = max([r["mean"] * 1e3 + (r.get("stddev") or 0) * 1e3] + [t * 1e3 for t in r.get("times") or ()])
        ax.annotate(f"{r['mean'] * 1e3:.2f}{sd} ms{rel}", (end, y), xytext=(6, 0), textcoords="offset points",
                    va="center", fontsize=10, color="black")
    ax.set_yticks(ys, [_command_label(r) for r in results])
    ax.invert_yaxis()
    ax.set_xlabel("wall time per run (ms); bar = mean ± σ, dots = individual runs")
    ax.set_title(title, fontweight="bold")
    longest = max(means + [t * 1e3 for r in results for t in (r.get("times") or ())])
    ax.set_xlim(0, longest * 1.7 if longest > 0 else 1.0)   # room for the labels; all-zero: still valid
    fig.tight_layout()
    figs.save(fig, f"hyperfine_{slug(name)}.png", title,
              "Whole-command wall time measured by hyperfine; the runtime's command in red. In brackets: "
              "the run time over the fastest command's, Hodges–Lehmann over the runs, with its 95 % "
              "interval.", group)
