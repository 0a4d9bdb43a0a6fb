"""The report's "History" section, when report.py is given --history STORE.

load() reads the results store (scripts/urtperf/store.py) and runs the change
point detector before the report writes anything, so a bad store is one line
and exit 2 like any other bad input; section() draws the trend figures of the
tracked metrics and returns the section: what the store holds, the figures,
and the change points with commit, magnitude and p-value.
"""

from dataclasses import dataclass

from .blocks import Image, Note, Para, Section, Table

GROUP = "history"


@dataclass
class History:
    where: str
    runs: int
    results: int
    series: list
    found: list
    judged: int
    too_short: int
    params: dict


def load(db):
    from . import detect, series
    from .store import Store
    with Store(db, option="--history") as store:
        runs, results = store.count("urt_runs"), store.count("urt_results")
        chosen = series.build(store.result_rows(metrics=series.TRACKED))
        where = store.where()
    p = detect.DEFAULTS
    found, judged, too_short = detect.run(chosen, p["alpha"], p["permutations"], p["min_size"], p["last"],
                                          seed=p["seed"])
    return History(where, runs, results, chosen, found, judged, too_short, p)


def section(history, figs):
    from . import detect, series, trends
    sec = Section("history", "History")
    h = history
    hosts = sorted({s.host for s in h.series})
    sec.add(Para(f"Results store {h.where}: {h.runs} runs, {h.results} results; "
                 f"{len(h.series)} series of the tracked metrics on {len(hosts)} host(s) "
                 f"({', '.join(hosts) or 'none'}). Each point is one run (median of its repeats), the band "
                 "the min..max of those repeats; dashed lines are change points. Commands: "
                 "scripts/urtperf.sh history add|plot|detect."))
    if not h.series:
        sec.add(Note("The store holds none of the tracked metrics yet: add runs with "
                     "scripts/urtperf.sh history add results/<ts>/."))
        return sec
    cps = {}
    for f in h.found:
        cps.setdefault(f.series.key, []).append(f.cp)
    for metric in series.TRACKED:
        group = [s for s in h.series if s.metric == metric]
        if not group:
            figs.skip(f"history: {metric}", "no run in the store has this metric", GROUP)
            continue
        fig, left_out = trends.figure(metric, group, change_points=cps)
        caption = (f"{series.LABELS.get(metric, metric)} over commits"
                   + (f"; {left_out} more configurations not drawn (scripts/urtperf.sh history plot "
                      "--config REGEX)" if left_out else ""))
        figs.save(fig, trends.file_name(metric), f"history: {series.LABELS.get(metric, metric)}",
                  caption, GROUP)
    made, skipped = figs.in_group(GROUP)
    for fig in made:
        sec.add(Image(fig))
    for s in skipped:
        sec.add(Note(f"Skipped “{s.title}”: {s.reason}."))
    p = h.params
    sec.add(Para(f"Change points: E-Divisive means with a permutation test (alpha {p['alpha']:g}, "
                 f"{p['permutations']} permutations, at least {p['min_size']} runs each side); "
                 f"{h.judged} series checked, {h.too_short} too short to judge. "
                 f"'recent' means within the last {p['last']} commits of the series."))
    if h.found:
        sec.add(Table(detect.HEADERS, detect.rows(h.found), caption="change points",
                      collapsed=len(h.found) > 20))
    else:
        sec.add(Note("No change point found." if h.judged else
                     f"No series has the {2 * p['min_size']} runs needed to judge."))
    return sec
