"""plot.py: the figures are produced as real PNGs, skipped with a reason when the
data cannot support them, and bad input is refused with one line and exit 2."""

import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PLOT = SCRIPTS / "plot.py"


def run(*args, python=sys.executable, env=None):
    return subprocess.run([python, str(PLOT), *map(str, args)], capture_output=True, text=True,
                          timeout=240, env=env)


def png_size(path):
    """(width, height) from the IHDR chunk; fails the test if it is not a PNG."""
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def sweep_figures(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep")
    proc = run(FIXTURES / "bench_sweep.json", "--out", out)
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_every_figure_kind_is_drawn_for_a_full_sweep(sweep_figures):
    out, proc = sweep_figures
    names = {p.name for p in out.glob("*.png")}
    expected = {f"{kind}_{w}.png" for kind in ("latthr", "efficiency", "throughput", "latency", "cdf", "ratio")
                for w in ("nop", "randread", "seqread")}
    expected |= {"bandwidth_seqread.png", "split_nop.png", "split_randread.png"}
    assert expected <= names, f"missing: {sorted(expected - names)}"
    # stdout lists exactly the files written.
    assert {Path(line).name for line in proc.stdout.split()} == names
    # draw_all turns a crash in one figure into a note; there must be none.
    assert "failed to draw" not in proc.stderr


def test_figures_are_slide_sized_pngs(sweep_figures):
    out, _ = sweep_figures
    for png in out.glob("*.png"):
        width, height = png_size(png)
        assert 700 <= width <= 4000 and 400 <= height <= 3000, (png.name, width, height)
        # A blank or failed plot compresses to a few kB; real ones carry lines and text.
        assert png.stat().st_size > 20_000, png.name


def test_skipped_figures_say_why(sweep_figures):
    _, proc = sweep_figures
    # randread ran at one buffer size only; seqread has no latency split in the fixture.
    assert "skipped 'randread: bandwidth vs buffer size': needs two or more buffer sizes" in proc.stderr
    assert "skipped 'seqread: where the latency goes" in proc.stderr


def test_one_backend_one_qd_skips_instead_of_failing(tmp_path):
    proc = run(FIXTURES / "bench_one.json", "--out", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "needs at least two queue depths" in proc.stderr
    assert "no raw backend results" in proc.stderr
    # What one configuration can show is still drawn.
    assert {p.name for p in tmp_path.glob("*.png")} == {"cdf_randread.png", "split_randread.png"}


def test_cdf_queue_depths_can_be_chosen(tmp_path):
    proc = run(FIXTURES / "bench_knee.json", "--out", tmp_path / "a", "--cdf-qd", "4,16")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "a" / "cdf_randread.png").exists()
    # Three chosen depths draw three columns: a wider figure than two.
    proc = run(FIXTURES / "bench_knee.json", "--out", tmp_path / "b", "--cdf-qd", "1,4,16")
    assert proc.returncode == 0, proc.stderr
    assert png_size(tmp_path / "b" / "cdf_randread.png")[0] > png_size(tmp_path / "a" / "cdf_randread.png")[0]
    # Depths the data do not have: skipped with a note, not an empty figure.
    proc = run(FIXTURES / "bench_knee.json", "--out", tmp_path / "c", "--cdf-qd", "3")
    assert proc.returncode == 0, proc.stderr
    assert "skipped 'randread: latency distribution': none of the chosen queue depths [3]" in proc.stderr
    assert not (tmp_path / "c" / "cdf_randread.png").exists()


@pytest.mark.parametrize("args, message", [
    (["{missing}", "--out", "{out}"], "no such file"),
    (["{fixtures}/faults_matrix.json", "--out", "{out}"], "schema: expected 'urt-bench/1'"),
    (["{fixtures}/bench_sweep.json", "--out", "{out}", "--cdf-qd", "0,x"], "--cdf-qd"),
    (["{fixtures}/bench_sweep.json"], "--out"),
])
def test_bad_input_one_line_exit_2(tmp_path, args, message):
    values = {"missing": tmp_path / "nope.json", "out": tmp_path / "out", "fixtures": FIXTURES}
    proc = run(*[a.format(**values) for a in args])
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and message in proc.stderr, proc.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_out_that_is_a_file_is_left_alone(tmp_path):
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    proc = run(FIXTURES / "bench_one.json", "--out", victim)
    assert proc.returncode == 2 and "not a directory" in proc.stderr
    assert victim.read_text() == "keep me"


def _python_without_matplotlib():
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(directory) / "python3"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            probe = subprocess.run([str(candidate), "-c", "import matplotlib"], capture_output=True,
                                   timeout=60)
            if probe.returncode != 0:
                return str(candidate)
    return None


def test_runs_under_a_python_without_matplotlib(tmp_path):
    """The first python3 on PATH may lack matplotlib: the script re-executes itself."""
    python = _python_without_matplotlib()
    if python is None:
        pytest.skip("every python3 on PATH has matplotlib; nothing to fall back from")
    proc = run(FIXTURES / "bench_one.json", "--out", tmp_path, python=python)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "cdf_randread.png").exists()


def test_find_python_picks_an_interpreter_with_matplotlib():
    proc = subprocess.run([str(SCRIPTS / "find-python.sh")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    python = proc.stdout.strip()
    assert proc.stdout.count("\n") == 1
    check = subprocess.run([python, "-c", "import matplotlib, jsonschema"], capture_output=True, timeout=60)
    assert check.returncode == 0
    # --bare drops matplotlib, never jsonschema: compare and the gates validate with it.
    bare = subprocess.run([str(SCRIPTS / "find-python.sh"), "--bare"], capture_output=True, text=True, timeout=60)
    assert bare.returncode == 0, bare.stderr
    check = subprocess.run([bare.stdout.strip(), "-c", "import jsonschema"], capture_output=True, timeout=60)
    assert check.returncode == 0


def test_find_python_says_what_to_install_when_nothing_fits():
    if shutil.which("sh") is None:
        pytest.skip("no sh")
    proc = subprocess.run([str(SCRIPTS / "find-python.sh"), "--with", "urt_no_such_module"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "apt-get install python3-matplotlib" in proc.stderr


def test_a_folder_that_is_not_empty_is_refused_without_force(tmp_path):
    (tmp_path / "cdf_randread.png").write_bytes(b"an earlier figure")
    proc = run(FIXTURES / "bench_one.json", "--out", tmp_path)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "not empty" in proc.stderr, proc.stderr
    assert (tmp_path / "cdf_randread.png").read_bytes() == b"an earlier figure"
    proc = run(FIXTURES / "bench_one.json", "--out", tmp_path, "--force")
    assert proc.returncode == 0, proc.stderr
    png_size(tmp_path / "cdf_randread.png")
