"""scripts/history-replay.sh: its bad-input paths (exit 2, one line, nothing written).

The replay itself builds old commits (minutes); it was run by hand and its
result is in scripts/README.md ("Replayed history")."""
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "history-replay.sh"


def run(*args, cwd=None):
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def test_help_exits_0_and_says_what_it_does():
    r = run("--help")
    assert r.returncode == 0
    assert "replays the project's own history" in r.stdout


def test_bad_arguments_exit_2_with_one_line(tmp_path):
    out = str(tmp_path / "o")
    for args, says in ((["--commits", "0", "--out", out], "--commits"),
                       (["--commits", "x", "--out", out], "--commits"),
                       (["--rev", "no-such-commit-xyz", "--out", out], "--rev"),
                       (["--frobnicate", "--out", out], "unknown argument"),
                       (["--out", out, "--db"], "needs a value")):
        r = run(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert says in r.stderr and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
        assert not (tmp_path / "o").exists()


def test_an_unwritable_db_folder_exits_2_before_any_build(tmp_path):
    r = run("--db", "/proc/urt-replay/h.sqlite", "--commits", "1")
    assert r.returncode == 2
    assert "--db" in r.stderr


def test_a_non_empty_out_is_refused(tmp_path):
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "x").write_text("keep")
    r = run("--out", str(tmp_path / "o"), "--commits", "1", "--db", str(tmp_path / "h.sqlite"))
    assert r.returncode == 2 and "not empty" in r.stderr
    assert (tmp_path / "o" / "x").read_text() == "keep"
    assert not (tmp_path / "h.sqlite").exists()
