"""The single error type the command-line tools turn into 'one line, exit 2'."""


class InputError(Exception):
    """Bad user input: missing file, malformed JSON, wrong schema, no data.

    The message must be one line that names the file and what is wrong, because
    the tools print it verbatim and exit with status 2.
    """


def _no_constant(name):
    raise InputError(f"{name} is not a number")


def loads_finite(text, where):
    """json.loads, but NaN, Infinity and -Infinity are bad input.

    Python's json accepts them (they are not JSON), and a NaN slips through
    every range check: NaN <= 0 is False.  Every tool reads JSON through
    this, so no number a tool compares can be NaN or infinite."""
    import json
    try:
        return json.loads(text, parse_constant=_no_constant)
    except InputError as err:
        raise InputError(f"{where}: not valid JSON ({err})") from None
    except RecursionError:
        raise InputError(f"{where}: not valid JSON (nested too deeply)") from None
