"""What every urtperf subcommand shares: the one error type, the exit codes,
argument parsing that fails in one line, reading JSON, and writing files.

Exit codes mean one thing in every subcommand: 0 checked and passed (or
done), 1 checked and failed, 2 bad input or nothing judged, 77 skipped with a
reason, 130 interrupted.  Standard library only: compare and the gates run
without matplotlib.
"""

import argparse
import json
import os
import signal
import sys
import tempfile

EXIT_PASS, EXIT_FAIL, EXIT_BAD_INPUT, EXIT_SKIP, EXIT_INTERRUPTED = 0, 1, 2, 77, 130


class InputError(Exception):
    """Bad user input: missing file, malformed JSON, wrong schema, no data.

    The message is one line that names the file and what is wrong: the
    subcommand prints it after its name and exits 2."""


BadInput = InputError  # the regression tools' historical name


class OneLineArgumentParser(argparse.ArgumentParser):
    """argparse prints usage plus a message on error; we promise one line.  --version built in."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .version import add_version_argument
        add_version_argument(self)

    def error(self, message):
        raise InputError(f"{message} (try --help)")


def run(main, prog, argv=None):
    """main(argv) -> exit status; InputError: one line on stderr and 2;
    SIGINT or SIGTERM: one 'interrupted' line and 130.  SIGTERM unwinds like
    SIGINT, so subprocess.run kills its child, temporary folders go away and
    no half-written file is left (files are renamed into place complete)."""
    def to_interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, to_interrupt)
    try:
        return main(sys.argv[1:] if argv is None else argv)
    except InputError as err:
        sys.stderr.write(f"{prog}: {' '.join(str(err).split())}\n")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        sys.stderr.write(f"{prog}: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (| head): nothing more to say to it.
        sys.stderr.close()
        os._exit(EXIT_FAIL)


def _no_constant(name):
    raise InputError(f"{name} is not a number")


def loads_finite(text, where):
    """json.loads, but NaN, Infinity and -Infinity are bad input.

    Python's json accepts them (they are not JSON), and a NaN slips through
    every range check: NaN <= 0 is False.  Every subcommand reads JSON
    through this, so no number it compares can be NaN or infinite."""
    try:
        return json.loads(text, parse_constant=_no_constant)
    except InputError as err:
        raise InputError(f"{where}: not valid JSON ({err})") from None
    except RecursionError:
        raise InputError(f"{where}: not valid JSON (nested too deeply)") from None
    except json.JSONDecodeError as err:
        raise InputError(f"{where}: not valid JSON (line {err.lineno}: {err.msg})") from None


def load_json(path, what=None):
    """The JSON document in path (what: the kind of file, for the messages);
    every way of failing is one InputError line."""
    hint = f" ({what})" if what else ""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file{hint}") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a {what + ' ' if what else ''}JSON file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text file") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror})") from None
    if not text.strip():
        raise InputError(f"{path}: empty file, expected {what + ' ' if what else ''}JSON")
    return loads_finite(text, path)


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
    not after the work."""
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
    tmp = f"{path}.tmp.{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as err:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise InputError(f"{option} {path}: cannot write ({err.strerror})") from None
