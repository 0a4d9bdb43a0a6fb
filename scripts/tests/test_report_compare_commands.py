"""compare-commands.sh: hyperfine JSON that report.py ingests; wrong copies void
the timing; missing tools skip with a note; bad arguments exit 2.

urt-cp and urt-bench are stood in for by tiny scripts (a cp wrapper and a no-op),
so this tests the script's mechanics, never the runtime's speed.
"""

import os
import shutil
import subprocess
import signal
import sys
import time
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent
COMPARE = SCRIPTS / "compare-commands.sh"

sys.path.insert(0, str(SCRIPTS))
sys.dont_write_bytecode = True
from urtperf import inputs  # noqa: E402

needs_hyperfine = pytest.mark.skipif(shutil.which("hyperfine") is None, reason="hyperfine not installed")


def fake_bin(tmp_path, copy_body='exec cp "$src" "$dst"'):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "urt-cp").write_text(
        "#!/bin/sh\n# stand-in for urt-cp: the last two arguments are SRC DST\n"
        'for a; do src=$dst; dst=$a; done\n' + copy_body + "\n")
    (bin_dir / "urt-bench").write_text("#!/bin/sh\nexit 0\n")
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    return bin_dir


def run(*args, env=None):
    return subprocess.run(["sh", str(COMPARE), *map(str, args)], capture_output=True, text=True, timeout=240,
                          env=dict(os.environ, **(env or {})))


@needs_hyperfine
def test_writes_hyperfine_json_the_report_reads(tmp_path):
    out = tmp_path / "out"
    proc = run("--bin", fake_bin(tmp_path), "--out", out, "--size", "256k", "--runs", "2")
    assert proc.returncode == 0, proc.stderr
    written = proc.stdout.split()
    assert written == [str(out / "hyperfine_cp.json"), str(out / "hyperfine_bench_batch.json")]
    cp = inputs.load_hyperfine(out / "hyperfine_cp.json")
    commands = [r["command"] for r in cp["results"]]
    # urt-cp in its modes, cp, dd with urt-cp's block size; the O_DIRECT pair
    # when the temp dir's file system takes O_DIRECT.
    assert commands[:5] == ["urt-cp --qd 1 --bs 1m src.bin dst-urt.bin",
                            "urt-cp --method rw --qd 1 --bs 1m src.bin dst-urt-rw.bin",
                            "urt-cp --verify --qd 1 --bs 1m src.bin dst-urt-verify.bin",
                            "cp src.bin dst-cp.bin", "dd if=src.bin of=dst-dd.bin bs=1048576 status=none"]
    if "refuses O_DIRECT" not in proc.stderr:
        assert commands[5:] == ["urt-cp --direct --qd 1 --bs 1m src.bin dst-urt-direct.bin",
                                "dd if=src.bin of=dst-dd-direct.bin bs=1048576 iflag=direct oflag=direct "
                                "status=none"]
    assert all(len(r["times"]) == 2 for r in cp["results"])
    bench = inputs.load_hyperfine(out / "hyperfine_bench_batch.json")
    assert [r["parameters"]["batch"] for r in bench["results"]] == ["1", "8"]
    report = subprocess.run([sys.executable, str(SCRIPTS / "report.py"),
                             str(Path(__file__).parent / "fixtures" / "bench_one.json"),
                             "--hyperfine", *written, "--out", str(tmp_path / "report")],
                            capture_output=True, text=True, timeout=300)
    assert report.returncode == 0, report.stderr
    assert "urt-cp --qd 1 --bs 1m src.bin dst-urt.bin" in (tmp_path / "report" / "report.md").read_text()
    # The temp dir with the source file is gone.
    assert not any(Path(os.environ.get("TMPDIR", "/tmp")).glob("urt-compare.*/src.bin"))


@needs_hyperfine
def test_a_wrong_copy_voids_the_timing(tmp_path):
    bin_dir = fake_bin(tmp_path, copy_body='head -c 1000 "$src" > "$dst"')
    out = tmp_path / "out"
    proc = run("--bin", bin_dir, "--out", out, "--size", "64k", "--runs", "2")
    assert proc.returncode == 1
    assert "differs from the source" in proc.stderr
    assert not (out / "hyperfine_cp.json").exists()


@needs_hyperfine
def test_existing_results_are_not_overwritten(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "hyperfine_cp.json").write_text("mine")
    proc = run("--bin", fake_bin(tmp_path), "--out", out, "--size", "64k", "--runs", "2")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert (out / "hyperfine_cp.json").read_text() == "mine"


