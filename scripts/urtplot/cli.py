"""Conventions shared by the command-line entry points."""

import argparse
import sys

from .errors import InputError

EXIT_BAD_INPUT = 2


class OneLineArgumentParser(argparse.ArgumentParser):
    """argparse prints usage plus a message on error; we promise one line."""

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
