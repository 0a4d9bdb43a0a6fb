"""The output directory: create it, or explain in one line why we cannot."""

from pathlib import Path

from .errors import InputError


def prepare(path):
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a directory (not touching it)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"--out {out}: cannot create directory: {err.strerror}") from None
    probe = out / ".urt-write-probe"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise InputError(f"--out {out}: directory is not writable: {err.strerror}") from None
    return out
