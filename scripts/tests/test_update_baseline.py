"""update-baseline.sh: bad invocations exit 2 with one line, before measuring anything.

(That --update records observations and never moves a floor is tested on
gate_ratios.py --update itself, in test_gate_ratios.py: the script only calls it.)"""
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "update-baseline.sh"


def run(*args):
    return subprocess.run(["bash", str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("args, message", [
    (["--frobnicate"], "unknown option '--frobnicate'"),
    (["/nonexistent/build"], "is not a configured build tree"),
    (["a", "b"], "more than one BUILD_DIR"),
])
def test_bad_invocations_exit_2(args, message):
    proc = run(*args)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and message in proc.stderr, proc.stderr


def test_a_tree_without_the_gate_arguments_exits_2(tmp_path):
    (tmp_path / "CMakeCache.txt").write_text("")
    proc = run("--ratios", tmp_path)
    assert proc.returncode == 2 and "gate-ratios.args missing" in proc.stderr, proc.stderr


def test_help_says_floors_are_never_moved():
    proc = run("--help")
    assert proc.returncode == 0 and "accepted floors" in proc.stdout and "by hand" in proc.stdout
