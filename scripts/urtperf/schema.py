"""The one check of urt-bench/1 and urt-faults/1 types: the committed JSON
Schemas in schemas/ (Draft 2020-12) through jsonschema (python3-jsonschema).

Every reader of those files asks this module (the report, plot, compare, the
gates, export, bench/validate_json.py); what a schema cannot say (the
checks between fields, "nothing to report") stays in the reader's code.
"""

import json
from pathlib import Path

from .cli import InputError

SCHEMA_DIR = Path(__file__).resolve().parent.parent.parent / "schemas"
SCHEMA_FILES = {"urt-bench/1": "urt-bench-1.schema.json", "urt-faults/1": "urt-faults-1.schema.json"}
_MESSAGE_MAX = 160  # jsonschema quotes whole objects; one line stays readable


def load(name):
    """The schema named `name` (e.g. "urt-bench/1") as a fresh dict (callers may narrow it)."""
    try:
        with open(SCHEMA_DIR / SCHEMA_FILES[name], encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read the {name} schema in {SCHEMA_DIR}: {err}") from None


def where(path):
    """results[3].lat_ns.p99 for the path jsonschema gives; 'top level' for none."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "top level"


def errors(doc, schema):
    """Every way doc breaks schema (a dict), one 'where: what' line each, in document order."""
    try:
        import jsonschema
    except ImportError:
        raise InputError("needs the jsonschema module (Debian: python3-jsonschema)") from None
    found = jsonschema.Draft202012Validator(schema).iter_errors(doc)
    return [f"{where(e.absolute_path)}: {e.message}"
            for e in sorted(found, key=lambda e: list(map(str, e.absolute_path)))]


def check(doc, path, name):
    """Raise InputError naming path and the first place doc breaks schema `name`."""
    found = errors(doc, load(name))
    if found:
        first = " ".join(found[0].split())
        if len(first) > _MESSAGE_MAX:
            first = first[:_MESSAGE_MAX - 3] + "..."
        more = f", and {len(found) - 1} more problems" if len(found) > 1 else ""
        raise InputError(f"{path}: {first} (not valid {name}{more})")
    return doc
