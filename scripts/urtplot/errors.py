"""The single error type the command-line tools turn into 'one line, exit 2'."""


class InputError(Exception):
    """Bad user input: missing file, malformed JSON, wrong schema, no data.

    The message must be one line that names the file and what is wrong, because
    the tools print it verbatim and exit with status 2.
    """
