"""The report's verdicts (Hodges-Lehmann ratios with 95 % intervals), the
fault matrix's "not exercised" cells and the interval-log parser."""

import copy
import json
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(SCRIPTS))
sys.dont_write_bytecode = True

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from urtperf import intervals, model, sections, sections_measure, verdict  # noqa: E402
from urtperf.cli import InputError  # noqa: E402
from urtperf.figset import FigureSet  # noqa: E402

# Five samples with a few percent of noise, as the default sweep gives.
BASE = [100.0, 103.0, 98.0, 101.5, 99.0]


def results(backend, samples, qd=32, batch=32, workload="nop"):
    return [{"backend": backend, "workload": workload, "qd": qd, "batch": batch, "bs": 0, "iops": v,
             "lat_ns": {"p99": 1000}, "repeat": i} for i, v in enumerate(samples)]


# ---- verdict computation ----

def test_planted_ten_percent_is_found_with_the_right_sign():
    faster = [v * 1.10 for v in BASE]
    r = verdict.ratio(BASE, faster)
    assert r.decision == "b faster"
    assert r.estimate == pytest.approx(1.10, rel=0.01)
    assert r.low > 1.0 and r.low <= 1.10 <= r.high
    # The other way round: the same 10 %, the other sign.
    back = verdict.ratio(faster, BASE)
    assert back.decision == "a faster"
    assert back.estimate == pytest.approx(1 / 1.10, rel=0.01) and back.high < 1.0


def test_identical_inputs_give_no_difference():
    r = verdict.ratio(BASE, list(BASE))
    assert r.decision == "no difference"
    assert r.low <= 1.0 <= r.high and r.estimate == pytest.approx(1.0)
    same = verdict.ratio([5.0] * 5, [5.0] * 5)
    assert same.decision == "no difference" and same.estimate == pytest.approx(1.0)


def test_one_sample_gives_no_interval():
    assert verdict.ratio([100.0], [110.0, 111.0]) is None


def test_table_names_the_planted_winner_and_its_margin():
    rs = results("raw", BASE) + results("urt", [v * 1.10 for v in BASE])
    points, _ = model.fold(rs)
    rows = verdict.table(points)
    assert len(rows) == 1
    row = rows[0]
    assert row.winner.backend == "urt" and row.runner_up.backend == "raw"
    assert row.margin.decision == "b faster"
    assert row.margin.estimate == pytest.approx(1.10, rel=0.01)
    text = sections_measure.verdict_section(points)
    table = next(b for b in text.blocks if hasattr(b, "rows"))
    assert table.rows[0][3] == "urt" and "no difference" not in table.rows[0][5]


def test_table_says_no_difference_for_identical_backends():
    points, _ = model.fold(results("raw", BASE) + results("urt", BASE))
    row = verdict.table(points)[0]
    assert row.margin.decision == "no difference"
    assert "no significant difference" in row.flags
    text = sections_measure.verdict_section(points)
    table = next(b for b in text.blocks if hasattr(b, "rows"))
    assert "≈" in table.rows[0][3] and "no difference" in table.rows[0][5]


def test_baselines_compare_the_runtime_with_raw_and_raw_bare():
    rs = (results("raw", BASE) + results("raw-bare", [v * 1.05 for v in BASE])
          + results("urt", [v * 0.9 for v in BASE]) + results("urt-futures", BASE))
    points, _ = model.fold(rs)
    pairs = {row[4]: row[5] for row in verdict.baseline_rows(points)}
    assert set(pairs) == {"urt ÷ raw", "urt ÷ raw-bare", "urt-futures ÷ raw", "urt-futures ÷ raw-bare",
                          "raw ÷ raw-bare"}
    assert pairs["urt ÷ raw"].decision == "a faster"       # urt below raw: ratio interval under 1
    assert pairs["urt ÷ raw"].estimate == pytest.approx(0.9, rel=0.01)
    assert pairs["urt-futures ÷ raw"].decision == "no difference"


def test_fewer_than_five_samples_make_the_report_indicative():
    two, _ = model.fold(results("raw", BASE[:2]) + results("urt", BASE[:2]))
    banner = sections_measure.banner(two)
    assert banner is not None and "Indicative, n=2" in banner.title
    five, _ = model.fold(results("raw", BASE) + results("urt", BASE))
    assert sections_measure.banner(five) is None


def test_percentiles_come_from_the_merged_histogram():
    # Two samples whose own p99s are 100 and 1000: the merged histogram's p99
    # is not the median of the two (550) but a bucket bound of the union.
    a = {"backend": "raw", "workload": "nop", "qd": 1, "batch": 1, "bs": 0, "iops": 1.0, "repeat": 0,
         "lat_ns": {"min": 100, "mean": 100, "p50": 100, "p99": 100, "max": 100}, "hist_ns": [[100, 100]]}
    b = dict(a, repeat=1, lat_ns={"min": 1000, "mean": 1000, "p50": 1000, "p99": 1000, "max": 1000},
             hist_ns=[[1000, 100]])
    (point,), _ = model.fold([a, b])
    assert point.lat["p50"] == 100 and point.lat["p99"] == 1000 and point.lat_from_hist


def test_non_monotonic_curve_is_flagged():
    rs = []
    for qd, v in ((1, 100.0), (8, 200.0), (32, 150.0)):
        rs += results("urt", [v * f for f in (1.0, 1.01, 0.99, 1.0, 1.0)], qd=qd, batch=1)
    points, _ = model.fold(rs)
    drops = verdict.non_monotonic(points)
    assert [(a, b) for a, b, _ in drops] == [(8, 32)]
    obs = sections_measure.observations(points)
    assert any("qd 8 to qd 32" in b.text for b in obs.blocks if hasattr(b, "text"))


