"""Make sure we run under a Python that can import matplotlib.

The first python3 on PATH may lack matplotlib (a pyenv or venv build) while the
system interpreter has Debian's python3-matplotlib.  Rather than asking users to
spell /usr/bin/python3, the subcommands that draw call ensure_matplotlib() before they
import anything that needs it: it re-executes the same script under the
interpreter that scripts/find-python.sh picks, or fails with one line that says
what to install.
"""

import os
import subprocess
import sys
from pathlib import Path

from .cli import EXIT_BAD_INPUT

# Set in the environment of the re-executed process so a broken candidate can
# never make us loop.
_REEXEC_MARK = "URT_PLOT_REEXEC"
FIND_PYTHON = Path(__file__).resolve().parent.parent / "find-python.sh"  # the one interpreter discovery
INSTALL_HINT = "apt-get install python3-matplotlib"


def _load_matplotlib():
    """Import matplotlib with the Agg backend (files only, never a display)."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    return True


def ensure_matplotlib(prog):
    """Return when matplotlib is importable; else re-exec or exit(1) with a hint."""
    if _load_matplotlib():
        return
    if not os.environ.get(_REEXEC_MARK):
        try:
            found = subprocess.run([str(FIND_PYTHON)], capture_output=True, text=True,
                                   timeout=60, check=False)
            candidate = found.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            candidate = ""
        if candidate and os.path.realpath(candidate) != os.path.realpath(sys.executable):
            env = dict(os.environ, **{_REEXEC_MARK: "1"})
            argv = sys.argv
            if os.path.basename(argv[0]) == "__main__.py":
                # python3 -m urtperf: run the package again, not its file.
                scripts = str(FIND_PYTHON.parent)
                env["PYTHONPATH"] = scripts + os.pathsep + env.get("PYTHONPATH", "")
                argv = ["-m", "urtperf", *argv[1:]]
            os.execve(candidate, [candidate, *argv], env)
    sys.stderr.write(f"{prog}: matplotlib is not available to any python3 here: {INSTALL_HINT}\n")
    sys.exit(EXIT_BAD_INPUT)
