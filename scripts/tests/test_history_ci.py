"""scripts/ci-history.sh: the store kept on a branch, outputs where CI shows them, fail paths."""

import os
import sqlite3
import subprocess

import pytest

from history_helpers import SCRIPTS, run_folder

CI = os.path.join(SCRIPTS, "ci-history.sh")


def ci(*args, env=None, timeout=240):
    e = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", MPLBACKEND="Agg", **(env or {}))
    e.pop("GITHUB_STEP_SUMMARY", None) if not env or "GITHUB_STEP_SUMMARY" not in env else None
    p = subprocess.run([CI, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=e)
    return p.returncode, p.stdout, p.stderr


def git(*args, cwd=None):
    return subprocess.run(["git", *args], capture_output=True, text=True, timeout=60, cwd=cwd, check=True).stdout


def test_store_kept_on_a_branch_between_ci_runs(tmp_path):
    remote = tmp_path / "remote.git"
    git("init", "-q", "--bare", str(remote))
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n")
    for i, name in enumerate(("20261126T100000Z", "20261127T100000Z")):
        # a one-configuration bench keeps report.py, which the script runs, quick
        run = run_folder(tmp_path / name, git=f"{i:07x}", bench="bench_one.json")
        rc, out, err = ci("--branch", "perf-history", "--remote", remote, "--push", run,
                          env={"GITHUB_STEP_SUMMARY": str(summary)})
        # two runs are too few to judge: exit 2 says so, the store is kept all the same
        assert rc == 2, (out, err)
        assert "pushed the store" in out
        assert "NOTHING JUDGED" in out
        assert (run / "history" / "change-points.md").exists()
        for f in ("history_ops_per_s.png", "bmf.json", "gab-bigger.json", "gab-smaller.json"):
            assert (run / "history" / f).stat().st_size > 0, f
        assert 'id="history"' in (run / "history" / "report" / name / "report.html").read_text()
    log = git("--git-dir", str(remote), "log", "--format=%s", "perf-history").split("\n")
    assert log[:2] == ["history: add 20261127T100000Z", "history: add 20261126T100000Z"]
    db = tmp_path / "fetched.sqlite"
    db.write_bytes(subprocess.run(["git", "--git-dir", str(remote), "show", "perf-history:history.sqlite"],
                                  capture_output=True, timeout=60, check=True).stdout)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM urt_runs").fetchone()[0] == 2
    conn.close()
    text = summary.read_text()
    assert text.startswith("# earlier step\n") and text.count("## Change points") == 2
    assert "history_ops_per_s.png" in text


@pytest.mark.parametrize("case", ["no-run", "not-a-folder", "branch-and-db", "bad-option", "bad-remote"])
def test_fail_paths(tmp_path, case):
    run = run_folder(tmp_path / "run", bench="bench_one.json")
    args = {"no-run": [],
            "not-a-folder": [tmp_path / "nothing"],
            "branch-and-db": ["--branch", "b", "--db", tmp_path / "h.sqlite", run],
            "bad-option": ["--frobnicate", run],
            "bad-remote": ["--branch", "b", "--remote", tmp_path / "no-such-remote", run]}[case]
    rc, out, err = ci(*args)
    assert rc == 2, (out, err)
    assert len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "h.sqlite").exists()
    assert not (run / "history").exists()


def test_a_folder_written_by_main_sh_keeps_the_verdict_and_reruns(tmp_path):
    """Issue 10 review: report.py refused because main.sh's report.html was
    there: exit 2, no change-points.md, no summary, detect's verdict lost."""
    run = run_folder(tmp_path / "20261126T100000Z", bench="bench_one.json")
    (run / "report.html").write_text("<html>main.sh's report</html>")
    (run / "report.md").write_text("main.sh's report\n")
    summary = tmp_path / "summary.md"
    db = tmp_path / "h.sqlite"
    for attempt in (1, 2):  # a rerun on the same folder works too
        rc, out, err = ci("--db", db, run, env={"GITHUB_STEP_SUMMARY": str(summary)})
        assert rc == 2 and "NOTHING JUDGED" in out, (attempt, out, err)  # detect's status: one run
        assert "warning" not in err and "refusing" not in err, err
        assert (run / "history" / "change-points.md").exists()
        assert 'id="history"' in (run / "history" / "report" / run.name / "report.html").read_text()
        assert (run / "history" / "bmf.json").stat().st_size > 0
    assert (run / "report.html").read_text() == "<html>main.sh's report</html>"  # not its output
    assert summary.read_text().count("## Change points") == 2