# ---- zero-injection cells: "not exercised", never green ----

def _faults_doc():
    doc = json.loads((FIXTURES / "faults_matrix.json").read_text())
    doc = copy.deepcopy(doc)
    cell = doc["cells"][0]
    assert cell["status"] == "pass"
    cell["faults_injected"] = {cell["point"]: 0}
    return doc, cell


def test_a_pass_without_injections_is_not_exercised():
    from urtperf.figures_extra import NOT_EXERCISED, cell_outcome, outcome_colour
    from urtperf.style import STATUS_COLOURS
    doc, cell = _faults_doc()
    assert cell_outcome(cell) == NOT_EXERCISED
    assert outcome_colour(cell_outcome(cell)) != STATUS_COLOURS["pass"]
    failed = dict(cell, status="fail")
    assert cell_outcome(failed) == "fail"   # a failure stays a failure without injections
    injected = dict(cell, faults_injected={cell["point"]: 3})
    assert cell_outcome(injected) == "pass"


def test_not_exercised_is_drawn_grey_and_said_in_the_text(tmp_path):
    from PIL import Image  # noqa: F401  (matplotlib ships pillow)
    from urtperf import figures_extra
    doc, cell = _faults_doc()
    doc["cells"] = [cell]
    figs = FigureSet(tmp_path)
    figures_extra.fault_matrix(doc, figs)
    import matplotlib.image as mpimg
    img = mpimg.imread(figs.figures[0].path)
    # The single cell fills the middle of the panel: no pixel there is green.
    h, w = img.shape[:2]
    middle = img[h // 3: 2 * h // 3, w // 3: 2 * w // 3, :3]
    green = (middle[..., 1] > 0.5) & (middle[..., 0] < 0.45) & (middle[..., 2] < 0.35)
    assert not green.any(), "a cell with no fault injected was drawn green"
    grey = (abs(middle[..., 0] - middle[..., 1]) < 0.03) & (middle[..., 0] > 0.6) & (middle[..., 0] < 0.9)
    assert grey.mean() > 0.2
    section = sections.faults_section(("f.json", doc), figs)
    text = " ".join(getattr(b, "text", "") for b in section.blocks)
    assert "not exercised" in text
    table = [b for b in section.blocks if hasattr(b, "rows")][-1]
    assert table.rows[0][4] == "not exercised"


# ---- interval log parsing ----

GOOD = {"ms": 25, "t_s": [0.025, 0.05, 0.075], "ops_s": [1e6, 1.1e6, 0.9e6], "p99_ns": [2000, None, 2500]}


def test_interval_log_parses():
    s = intervals.parse(GOOD)
    assert s.ms == 25 and s.t_s == GOOD["t_s"] and s.ops_s == GOOD["ops_s"] and s.p99_ns[1] is None
    assert intervals.parse(None) is None


@pytest.mark.parametrize("bad, why", [
    ({**GOOD, "ms": 0}, "ms"),
    ({**GOOD, "t_s": [0.05, 0.025, 0.075]}, "does not come after"),
    ({**GOOD, "ops_s": [1.0, 2.0]}, "differ in length"),
    ({**GOOD, "ops_s": [1.0, -2.0, 3.0]}, "ops_s[1]"),
    ({**GOOD, "p99_ns": ["x", 1, 2]}, "p99_ns[0]"),
    ([1, 2], "expected an object"),
])
def test_interval_log_rejects(bad, why):
    with pytest.raises(InputError, match=None) as err:
        intervals.parse(bad)
    assert why in str(err.value)


def test_interval_log_reaches_the_model():
    rs = results("raw", BASE)
    for r in rs:
        r["intervals"] = GOOD
    (point,), _ = model.fold(rs)
    assert [intervals.parse(i).ops_s for i in point.intervals] == [GOOD["ops_s"]] * 5


# ---- known explanations ----

def test_cp_gets_its_copy_file_range_explanation():
    doc = json.loads((FIXTURES / "hyperfine_cp.json").read_text())
    points, _ = model.fold(results("raw", BASE))
    obs = sections_measure.observations(points, None, [("hyperfine_cp.json", doc)])
    assert any("copy_file_range" in getattr(b, "text", "") for b in obs.blocks)
    without_cp = dict(doc, results=[r for r in doc["results"] if not r["command"].startswith("cp ")])
    obs = sections_measure.observations(points, None, [("h.json", without_cp)])
    assert not any("copy_file_range" in getattr(b, "text", "") for b in obs.blocks)


# ---- the ratio-to-raw figure carries the intervals ----

class _Keep(FigureSet):
    """Keeps each figure's whiskers (errorbar segments) before it is closed."""

    def save(self, fig, name, title, caption, group):
        self.whiskers = [seg for ax in fig.axes for c in ax.containers
                         for seg in (c.lines[2][0].get_segments() if c.lines[2] else [])]
        self.caption = caption
        super().save(fig, name, title, caption, group)


def test_ratio_figure_draws_each_ratio_with_its_interval(tmp_path):
    from urtperf import figures
    from urtperf.figkit import Context
    rs = []
    for qd in (1, 32):
        rs += results("raw", BASE, qd=qd) + results("urt", [v * 1.10 for v in BASE], qd=qd)
    points, _ = model.fold(rs)
    figs = _Keep(tmp_path)
    figures.ratio_to_raw(Context(points), figs)
    assert len(figs.figures) == 1 and "95 % interval" in figs.caption
    want = verdict.ratio(BASE, [v * 1.10 for v in BASE])
    # One whisker per queue depth, spanning the Hodges-Lehmann interval.
    assert len(figs.whiskers) == 2
    for seg in figs.whiskers:
        (_x0, low), (_x1, high) = seg
        assert low == pytest.approx(want.low) and high == pytest.approx(want.high)
