"""urtperf history detect: E-Divisive means on planted steps, pure noise, and the exit status."""

import numpy as np
import pytest

from history_helpers import store_with_series, urtperf
from urtperf import edivisive, synth

# The validated setting (scripts/README.md, "History"): alpha 0.01, 199
# permutations, segments of 5 runs or more.  A 3 % step in noise of sd 5 % has
# an effect size of 0.6 sd; with 150 runs each side the detector found it in
# ~99 % of series, with 50 only in ~15 %, so the planted-step test uses 150.
ALPHA, PERMUTATIONS, MIN_SIZE = 0.01, 199, 5


def test_statistic_matches_the_definition():
    """The prefix-sum computation of Q equals the energy statistic written out pair by pair."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=40)

    def q(t):
        left, right = x[:t], x[t:]
        m, k = len(left), len(right)
        cross = np.abs(left[:, None] - right[None, :]).sum()
        within_l = np.abs(left[:, None] - left[None, :]).sum() / 2
        within_r = np.abs(right[:, None] - right[None, :]).sum() / 2
        e = 2 * cross / (m * k) - within_l / (m * (m - 1) / 2) - within_r / (k * (k - 1) / 2)
        return m * k / len(x) * e

    brute = [q(t) for t in range(MIN_SIZE, len(x) - MIN_SIZE + 1)]
    best, at = edivisive._best_split(x[None, :], MIN_SIZE)
    assert best[0] == pytest.approx(max(brute))
    assert at[0] == MIN_SIZE + int(np.argmax(brute))


def test_planted_three_percent_step_in_five_percent_noise_is_found():
    rng = np.random.default_rng(2024)
    located, detected, trials = 0, 0, 10
    for seed in range(trials):
        x = synth.step_series(rng, 150, 150, -0.03, 0.05)
        cps = edivisive.e_divisive(x, ALPHA, PERMUTATIONS, MIN_SIZE, seed=seed)
        down = [c for c in cps if np.median(x[c.index:]) < np.median(x[:c.index])]
        detected += bool(down)
        located += any(abs(c.index - 150) <= 15 for c in down)
        assert all(c.p_value <= ALPHA for c in cps)
    assert detected >= 9, detected
    assert located >= 7, located


def test_pure_noise_gives_no_change_point():
    rng = np.random.default_rng(7)
    for seed in range(20):
        x = synth.step_series(rng, 150, 150, 0.0, 0.05)
        assert edivisive.e_divisive(x, ALPHA, PERMUTATIONS, MIN_SIZE, seed=seed) == [], seed


def test_two_steps_are_both_found():
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.normal(100, 1, 40), rng.normal(90, 1, 40), rng.normal(95, 1, 40)])
    cps = edivisive.e_divisive(x, ALPHA, PERMUTATIONS, MIN_SIZE, seed=1)
    assert [c.index for c in cps] == pytest.approx([40, 80], abs=2)


def _series(n, step_at=None, step=0.0, noise=0.01, seed=5):
    rng = np.random.default_rng(seed)
    x = rng.normal(1e6, noise * 1e6, n)
    if step_at is not None:
        x[step_at:] *= 1 + step
    return x


def test_exit_1_on_a_recent_regression(tmp_path):
    db = store_with_series(str(tmp_path / "h.sqlite"), _series(40, step_at=32, step=-0.10))
    rc, out, err = urtperf("history", "detect", "--db", db, "--last", "10")
    assert rc == 1, (out, err)
    assert "REGRESSION" in out and "..0000020c0ffe" in out  # the commit where it starts (run 32), 12 characters
    assert "-10." in out or "-9." in out


def test_exit_0_when_the_regression_is_older_than_last_n(tmp_path):
    db = store_with_series(str(tmp_path / "h.sqlite"), _series(40, step_at=20, step=-0.10))
    rc, out, err = urtperf("history", "detect", "--db", db, "--last", "10")
    assert rc == 0, (out, err)
    assert "REGRESSION" in out  # printed, but not recent
    assert "verdict: PASS" in out


def test_exit_0_on_an_improvement(tmp_path):
    db = store_with_series(str(tmp_path / "h.sqlite"), _series(40, step_at=32, step=+0.10))
    rc, out, _ = urtperf("history", "detect", "--db", db, "--last", "10")
    assert rc == 0 and "improvement" in out


def test_lower_is_better_metrics_regress_upwards(tmp_path):
    db = store_with_series(str(tmp_path / "h.sqlite"), _series(40, step_at=32, step=+0.10),
                           metric="p99_ns", better="lower")
    rc, out, _ = urtperf("history", "detect", "--db", db, "--last", "10", "--markdown")
    assert rc == 1 and "| p99_ns |" in out


def test_min_change_ignores_small_regressions(tmp_path):
    db = store_with_series(str(tmp_path / "h.sqlite"), _series(40, step_at=32, step=-0.10))
    rc, out, _ = urtperf("history", "detect", "--db", db, "--last", "10", "--min-change", "20")
    assert rc == 0, out


def test_exit_2_with_too_few_points(tmp_path):
    db = store_with_series(str(tmp_path / "h.sqlite"), _series(9, step_at=5, step=-0.5))
    rc, out, err = urtperf("history", "detect", "--db", db)
    assert rc == 2, (out, err)
    assert "NOTHING JUDGED" in out


def test_exit_2_on_an_unknown_metric(tmp_path):
    db = store_with_series(str(tmp_path / "h.sqlite"), _series(20))
    rc, out, err = urtperf("history", "detect", "--db", db, "--metric", "nope")
    assert rc == 2 and "not in the store" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("git", ["unknown", "?"])
def test_runs_without_a_commit_count_one_each(tmp_path, git):
    """Issue 10 review: every run had git 'unknown', so all shared one 'commit' and
    a change point 20 runs back counted as 'in the last 1 commits': exit 1 forever."""
    db = store_with_series(str(tmp_path / "h.sqlite"), _series(40, step_at=20, step=-0.10), git=git)
    rc, out, err = urtperf("history", "detect", "--db", db, "--last", "10")
    assert rc == 0 and "verdict: PASS" in out, (out, err)
    rc, out, err = urtperf("history", "detect", "--db", db, "--last", "25")  # 20 runs back is within 25
    assert rc == 1, (out, err)
