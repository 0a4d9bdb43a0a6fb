"""scripts/main.sh: its exit status and verdict lines tell the truth.

The real stages run with --quick against the build ctest gives (URT_BUILD_DIR);
the failure and interrupt paths use stand-in binaries, so they need no build."""
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent
MAIN = SCRIPTS / "main.sh"
BUILD = os.environ.get("URT_BUILD_DIR")

needs_build = pytest.mark.skipif(
    not BUILD or not all(os.access(os.path.join(BUILD, t), os.X_OK)
                         for t in ("bench/urt-bench", "bench/urt-cp", "faults/urt-faults")),
    reason="URT_BUILD_DIR with urt-bench, urt-cp and urt-faults not given (ctest sets it)")


def run(*args, env=None, timeout=120):
    return subprocess.run(["bash", str(MAIN), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, **(env or {})))


def fake_build(tmp_path, bench="exit 0", faults="exit 0", cp='exec cp "$@"'):
    build = tmp_path / "build"
    for rel, body in (("bench/urt-bench", bench), ("bench/urt-cp", cp), ("faults/urt-faults", faults)):
        path = build / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n" + body + "\n")
        path.chmod(0o755)
    return build


@pytest.mark.parametrize("args, message", [
    (["--frobnicate"], "unknown argument '--frobnicate'"),
    (["extra"], "unknown argument 'extra'"),
    (["--out"], "--out needs a value"),
    (["--build", "/nonexistent/build"], "no such directory"),
])
def test_bad_arguments_exit_2_before_any_work(tmp_path, args, message):
    proc = run(*args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.count("\n") == 1 and message in proc.stderr and proc.stdout == "", proc.stderr


def test_existing_out_is_refused(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "bench.json").write_text("mine")
    proc = run("--out", out, "--build", fake_build(tmp_path))
    assert proc.returncode == 2 and "already exists" in proc.stderr, proc.stderr
    assert (out / "bench.json").read_text() == "mine"


def test_build_without_the_binaries_is_refused(tmp_path):
    build = fake_build(tmp_path)
    (build / "faults" / "urt-faults").unlink()
    proc = run("--out", tmp_path / "run", "--build", build)
    assert proc.returncode == 2 and "no faults/urt-faults" in proc.stderr, proc.stderr
    assert not (tmp_path / "run").exists()


def test_help_exits_0():
    proc = run("--help")
    assert proc.returncode == 0 and "--quick" in proc.stdout and "Exit status" in proc.stdout


def test_help_from_another_directory_with_a_relative_path(tmp_path):
    """'bash tree/scripts/main.sh --help' from elsewhere printed 'sed: can't read'."""
    rel = os.path.relpath(MAIN, tmp_path)
    p = subprocess.run(["bash", rel, "--help"], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert p.returncode == 0 and p.stderr == "" and "Exit status" in p.stdout, p.stderr
    last = p.stdout.rstrip("\n").splitlines()[-1]
    assert not last.startswith(("set ", "prog=")) and "pipefail" not in p.stdout, last


def test_compare_commands_help_has_no_code():
    p = subprocess.run(["bash", str(SCRIPTS / "compare-commands.sh"), "--help"], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0 and "prog=" not in p.stdout and "set -" not in p.stdout, p.stdout


def test_relative_out_and_build_are_the_callers(tmp_path):
    """--out and --build were resolved against the repository root."""
    build = fake_build(tmp_path)
    (build / "faults" / "urt-faults").unlink()
    (tmp_path / "run").mkdir()
    p = subprocess.run(["bash", str(MAIN), "--out", "run", "--build", "build"], capture_output=True,
                       text=True, timeout=60, cwd=tmp_path)
    assert p.returncode == 2 and f"--out {tmp_path}/run already exists" in p.stderr, p.stderr
    p = subprocess.run(["bash", str(MAIN), "--out", "run2", "--build", "build"], capture_output=True,
                       text=True, timeout=60, cwd=tmp_path)
    assert p.returncode == 2 and f"--build {build}: no faults/urt-faults" in p.stderr, p.stderr


def test_bad_tmpdir_is_refused_up_front(tmp_path):
    """TMPDIR=/nonexistent ran every stage and exited 1."""
    proc = run("--quick", "--out", tmp_path / "run", "--build", fake_build(tmp_path),
               env={"TMPDIR": "/nonexistent"})
    assert proc.returncode == 2 and "TMPDIR=/nonexistent" in proc.stderr, proc.stderr
    assert proc.stderr.count("\n") == 1 and not (tmp_path / "run").exists()


@needs_build
def test_failing_fault_cells_fail_the_run_and_the_report_says_so(tmp_path):
    out = tmp_path / "run"
    proc = run("--quick", "--build", BUILD, "--out", out, env={"URT_FAULTS_SABOTAGE": "crash"})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1] == str(out / "report.html")
    assert "main.sh: faults: FAIL (urt-faults exited 1: 0 of 4 cells passed, 4 failed, 0 hung" in proc.stdout
    assert "main.sh: verdict: FAIL: faults" in lines[-2]
    assert "main.sh: bench: pass" in proc.stdout and "main.sh: report: pass" in proc.stdout
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## Run verdict\n\nFAIL: faults" in md and "| faults | FAIL |" in md
    assert (out / "report.html").is_file()


@needs_build
def test_a_run_where_every_stage_passes_exits_0(tmp_path):
    out = tmp_path / "run"
    proc = run("--quick", "--build", BUILD, "--out", out)
    hyperfine = subprocess.run(["sh", "-c", "command -v hyperfine"], capture_output=True).returncode == 0
    want = 0 if hyperfine else 77
    assert proc.returncode == want, proc.stdout + proc.stderr
    assert "main.sh: faults: pass (4 of 4 cells passed, 0 failed, 0 hung)" in proc.stdout
    assert proc.stdout.splitlines()[-1] == str(out / "report.html")
    if hyperfine:
        assert "main.sh: verdict: PASS: every stage ran and passed" in proc.stdout
    else:
        assert "main.sh: comparisons: SKIPPED" in proc.stdout


def test_failed_bench_still_leaves_a_report_that_says_why(tmp_path):
    build = fake_build(tmp_path, bench="echo 'urt-bench: broken on purpose' >&2; exit 1")
    out = tmp_path / "run"
    proc = run("--quick", "--build", build, "--out", out, env={"HYPERFINE": "/nonexistent"})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "main.sh: bench: FAIL (urt-bench exited 1" in proc.stdout
    # the stand-in urt-faults writes no faults.json: nothing checked is a failure, not a pass
    assert "main.sh: faults: FAIL (urt-faults exited 0 but left no readable faults.json" in proc.stdout
    assert "main.sh: report: FAIL" in proc.stdout
    assert proc.stdout.splitlines()[-1] == str(out / "report.html")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "FAIL: bench faults" in page and "urt-bench exited 1" in page


def test_interrupt_stops_the_stage_and_removes_the_run_folder(tmp_path):
    pids = tmp_path / "pids"
    build = fake_build(tmp_path, bench=f"sleep 60 & echo $$ $! > {pids}.tmp && mv {pids}.tmp {pids}; wait")
    out = tmp_path / "run"
    proc = subprocess.Popen(["bash", str(MAIN), "--quick", "--build", str(build), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(200):
            if pids.exists():
                break
            time.sleep(0.05)
        assert pids.exists(), "the stand-in urt-bench never started"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "main.sh: interrupted", err
    for pid in map(int, pids.read_text().split()):
        assert not alive(pid), f"process {pid} outlived the interrupt"
    assert not out.exists()


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
