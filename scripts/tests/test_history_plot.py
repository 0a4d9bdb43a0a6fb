"""urtperf history plot and report.py --history: figures, no clobbering, 10^5 results."""

import os
import subprocess
import sys
import time

from history_helpers import SCRIPTS, FIXTURES, Store, run_folder, store_with_series, urtperf
from urtperf import synth

PNG = b"\x89PNG\r\n\x1a\n"
TRACKED_FILES = ("history_ops_per_s.png", "history_p99_ns.png", "history_ratio_to_raw.png",
                 "history_instructions_per_op.png")


def _store_of_runs(tmp_path, n=3):
    db = tmp_path / "h.sqlite"
    for i in range(n):
        run = run_folder(tmp_path / f"run{i}", git=f"{i:07x}")
        assert urtperf("history", "add", run, "--db", db)[0] == 0
    return db


def test_plot_draws_every_tracked_metric(tmp_path):
    db = _store_of_runs(tmp_path)
    out = tmp_path / "plots"
    rc, stdout, err = urtperf("history", "plot", "--db", db, "--out", out)
    assert rc == 0, err
    assert sorted(os.path.basename(p) for p in stdout.split()) == sorted(TRACKED_FILES)
    for name in TRACKED_FILES:
        assert (out / name).read_bytes().startswith(PNG)
    assert not [p for p in os.listdir(out) if p.startswith(".")]  # no temporary left


def test_plot_never_clobbers_without_force(tmp_path):
    db = _store_of_runs(tmp_path, 1)
    out = tmp_path / "plots"
    assert urtperf("history", "plot", "--db", db, "--out", out, "--metric", "ops_per_s")[0] == 0
    target = out / "history_ops_per_s.png"
    target.write_bytes(b"mine")
    rc, stdout, err = urtperf("history", "plot", "--db", db, "--out", out, "--metric", "ops_per_s")
    assert rc == 2 and "--force" in err and len(err.splitlines()) == 1
    assert target.read_bytes() == b"mine"
    rc, _, err = urtperf("history", "plot", "--db", db, "--out", out, "--metric", "ops_per_s", "--force")
    assert rc == 0, err
    assert target.read_bytes().startswith(PNG)


def test_plot_fail_paths(tmp_path):
    empty = tmp_path / "empty.sqlite"
    with Store(str(empty), create=True):
        pass
    rc, _, err = urtperf("history", "plot", "--db", empty, "--out", tmp_path / "p")
    assert rc == 2 and "no series" in err
    assert not (tmp_path / "p").exists()
    db = _store_of_runs(tmp_path, 1)
    a_file = tmp_path / "a-file"
    a_file.write_text("keep\n")
    rc, _, err = urtperf("history", "plot", "--db", db, "--out", a_file)
    assert rc == 2 and a_file.read_text() == "keep\n"
    rc, _, err = urtperf("history", "plot", "--db", db, "--out", tmp_path / "q", "--config", "([")
    assert rc == 2 and "regular expression" in err


def test_plot_marks_change_points(tmp_path):
    values = [100.0] * 20 + [90.0] * 20
    db = store_with_series(str(tmp_path / "h.sqlite"), values)
    rc, out, err = urtperf("history", "plot", "--db", db, "--out", tmp_path / "p", "--detect")
    assert rc == 0, err
    assert (tmp_path / "p" / "history_ops_per_s.png").read_bytes().startswith(PNG)


def test_plot_of_100k_results(tmp_path):
    """The scale the issue asks for: 10^5 results.  The time is printed, not asserted."""
    db = str(tmp_path / "big.sqlite")
    with Store(db, create=True) as store:
        runs, rows = synth.fill_store(store, 100_000)
        assert rows == 100_000 and store.count("urt_results") == 100_000
    start = time.monotonic()
    rc, out, err = urtperf("history", "plot", "--db", db, "--out", tmp_path / "p", timeout=240)
    took = time.monotonic() - start
    assert rc == 0, err
    for name in TRACKED_FILES:
        assert (tmp_path / "p" / name).read_bytes().startswith(PNG)
    print(f"plot of 10^5 results ({runs} runs): {took:.1f} s wall")


def test_report_gains_a_history_section(tmp_path):
    db = _store_of_runs(tmp_path, 2)
    out = tmp_path / "report"
    p = subprocess.run([sys.executable, os.path.join(SCRIPTS, "report.py"), os.path.join(FIXTURES, "bench_one.json"),
                        "--out", str(out), "--history", str(db)], capture_output=True, text=True, timeout=240,
                       env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1", MPLBACKEND="Agg"))
    assert p.returncode == 0, p.stderr
    md = (out / "report.md").read_text()
    assert "History" in md and "2 runs" in md
    assert (out / "figures" / "history_ops_per_s.png").read_bytes().startswith(PNG)
    html = (out / "report.html").read_text()
    assert 'id="history"' in html or "History</h2>" in html


def test_report_with_a_bad_store_writes_nothing(tmp_path):
    out = tmp_path / "report"
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not sqlite" * 200)
    p = subprocess.run([sys.executable, os.path.join(SCRIPTS, "report.py"), os.path.join(FIXTURES, "bench_one.json"),
                        "--out", str(out), "--history", str(junk)], capture_output=True, text=True, timeout=240,
                       env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1", MPLBACKEND="Agg"))
    assert p.returncode == 2 and "--history" in p.stderr and len(p.stderr.splitlines()) == 1
    assert not out.exists()
