"""Change points over every series of the store, and what they mean for CI.

A change point is a regression when the metric moved the wrong way (ops/s or a
ratio down, latency, instructions or wall time up).  `history detect` exits 1
when a regression change point starts within the last N commits of its series,
0 when every series with enough points was checked and none does, 2 when no
series had enough points to judge (fewer than 2 x --min-size runs).

A change can only be seen once min_size runs after it show it: with the
default min size 5, a regression at the newest commit is reported 4 runs later.
So --last should be at least --min-size (default 10).

"The last N commits" are the last N distinct commits of the series in date
order; a run without a known commit (git 'unknown' or missing: a folder
outside a git checkout) counts as one commit of its own, so N is then
counted in runs.
"""

from dataclasses import dataclass

from . import edivisive
from .series import recent_indices

DEFAULTS = {"alpha": 0.01, "permutations": 199, "min_size": 5, "last": 10, "seed": 1}


@dataclass
class Found:
    series: object
    cp: object
    before: float        # median of the segment before
    after: float         # median of the segment after
    change: float        # (after - before) / before, or None when before is 0
    regression: bool
    recent: bool         # within the last N commits of its series
    commit: str
    previous: str


def run(series_list, alpha, permutations, min_size, last, min_change=0.0, seed=1):
    """Returns (found, judged, too_short): every change point, and the series counts."""
    found, judged, too_short = [], 0, 0
    for s in series_list:
        values = s.values()
        if len(values) < 2 * min_size:
            too_short += 1
            continue
        judged += 1
        cps = edivisive.e_divisive(values, alpha, permutations, min_size, seed)
        segs = edivisive.segment_medians(values, cps)
        recent = recent_indices(s, last)
        for i, cp in enumerate(cps):
            before, after = segs[i][2], segs[i + 1][2]
            change = (after - before) / abs(before) if before else None
            worse = after < before if s.better == "higher" else after > before
            big = change is None or abs(change) >= min_change
            commit = s.points[cp.index].commit
            found.append(Found(s, cp, before, after, change, worse and big, cp.index in recent,
                               commit, s.points[cp.index - 1].commit))
    return found, judged, too_short


def status(found, judged):
    if judged == 0:
        return 2
    return 1 if any(f.regression and f.recent for f in found) else 0


def fmt_value(v):
    if abs(v) >= 1e5:
        return f"{v:,.0f}"
    return f"{v:.4g}"


def rows(found):
    out = []
    for f in found:
        s = f.series
        change = f"{f.change * 100:+.1f} %" if f.change is not None else f"{f.after - f.before:+g}"
        verdict = ("REGRESSION" if f.regression else
                   ("improvement" if (f.after > f.before) == (s.better == "higher") else "change"))
        if f.regression and f.recent:
            verdict += " (recent)"
        out.append([s.metric, s.config, s.host, f"{f.previous}..{f.commit}", f"{f.cp.index}/{len(s.points)}",
                    fmt_value(f.before), fmt_value(f.after), change, f"{f.cp.p_value:.3f}", verdict])
    return out


HEADERS = ["metric", "configuration", "host", "commits", "at point", "before (median)", "after (median)",
           "change", "p-value", "verdict"]
