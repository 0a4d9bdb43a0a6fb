"""Store rows grouped into series: one per (host, metric, source, configuration).

A point is one run: the median of its repeats, with their min and max (the
noise band).  Points are ordered by the commit's date when the repository knew
the commit at import time, else by the run's date: a replay of an old commit
goes where the commit is, not where the replay ran.
"""

import statistics
from dataclasses import dataclass, field

# The metrics `history plot` draws by default (ops/s, p99, instructions/op,
# ratio to raw); `--metric` picks any other the store holds.
TRACKED = ("ops_per_s", "p99_ns", "instructions_per_op", "ratio_to_raw")
LABELS = {
    "ops_per_s": "ops/s",
    "p99_ns": "p99 latency (ns)",
    "instructions_per_op": "instructions per operation",
    "ratio_to_raw": "ops/s ÷ raw's (same run)",
    "gate_ratio": "ratio gate value",
    "wall_s": "wall time (s)",
}


@dataclass
class Point:
    run_id: int
    commit: str
    when: str
    median: float
    low: float
    high: float
    n: int


@dataclass
class Series:
    host: str
    metric: str
    source: str
    config: str
    unit: str
    better: str
    points: list = field(default_factory=list)

    @property
    def key(self):
        return (self.host, self.metric, self.source, self.config)

    @property
    def name(self):
        return f"{self.metric} {self.config} @ {self.host}"

    def values(self):
        return [p.median for p in self.points]


def _short(commit):
    return (commit or "?")[:12]


def build(rows):
    """rows from Store.result_rows() -> [Series], sorted by name."""
    groups = {}
    for source, metric, config, unit, better, value, run_id, git, started, ctime, host in rows:
        key = (host or "?", metric, source, config)
        entry = groups.get(key)
        if entry is None:
            entry = groups[key] = (Series(key[0], metric, source, config, unit or "", better or "higher"), {})
        runs = entry[1]
        run = runs.get(run_id)
        if run is None:
            run = runs[run_id] = [_short(git), ctime or started or "", []]
        run[2].append(value)
    out = []
    for series, runs in groups.values():
        for run_id, (commit, when, values) in runs.items():
            series.points.append(Point(run_id, commit, when, statistics.median(values),
                                       min(values), max(values), len(values)))
        series.points.sort(key=lambda p: (p.when, p.run_id))
        out.append(series)
    out.sort(key=lambda s: (s.metric, s.source, s.config, s.host))
    return out


UNKNOWN_COMMITS = {"", "?", "unknown", "none"}


def commit_known(commit):
    return (commit or "").strip().lower() not in UNKNOWN_COMMITS


def recent_indices(series, n):
    """Indices of the points in the last n commits of a series, in its order.

    A run without a known commit (git 'unknown', or none recorded) counts as
    a commit of its own: otherwise every such run shares one 'commit' and a
    change point far back would always be 'in the last 1 commits'."""
    seen, out = [], set()
    for i in range(len(series.points) - 1, -1, -1):
        p = series.points[i]
        ident = p.commit if commit_known(p.commit) else ("run", p.run_id)
        if ident not in seen:
            if len(seen) == n:
                break
            seen.append(ident)
        out.add(i)
    return out
