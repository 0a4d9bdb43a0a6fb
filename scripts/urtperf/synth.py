"""Synthetic histories: a store of many runs for load tests, series for the detector.

Nothing here is a measurement.  `history synth` fills a store with runs of a
made-up host ("synthetic") so the store and the plots can be tried at scale;
`history validate` measures the detector's power and false-positive rate on
series with a known answer.
"""

import datetime
import json

import numpy as np

from . import edivisive

SYNTH_HOST = "synthetic"


def step_series(rng, n_before, n_after, step, noise, level=1.0):
    """Gaussian noise of sd noise*level; the level changes by step (a fraction) after n_before."""
    x = rng.normal(level, noise * level, n_before + n_after)
    x[n_before:] += step * level
    return x


def fill_store(store, results, seed=1, configs=20, repeats=5):
    """Add synthetic runs to the store until it holds `results` more result rows.

    Each run has `configs` configurations x `repeats` repeats x 4 tracked
    metrics; ops/s drops 3 % two thirds of the way through, so plots and
    `history detect` have something to find.  Returns (runs, rows) added."""
    rng = np.random.default_rng(seed)
    per_run = configs * repeats * 4
    runs = max(1, -(-results // per_run))
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    base = rng.uniform(2e5, 4e6, configs)
    added = 0
    with store.transaction():
        for i in range(runs):
            when = (start + datetime.timedelta(hours=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            commit = f"{i:07x}{seed:05x}"  # distinct in the 7 characters plots show
            run_id = store.insert_run_row({
                "content_hash": f"synthetic-{seed}-{i}", "source_dir": None, "git": commit,
                "started": when, "host": SYNTH_HOST, "imported": when, "commit_time": when,
                "machine": json.dumps({"host": SYNTH_HOST, "note": "synthetic, not measured"})})
            level = 0.97 if i >= 2 * runs // 3 else 1.0
            rows = []
            for c in range(configs):
                config = f"nop/urt/qd{2 ** (c % 7)}/batch{1 + c // 7}/cb1/bs0/t1"
                ops = rng.normal(base[c] * level, 0.05 * base[c], repeats)
                p99 = rng.lognormal(np.log(2e4), 0.1, repeats)
                ratio = rng.normal(0.8 * level, 0.04, repeats)
                instr = np.full(repeats, 200.0 + c)
                for metric, values, unit, better in (("ops_per_s", ops, "ops/s", "higher"),
                                                     ("p99_ns", p99, "ns", "lower"),
                                                     ("ratio_to_raw", ratio, "x raw", "higher"),
                                                     ("instructions_per_op", instr, "instructions/op", "lower")):
                    for rep, v in enumerate(values):
                        rows.append((run_id, "synthetic", metric, config, rep, float(v), unit, better, None))
            store.insert_results(rows)
            added += len(rows)
            if added >= results:
                return i + 1, added
    return runs, added


def validate(trials=100, sizes=(50, 100, 150, 200), step=-0.03, noise=0.05, alpha=0.01,
             permutations=199, min_size=5, seed=1, out=None):
    """The detector's power and false-positive rate on series with a known answer.

    Per size (points on each side of the step): `detected` counts series with a
    planted step where a change point of the step's sign is reported;
    `located` those where one lies within max(5, n/10) points of the step (how
    well the commit is named: for a step smaller than the noise even the best
    estimator misses by tens of points at times); `false_pos` counts pure-noise
    series of the same length where any change point is reported.
    Returns [(per_side, detected, located, false_pos)], counts out of trials."""
    rng = np.random.default_rng(seed)
    table = []
    for per_side in sizes:
        detected = located = false_pos = 0
        window = max(5, per_side // 10)
        for t in range(trials):
            x = step_series(rng, per_side, per_side, step, noise)
            cps = edivisive.e_divisive(x, alpha, permutations, min_size, seed=t)
            right_sign = [c for c in cps
                          if np.sign(np.median(x[c.index:]) - np.median(x[:c.index])) == np.sign(step)]
            detected += bool(right_sign)
            located += any(abs(c.index - per_side) <= window for c in right_sign)
            y = step_series(rng, per_side, per_side, 0.0, noise)
            false_pos += bool(edivisive.e_divisive(y, alpha, permutations, min_size, seed=t))
        table.append((per_side, detected, located, false_pos))
        if out:
            out.write(f"{per_side:>14} {detected / trials:>9.2f} {located / trials:>8.2f} "
                      f"{false_pos / trials:>16.3f}\n")
            out.flush()
    return table
