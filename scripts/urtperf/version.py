"""--version for urt's Python scripts: the same text as scripts/version.sh.

A script is not built, so the tree it runs from is the program: the project
version comes from CMakeLists.txt and the revision from git, read now.
"""
import argparse
import os
import re
import subprocess

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def version_text(prog):
    """'PROG VERSION' then the git revision of the source tree."""
    version = "unknown"
    try:
        with open(os.path.join(_ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
            m = re.search(r"^project\(urt VERSION ([0-9.]+)", f.read(), re.M)
            if m:
                version = m.group(1)
    except OSError:
        pass
    try:
        rev = subprocess.run(["git", "-C", _ROOT, "describe", "--always", "--dirty"], capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        rev = "unknown"
    return f"{prog} {version}\ngit revision {rev} (the source tree the script runs from)"


class _Version(argparse.Action):
    """Like action='version', but asks git only when --version is given."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_text(parser.prog))
        parser.exit(0)


def add_version_argument(parser):
    """Adds --version to an argparse parser (prints to stdout, exits 0)."""
    parser.add_argument("--version", action=_Version, help="print the version and the git revision, then exit")
