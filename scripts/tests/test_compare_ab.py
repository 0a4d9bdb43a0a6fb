"""ab.sh: bad input exits 2 before building anything; one real A/B run end to end."""
import json
import os
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
AB = os.path.join(os.path.dirname(HERE), "ab.sh")
REPO = os.path.dirname(os.path.dirname(HERE))


IN_GIT = subprocess.run(["git", "-C", REPO, "rev-parse", "--git-dir"], capture_output=True).returncode == 0
pytestmark = pytest.mark.skipif(not IN_GIT, reason="ab.sh needs a git checkout (revisions to build)")


def run(*args, timeout=60):
    p = subprocess.run(["bash", AB, *args], capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def worktrees():
    out = subprocess.run(["git", "-C", REPO, "worktree", "list", "--porcelain"], capture_output=True, text=True)
    return [l for l in out.stdout.splitlines() if l.startswith("worktree ")]


@pytest.mark.parametrize("args", [[], ["HEAD"], ["no-such-rev", "HEAD"], ["HEAD", "no-such-rev"],
                                  ["--repeats", "0", "HEAD", "HEAD"], ["--repeats", "x", "HEAD", "HEAD"],
                                  ["--runs", "-1", "HEAD", "HEAD"], ["--threshold", "ten", "HEAD", "HEAD"],
                                  ["--bogus", "HEAD", "HEAD"], ["--repeats"],
                                  ["--hyperfine", "true", "HEAD", "HEAD"],
                                  ["--hyperfine", "{build}/x", "HEAD", "HEAD", "--qd", "1"],
                                  ["HEAD", "HEAD", "--qd", "1", "--json", "x.json"]])
def test_bad_input_exits_2(args):
    before = worktrees()
    rc, out, err = run(*args)
    assert rc == 2, out + err
    assert len(err.strip().splitlines()) == 1 and err.startswith("ab.sh: "), err
    assert worktrees() == before


def test_existing_out_dir_is_not_reused(tmp_path):
    rc, _, err = run("--out", str(tmp_path), "HEAD", "HEAD")
    assert rc == 2 and "already exists" in err


@pytest.mark.skipif(not shutil.which("hyperfine") or not shutil.which("cmake"), reason="needs hyperfine and cmake")
def test_real_ab_run_hyperfine_mode(tmp_path):
    # HEAD against HEAD: builds two worktrees (only the runtime library, to stay
    # quick), times a command in each, interleaved, and compares.
    out = tmp_path / "ab"
    before = worktrees()
    rc, stdout, err = run("--repeats", "3", "--runs", "2", "--out", str(out), "--targets", "urt_static",
                          "--hyperfine", "sleep 0.01; test -f {build}/runtime/liburt.a", "HEAD", "HEAD", timeout=600)
    assert rc in (0, 1), stdout + err  # identical builds: a verdict either way, never an error
    for side in ("A", "B"):
        doc = json.loads((out / f"{side}.json").read_text())
        assert len(doc["results"][0]["times"]) == 3 * 2  # rounds x runs per round
    assert "time per run" in (out / "report.md").read_text()
    assert "round 3/3" in err and "warning: with 3 rounds" in err
    assert worktrees() == before  # the temporary worktrees are gone
