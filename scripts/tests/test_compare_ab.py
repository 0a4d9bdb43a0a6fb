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
    return [ln for ln in out.stdout.splitlines() if ln.startswith("worktree ")]


@pytest.mark.parametrize("args", [[], ["HEAD"], ["no-such-rev", "HEAD"], ["HEAD", "no-such-rev"],
                                  ["--repeats", "0", "HEAD", "HEAD"], ["--repeats", "x", "HEAD", "HEAD"],
                                  ["--runs", "-1", "HEAD", "HEAD"], ["--threshold", "ten", "HEAD", "HEAD"],
                                  ["--threshold", "150", "HEAD", "HEAD"],  # compare.py refused it after the builds
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


def fake_bench(tmp_path):
    """Parses like urt-bench: a bad --qd is one line on stderr and exit 2."""
    path = tmp_path / "urt-bench"
    path.write_text("#!/bin/sh\nfor a; do case $a in x) echo \"urt-bench: --qd: 'x' is not an integer\" >&2; "
                    "exit 2;; esac; done\necho usage; exit 0\n")
    path.chmod(0o755)
    return str(path)


def run_env(*args, env, timeout=60):
    p = subprocess.run(["bash", AB, *args], capture_output=True, text=True, timeout=timeout,
                       env=dict(os.environ, **env))
    return p.returncode, p.stdout, p.stderr


def test_bad_urt_bench_option_fails_before_building(tmp_path):
    before = worktrees()
    rc, out, err = run_env("--out", str(tmp_path / "ab"), "HEAD", "HEAD", "--qd", "x",
                           env={"URT_BENCH": fake_bench(tmp_path)})
    assert rc == 2, out + err
    assert "bad urt-bench options" in err and "'x' is not an integer" in err and "building" not in err, err
    assert len(err.strip().splitlines()) == 1
    assert worktrees() == before and not (tmp_path / "ab").exists()


@pytest.mark.parametrize("where", ["under-a-file", "proc"])
def test_unwritable_out_fails_before_building(tmp_path, where):
    (tmp_path / "file").write_text("x")
    out = str(tmp_path / "file" / "ab") if where == "under-a-file" else "/proc/urt-ab-test"
    before = worktrees()
    rc, _, err = run_env("--out", out, "HEAD", "HEAD", env={"URT_BENCH": fake_bench(tmp_path)})
    assert rc == 2 and "--out" in err and "building" not in err, err
    assert len(err.strip().splitlines()) == 1 and worktrees() == before


@pytest.mark.skipif(not shutil.which("cmake") or not shutil.which("setsid"), reason="needs cmake and setsid")
def test_interrupt_stops_the_build_and_cleans_up(tmp_path):
    import signal
    tmp = tmp_path / "t"
    tmp.mkdir()
    out = tmp_path / "ab"
    before = worktrees()
    proc = subprocess.Popen(["bash", AB, "--out", str(out), "HEAD", "HEAD"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, TMPDIR=str(tmp), URT_BENCH=fake_bench(tmp_path)))
    try:
        line = proc.stderr.readline()  # "ab.sh: building a = ..." once the build has started
        assert "building a" in line, line
        import time
        time.sleep(1)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "ab.sh: interrupted", err
    assert worktrees() == before and not out.exists() and list(tmp.iterdir()) == []
    # nothing it started (cmake, make, cc) still runs in its work dir
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmdline = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
            except OSError:
                continue
            assert str(tmp) not in cmdline, cmdline
