"""Conventions shared by the command-line entry points."""

import argparse
import sys

from .errors import InputError
from .version import add_version_argument

EXIT_BAD_INPUT = 2


class OneLineArgumentParser(argparse.ArgumentParser):
    """argparse prints usage plus a message on error; we promise one line.  --version built in."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_version_argument(self)

    def error(self, message):
        sys.stderr.write(f"{self.prog}: {message} (try --help)\n")
        sys.exit(EXIT_BAD_INPUT)


def run(main, prog):
    """Call main(); turn InputError into one line on stderr and exit status 2."""
    try:
        return main()
    except InputError as err:
        text = " ".join(str(err).split())  # one line, whatever the message held
        sys.stderr.write(f"{prog}: {text}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        sys.stderr.write(f"{prog}: interrupted\n")
        return 130


def parse_qd_list(text, option="--cdf-qd"):
    """'1,16' -> [1, 16]; anything else is bad input."""
    try:
        qds = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        qds = []
    if not qds or any(q < 1 for q in qds):
        raise InputError(f"{option}: expected a comma-separated list of queue depths >= 1, got {text!r}")
    return qds


def check_output_file(path, force=False, option="-o", inputs=()):
    """Refuse, before any work, an output file that cannot or must not be written.

    An existing file is never overwritten without --force, an input never,
    and a folder that does not exist or cannot be written to is found now,
    not after the work.  Standard library only: compare.py's tools use it."""
    import os
    where = f"{option} {path}"
    if any(os.path.exists(i) and os.path.exists(path) and os.path.samefile(i, path) for i in inputs):
        raise InputError(f"{where}: is an input; refusing to overwrite it")
    if os.path.isdir(path):
        raise InputError(f"{where}: is a directory")
    if os.path.lexists(path) and not force:
        raise InputError(f"{where}: exists; refusing to overwrite it (choose another name, or --force)")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise InputError(f"{where}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError(f"{where}: folder {parent} is not writable")


def check_replaceable(path, option="--baseline"):
    """Refuse, before any work, a file that --update could not replace.

    write_file_atomically writes beside the file and renames, so its folder
    must take a new file: tried for real, since os.access says yes to root
    even on /proc."""
    import os
    import tempfile
    where = f"{option} {path}"
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise InputError(f"{where}: folder {parent} does not exist")
    if os.path.isdir(path):
        raise InputError(f"{where}: is a directory")
    try:
        with tempfile.NamedTemporaryFile(dir=parent, prefix=".urt-write-test."):
            pass
    except OSError as err:
        raise InputError(f"{where}: cannot write in {parent} ({err.strerror})") from None


def write_file_atomically(path, text, option="-o"):
    """Write beside and rename: a failure never leaves half a file."""
    import os
    tmp = f"{path}.tmp.{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as err:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise InputError(f"{option} {path}: cannot write ({err.strerror})") from None


def exit_on_interrupt(main, prog):
    """Run main(); SIGINT or SIGTERM: one 'interrupted' line and status 130.

    SIGTERM is turned into KeyboardInterrupt, so both unwind the same way:
    subprocess.run kills the child it waits for, temporary directories are
    removed by their context managers, and files are only ever renamed into
    place once complete, so nothing half-written is left behind."""
    import signal

    def to_interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, to_interrupt)
    try:
        return main()
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        sys.stderr.write(f"{prog}: interrupted\n")
        return 130
