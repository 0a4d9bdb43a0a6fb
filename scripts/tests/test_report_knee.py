"""The knee finder, on data where the answer is known (fixtures/bench_knee.json)."""

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(SCRIPTS))
sys.dont_write_bytecode = True

from urtperf import inputs, knee, model  # noqa: E402


@pytest.fixture(scope="module")
def knees():
    points, _ = model.fold(inputs.load_bench(FIXTURES / "bench_knee.json")["results"])
    return {(k.workload, k.backend): k for k in knee.find_knees(points)}


def test_smallest_qd_first_then_smallest_batch(knees):
    # urt randread: peak 610k at qd 64 batch 8; 95 % = 579.5k.  qd 16 batch 1
    # (560k) falls short, qd 16 batch 8 (590k) reaches it: the knee.
    k = knees[("randread", "urt")]
    assert (k.knee.qd, k.knee.batch) == (16, 8)
    assert (k.peak.qd, k.peak.batch) == (64, 8)
    assert k.knee.iops == 590e3 and k.peak.iops == 610e3
    assert k.share_of_peak == pytest.approx(590 / 610)


def test_a_lower_batch_wins_at_the_same_qd(knees):
    # raw randread: qd 4 batch 1 (700k) reaches 95 % of 735k; batch 8 there is slower.
    k = knees[("randread", "raw")]
    assert (k.knee.qd, k.knee.batch) == (4, 1)


def test_the_median_of_repeats_decides_not_a_lucky_sample(knees):
    # nop qd 1 samples 500k, 990k, 510k: one lucky sample at 99 % of the 1M peak,
    # but the median (510k) is far below it, so the knee is qd 8.
    k = knees[("nop", "urt")]
    assert k.knee.qd == 8 and k.knee.samples == 3


def test_p99_reported_is_the_one_at_the_knee(knees):
    k = knees[("randread", "urt")]
    assert k.p99_at_knee == k.knee.lat["p99"] and k.p99_at_peak == k.peak.lat["p99"]
    assert k.p99_at_knee < k.p99_at_peak       # the fixture's latency grows with qd


def test_a_lower_fraction_moves_the_knee_down():
    points, _ = model.fold(inputs.load_bench(FIXTURES / "bench_knee.json")["results"])
    found = {(k.workload, k.backend): k for k in knee.find_knees(points, fraction=0.5)}
    # 50 % of 610k = 305k: qd 4 batch 8 (330k) is the first to reach it; batch 1 (300k) is not.
    assert (found[("randread", "urt")].knee.qd, found[("randread", "urt")].knee.batch) == (4, 8)
    with pytest.raises(ValueError):
        knee.find_knees(points, fraction=0)


def test_report_shows_the_recommendation(tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPTS / "report.py"), str(FIXTURES / "bench_knee.json"),
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "| randread | 4k | urt | 16 | 8 | 590k | 97% |" in md
    assert "| randread | 4k | raw | 4 | 1 | 700k | 95% |" in md
