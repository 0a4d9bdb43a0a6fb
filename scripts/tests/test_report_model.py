"""Folding repeats, options a backend cannot use, and the baseline comparison."""

import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(SCRIPTS))
sys.dont_write_bytecode = True

from urtperf import baseline, inputs, model  # noqa: E402


def result(**kw):
    base = {"backend": "urt", "workload": "randread", "qd": 4, "batch": 1, "bs": 4096, "iops": 100.0,
            "lat_ns": {"p99": 1000}, "repeat": 0}
    base.update(kw)
    return base


def test_repeats_fold_to_median_with_range():
    points, dropped = model.fold([result(iops=100.0, repeat=0), result(iops=300.0, repeat=1),
                                  result(iops=110.0, repeat=2)])
    assert dropped == 0 and len(points) == 1
    p = points[0]
    assert (p.iops, p.iops_min, p.iops_max, p.samples) == (110.0, 100.0, 300.0, 3)


def test_not_applicable_options_do_not_split_a_backend():
    na = ["qd", "batch"]
    points, _ = model.fold([result(backend="psync", qd=1, batch=1, not_applicable=na),
                            result(backend="psync", qd=16, batch=8, not_applicable=na, iops=120.0)])
    assert len(points) == 1 and points[0].qd is None and points[0].batch is None


def test_results_without_throughput_are_counted_not_folded():
    points, dropped = model.fold([result(), result(backend="fio", iops=None)])
    assert dropped == 1 and [p.backend for p in points] == ["urt"]


def test_histograms_of_repeats_are_summed():
    points, _ = model.fold([result(hist_ns=[[100, 1], [200, 2]]), result(hist_ns=[[200, 3], [400, 1]], repeat=1)])
    assert points[0].hist == [(100, 1), (200, 5), (400, 1)]


def test_reference_matches_qd_and_batch():
    points, _ = model.fold([result(backend="raw", qd=4, batch=1, iops=200.0),
                            result(backend="raw", qd=4, batch=8, iops=400.0),
                            result(backend="urt", qd=4, batch=8, iops=300.0)])
    urt = model.select(points, backend="urt")[0]
    assert model.reference(points, urt, "raw").iops == 400.0


def test_baseline_flags_the_known_slowdown_only_where_it_is():
    now, _ = model.fold(inputs.load_bench(FIXTURES / "bench_sweep.json")["results"])
    base, _ = model.fold(inputs.load_bench(FIXTURES / "bench_baseline.json")["results"])
    comparison = baseline.compare(now, base, threshold=0.05)
    assert comparison.only_now == comparison.only_base == 0
    slower = comparison.regressions
    # The baseline fixture made urt randread 10 % faster at all 8 configurations.
    assert all((c.now.backend, c.now.workload) == ("urt", "randread") for c in slower)
    assert len(slower) >= 6
    assert all(c.iops_change < -0.05 for c in slower)


def test_baseline_threshold_and_overlap_rule():
    now, _ = model.fold([result(iops=90.0), result(iops=91.0, repeat=1)])
    base, _ = model.fold([result(iops=100.0), result(iops=101.0, repeat=1)])
    assert baseline.compare(now, base, 0.05).regressions          # -10 %, ranges apart
    assert not baseline.compare(now, base, 0.20).regressions      # below a 20 % threshold
    wide, _ = model.fold([result(iops=80.0), result(iops=100.5, repeat=1)])
    assert not baseline.compare(wide, base, 0.05).regressions     # ranges overlap: noise
