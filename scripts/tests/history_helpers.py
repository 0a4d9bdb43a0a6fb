"""Shared by the test_history_*.py files: run urtperf, make run folders and stores."""

import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.dirname(HERE)
REPO = os.path.dirname(SCRIPTS)
FIXTURES = os.path.join(HERE, "fixtures")
sys.path.insert(0, SCRIPTS)

from urtperf.store import Store  # noqa: E402


def urtperf(*args, timeout=120):
    """Run `python3 -m urtperf ARGS` (the wrapper's job without its interpreter probe)."""
    env = dict(os.environ, PYTHONPATH=SCRIPTS, PYTHONDONTWRITEBYTECODE="1", MPLBACKEND="Agg")
    p = subprocess.run([sys.executable, "-m", "urtperf", *map(str, args)], capture_output=True, text=True,
                       timeout=timeout, env=env, cwd=SCRIPTS)
    return p.returncode, p.stdout, p.stderr


def run_folder(path, git="0000000", with_gates=True, bench="bench_sweep.json"):
    """A run folder as scripts/main.sh writes it, from the committed fixtures."""
    os.makedirs(path, exist_ok=True)
    bench = json.load(open(os.path.join(FIXTURES, bench), encoding="utf-8"))
    bench["meta"]["git"] = git
    with open(os.path.join(path, "bench.json"), "w", encoding="utf-8") as f:
        json.dump(bench, f)
    # Every file of a main.sh run comes from one commit (history add refuses a mix).
    faults = json.load(open(os.path.join(FIXTURES, "faults_matrix.json"), encoding="utf-8"))
    faults["meta"]["git"] = git
    with open(os.path.join(path, "faults.json"), "w", encoding="utf-8") as f:
        json.dump(faults, f)
    shutil.copy(os.path.join(FIXTURES, "hyperfine_cp.json"), os.path.join(path, "hyperfine_cp.json"))
    if with_gates:
        # What gate_instructions.py --update writes (scripts/ci-history.sh makes one per run).
        shutil.copy(os.path.join(REPO, "results", "baseline", "instructions.json"),
                    os.path.join(path, "instructions.json"))
    return path


def store_with_series(db, values, metric="ops_per_s", better="higher", host="h1", config="nop/urt/qd32",
                      git=None):
    """A store holding one series: one run (3 repeats around the value) per entry of values."""
    with Store(db, create=True, quiet=True) as store:
        with store.transaction():
            for i, v in enumerate(values):
                run_id = store.insert_run_row({
                    "content_hash": f"t-{host}-{metric}-{i}", "git": git or f"{i:07x}c0ffee", "host": host,
                    "started": f"2026-01-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
                    "imported": "2026-01-01T00:00:00Z"})
                store.insert_results([(run_id, "bench", metric, config, r, float(v) * f, "ops/s", better, None)
                                      for r, f in enumerate((0.999, 1.0, 1.001))])
    return db
