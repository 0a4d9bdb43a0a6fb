"""The output directory: create it, or explain in one line why we cannot.

Nothing a tool wrote before is overwritten unless the user says --force:
`outputs` names the entries this tool writes in the folder (any of them
existing is refused), or None when the tool owns the whole folder (then a
folder that is not empty is refused)."""

from pathlib import Path

from .cli import InputError


def prepare(path, force=False, outputs=None):
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: exists and is not a directory (not touching it)")
    if out.is_dir() and not force:
        if outputs is None:
            if any(out.iterdir()):
                raise InputError(f"--out {out}: not empty; refusing to overwrite (choose a new folder, "
                                 "or --force)")
        else:
            there = [name for name in outputs if (out / name).exists()]
            if there:
                raise InputError(f"--out {out}: already holds {', '.join(there)}; refusing to overwrite "
                                 "(choose a new folder, or --force)")
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
