"""Synthetic urt-bench/1 and hyperfine documents for the regression-tool tests.

Samples are drawn from a seeded generator so every test run sees the same
numbers; the tests choose the distributions, so the truth is known."""
import json
import random

CONFIG = {"backend": "urt", "workload": "nop", "qd": 32, "batch": 32, "complete_batch": 1,
          "bs": 4096, "threads": 1}


def result(iops, repeat, **overrides):
    """One result entry with every field of the schema; latency follows iops."""
    r = dict(CONFIG)
    r.update(overrides)
    mean_ns = 1e9 * r["qd"] / iops
    lat = {"min": mean_ns * 0.5, "mean": mean_ns, "p50": mean_ns, "p90": mean_ns * 1.2,
           "p99": mean_ns * 1.5, "p999": mean_ns * 2, "p9999": mean_ns * 3, "max": mean_ns * 4}
    ops = max(1, int(iops * 0.5))  # the schema: a result counted at least one operation
    r.update({"repeat": repeat, "ops": ops, "bytes": 0, "seconds": 0.5,
              "iops": iops, "mib_s": iops * r["bs"] / 2**20, "lat_ns": lat,
              "hist_ns": [[int(mean_ns * 2), ops]],
              "cpu": {"user_s": 0.3, "sys_s": 0.2}, "enter_calls": 1000, "sqes_per_enter": 32.0})
    return r


def doc(results):
    return {"schema": "urt-bench/1",
            "meta": {"started": "2026-01-01T00:00:00Z", "host": "test", "kernel": "6.18", "cpu": "test",
                     "cores": 2, "liburing": "2.3", "git": "0000000", "build": "Release",
                     "argv": ["urt-bench"]},
            "results": results}


def samples(seed, mean, rel_sd, n):
    rng = random.Random(seed)
    return [rng.gauss(mean, mean * rel_sd) for _ in range(n)]


def bench_file(path, values_per_config):
    """values_per_config: {(backend, workload, qd, batch): [iops per repeat]}."""
    results = []
    for (backend, workload, qd, batch), values in values_per_config.items():
        for i, v in enumerate(values):
            results.append(result(v, i, backend=backend, workload=workload, qd=qd, batch=batch))
    with open(path, "w") as f:
        json.dump(doc(results), f)
    return str(path)


def hyperfine_file(path, command, times):
    with open(path, "w") as f:
        json.dump({"results": [{"command": command, "mean": sum(times) / len(times), "times": times}]}, f)
    return str(path)
