"""Colours, line styles and number formats shared by every figure.

One colour per backend, the same in every figure, so a reader learns the
legend once.  The runtime gets the strong colours; baselines the muted ones.
Line style encodes the submit batch (solid = 1), marker any extra dimension.
"""

BACKEND_COLOURS = {
    "urt": "#d62728",          # red: the thing under test
    "urt-futures": "#ff7f0e",  # orange: the runtime, futures style
    "raw": "#1f77b4",          # blue: bare liburing, timed like the runtime
    "raw-bare": "#17becf",     # cyan: bare liburing, nothing timed: the kernel's limit
    "fio": "#2ca02c",          # green: the industry reference
    "threadpool": "#9467bd",   # purple
    "psync": "#7f7f7f",        # grey: the naive program
}
COLOUR_NAMES = {"#d62728": "red", "#ff7f0e": "orange", "#1f77b4": "blue", "#2ca02c": "green",
                "#9467bd": "purple", "#7f7f7f": "grey", "#8c564b": "brown", "#e377c2": "pink",
                "#bcbd22": "olive", "#17becf": "cyan"}
LINESTYLE_NAMES = {"-": "solid", "--": "dashed", ":": "dotted", "-.": "dash-dotted"}
_SPARE_COLOURS = ("#8c564b", "#e377c2", "#bcbd22")
_LINESTYLES = ("-", "--", ":", "-.")
_MARKERS = ("o", "s", "^", "D", "v", "P")

STATUS_COLOURS = {"pass": "#4c9a2a", "fail": "#c0392b", "hang": "#e67e22"}

FIGURE_DPI = 120


def backend_colour(name):
    if name in BACKEND_COLOURS:
        return BACKEND_COLOURS[name]
    # Unknown backends: stable choice from the name, so reruns agree.
    return _SPARE_COLOURS[sum(map(ord, name)) % len(_SPARE_COLOURS)]


def batch_linestyle(batch, batches):
    """Solid for the smallest batch, then dashed, dotted... in batch order."""
    if batch is None or batch not in batches:
        return "-"
    return _LINESTYLES[batches.index(batch) % len(_LINESTYLES)]


def variant_marker(variant, variants):
    if variant not in variants:
        return "o"
    return _MARKERS[variants.index(variant) % len(_MARKERS)]


def si(value, unit=""):
    """1234567 -> '1.23M': compact and readable on a slide."""
    if value is None:
        return "–"
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.3g}{suffix}{unit}"
    return f"{value:.3g}{unit}"


def size(nbytes):
    """4096 -> '4k', 1048576 -> '1m': the notation urt-bench's --bs takes."""
    if nbytes is None:
        return "n/a"
    for factor, suffix in ((1 << 30, "g"), (1 << 20, "m"), (1 << 10, "k")):
        if nbytes >= factor and nbytes % factor == 0:
            return f"{nbytes // factor}{suffix}"
    return str(nbytes)


def duration_ns(ns):
    """Latency in the unit that keeps 1-3 significant digits before the point."""
    if ns is None:
        return "–"
    if ns >= 1e9:
        return f"{ns / 1e9:.3g} s"
    if ns >= 1e6:
        return f"{ns / 1e6:.3g} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.3g} µs"
    return f"{ns:.3g} ns"


def duration_s(seconds):
    return duration_ns(None if seconds is None else seconds * 1e9)


def ratio(value):
    return "–" if value is None else f"{value:.2f}×"


def batch_label(batch):
    return "batch n/a" if batch is None else f"batch {batch}"


def qd_label(qd):
    return "qd n/a" if qd is None else f"qd {qd}"


def variant_label(variant):
    return ", ".join(f"{k}={v}" for k, v in variant)


def series_label(backend, batch, variant, show_batch=True):
    parts = [backend]
    if show_batch and batch is not None:
        parts.append(f"b={batch}")
    if variant:
        parts.append(variant_label(variant))
    return " ".join(parts)