def test_missing_hyperfine_skips_with_a_note(tmp_path):
    out = tmp_path / "out"
    proc = run("--bin", fake_bin(tmp_path), "--out", out, env={"HYPERFINE": str(tmp_path / "no-hyperfine")})
    assert proc.returncode == 77  # nothing ran: skipped, with the reason, never a pass
    assert "skipped: hyperfine not found" in proc.stderr and proc.stdout == ""
    assert not out.exists()


@needs_hyperfine
def test_missing_binaries_skip_each_comparison_with_a_note(tmp_path):
    out = tmp_path / "out"
    proc = run("--bin", tmp_path / "empty", "--out", out)
    assert proc.returncode == 77
    assert "skipped urt-cp vs cp vs dd" in proc.stderr and "urt-bench --batch 1 vs 8" in proc.stderr
    assert proc.stdout == "" and not out.exists()


@pytest.mark.parametrize("args, message", [
    (["--runs", "0"], "--runs"), (["--size", "12x"], "--size"), (["--qd", "-1"], "--qd"),
    (["--bs", "k"], "--bs"), (["--bs", "0"], "--bs"), (["--frobnicate"], "unknown argument"),
    (["--out"], "needs a value"),
])
def test_bad_arguments_one_line_exit_2(tmp_path, args, message):
    proc = run(*args)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and message in proc.stderr, proc.stderr


@needs_hyperfine
def test_one_missing_binary_skips_that_comparison_only(tmp_path):
    bin_dir = fake_bin(tmp_path)
    (bin_dir / "urt-cp").unlink()
    out = tmp_path / "out"
    proc = run("--bin", bin_dir, "--out", out, "--runs", "2", "--bench-ops", "10")
    assert proc.returncode == 0, proc.stderr
    assert "skipped urt-cp vs cp vs dd" in proc.stderr
    assert proc.stdout.split() == [str(out / "hyperfine_bench_batch.json")]


def test_unwritable_out_is_refused_before_any_work(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user that can write anywhere (root)")
        proc = run("--bin", fake_bin(tmp_path), "--out", locked / "run", env={"HYPERFINE": "/bin/false"})
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and "--out" in proc.stderr and "not a writable directory" in proc.stderr
    finally:
        locked.chmod(0o700)


def test_out_under_a_file_is_refused_before_any_work(tmp_path):
    (tmp_path / "file").write_text("x")
    proc = run("--bin", fake_bin(tmp_path), "--out", tmp_path / "file" / "run", env={"HYPERFINE": "/bin/false"})
    assert proc.returncode == 2 and "--out" in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr


def test_interrupt_stops_hyperfine_and_leaves_nothing(tmp_path):
    """SIGINT mid-run: the (fake, slow) hyperfine and its child are stopped,
    the temp dir and the out folder are gone, one 'interrupted' line, 130."""
    fake = tmp_path / "slow-hyperfine"
    pids = tmp_path / "pids"
    fake.write_text("#!/bin/sh\n"
                    f"sleep 60 & echo $$ $! > {pids}.tmp && mv {pids}.tmp {pids}\n"
                    "wait\n")
    fake.chmod(0o755)
    out = tmp_path / "out"
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    proc = subprocess.Popen(["sh", str(COMPARE), "--bin", str(fake_bin(tmp_path)), "--out", str(out),
                             "--size", "64k", "--runs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, HYPERFINE=str(fake), TMPDIR=str(tmpdir)))
    try:
        for _ in range(200):
            if pids.exists():
                break
            time.sleep(0.05)
        assert pids.exists(), "the fake hyperfine never started"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "compare-commands.sh: interrupted", err
    for pid in map(int, pids.read_text().split()):
        assert not alive(pid), f"process {pid} outlived the interrupt"
    assert not out.exists() and list(tmpdir.iterdir()) == []


def alive(pid):
    """True while pid runs (a zombie of a dead parent counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@needs_hyperfine
def test_a_relative_bin_works(tmp_path):
    # The commands run in a temp dir; a relative --bin used to leave them
    # unable to find urt-cp (hyperfine: exit 127).
    fake_bin(tmp_path)
    out = tmp_path / "out"
    proc = subprocess.run(["sh", str(COMPARE), "--bin", "bin", "--out", "out", "--size", "64k", "--runs", "2",
                           "--bench-ops", "10"], capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (out / "hyperfine_cp.json").is_file() and (out / "hyperfine_bench_batch.json").is_file()
