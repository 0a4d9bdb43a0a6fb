"""A run folder (what scripts/main.sh writes into results/<ts>/) as store rows.

Every *.json directly in the folder is recognised by its content, not its name:
  urt-bench/1                    ops/s and p99 per configuration and repeat, and
                                 ratio_to_raw: ops/s over the raw backend's at
                                 the same configuration and repeat (same run)
  urt-faults/1                   the matrix totals: failed and hung cells,
                                 corrupted bytes, lost and doubled operations
  hyperfine --export-json        wall seconds per command, one row per timed run
  urt-instructions-baseline/1    instructions per operation per urt-micro case
                                 (gate_instructions.py --update writes it; see
                                 scripts/ci-history.sh)
  urt-ratios-baseline/1 with     the ratio gate's values per check
  "observed"                     (gate_ratios.py --update)
Sub-folders (main.sh's parts/, figures/) are not read: bench.json already
merges the parts.  Anything else is named on stderr and left out.

The run's identity is a SHA-256 over the files it was read from (names and
bytes), so importing the same run twice adds nothing, wherever it was copied.
"""

import datetime
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from . import inputs
from .cli import InputError, loads_finite

from .store import machine_json

REPO = Path(__file__).resolve().parent.parent.parent
RATIO_KEYS = ("workload", "qd", "batch", "complete_batch", "bs", "threads")


def bench_config(r):
    """The configuration's name, as export_metrics.py spells benchmarks, plus options."""
    name = (f"{r['workload']}/{r['backend']}/qd{r['qd']}/batch{r['batch']}/cb{r['complete_batch']}"
            f"/bs{r['bs']}/t{r['threads']}")
    options = sorted(r.get("options") or [])
    return name + "".join(f"+{o}" for o in options)


def _row(source, metric, config, repeat, value, unit, better, fields=None):
    return {"source": source, "metric": metric, "config": config, "repeat": int(repeat),
            "value": float(value), "unit": unit, "better": better,
            "config_json": json.dumps(fields, sort_keys=True) if fields is not None else None}


def bench_rows(doc):
    rows, raw = [], {}
    for r in doc["results"]:
        if r["backend"] == "raw" and r.get("iops"):
            key = (*(r[k] for k in RATIO_KEYS), tuple(sorted(r.get("options") or [])), r["repeat"])
            raw[key] = r["iops"]
    for r in doc["results"]:
        fields = {k: r[k] for k in ("backend", *RATIO_KEYS)}
        fields["options"] = sorted(r.get("options") or [])
        config = bench_config(r)
        if r.get("iops") is not None:
            rows.append(_row("bench", "ops_per_s", config, r["repeat"], r["iops"], "ops/s", "higher", fields))
        p99 = (r.get("lat_ns") or {}).get("p99")
        if p99 is not None:
            rows.append(_row("bench", "p99_ns", config, r["repeat"], p99, "ns", "lower", fields))
        if r["backend"] != "raw" and r.get("iops") is not None:
            key = (*(r[k] for k in RATIO_KEYS), tuple(fields["options"]), r["repeat"])
            if raw.get(key):
                rows.append(_row("bench", "ratio_to_raw", config, r["repeat"], r["iops"] / raw[key],
                                 "x raw", "higher", fields))
    return rows


def faults_rows(doc):
    totals = doc.get("totals") or {}
    cells = doc["cells"]
    counted = {
        "failed_cells": totals.get("failed", sum(c["status"] == "fail" for c in cells)),
        "hung_cells": totals.get("hangs", sum(c["status"] == "hang" for c in cells)),
    }
    for name in ("corrupted_bytes", "lost_ops", "doubled_ops"):
        counted[name] = totals.get(name, sum(c.get(name) or 0 for c in cells))
    return [_row("faults", f"faults_{name}", "matrix", 0, value, "count", "lower", {"cells": len(cells)})
            for name, value in counted.items() if isinstance(value, (int, float))]


def hyperfine_rows(doc, stem):
    rows = []
    for res in doc["results"]:
        config = f"{stem}/{res['command']}"
        times = res.get("times") or [res["mean"]]
        for i, t in enumerate(times):
            rows.append(_row("hyperfine", "wall_s", config, i, t, "s", "lower", {"command": res["command"]}))
    return rows


def _bad(path, what):
    raise InputError(f"{path}: {what}")


def instructions_rows(doc, path):
    metrics = doc.get("metrics")
    if not isinstance(metrics, dict) or not metrics:
        _bad(path, "metrics: expected a non-empty object")
    rows = []
    for case, m in metrics.items():
        value = m.get("instructions_per_op") if isinstance(m, dict) else None
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            _bad(path, f"metrics.{case}.instructions_per_op: expected a positive number")
        rows.append(_row("instructions", "instructions_per_op", case, 0, value, "instructions/op", "lower"))
    return rows


def ratios_rows(doc, path):
    observed = (doc.get("observed") or {}).get("ratios")
    if not isinstance(observed, dict):
        return None  # a baseline as committed: floors, no measurement
    rows = []
    for check, seen in observed.items():
        values = seen.get("gate_values") if isinstance(seen, dict) else None
        if not isinstance(values, list) or not all(isinstance(v, (int, float)) for v in values):
            _bad(path, f"observed.ratios.{check}.gate_values: expected a list of numbers")
        rows += [_row("ratios", "gate_ratio", check, i, v, "ratio", "higher") for i, v in enumerate(values)]
    return rows


def _kind(doc):
    if not isinstance(doc, dict):
        return None
    schema = doc.get("schema")
    if schema in ("urt-bench/1", "urt-faults/1", "urt-instructions-baseline/1", "urt-ratios-baseline/1"):
        return schema
    results = doc.get("results")
    if isinstance(results, list) and results and isinstance(results[0], dict) \
            and "command" in results[0] and "mean" in results[0]:
        return "hyperfine"
    return None


def _commit_of(describe):
    """The commit hash inside `git describe --always --dirty` output, or None."""
    if not describe:
        return None
    text = describe[:-len("-dirty")] if describe.endswith("-dirty") else describe
    m = re.search(r"(?:^|-g)([0-9a-f]{7,40})$", text)
    return m.group(1) if m else None


def commit_time(describe, repo=REPO):
    """The committer date of the run's commit, when this repository has it."""
    commit = _commit_of(describe)
    if not commit:
        return None
    try:
        out = subprocess.run(["git", "-C", str(repo), "show", "-s", "--format=%cI", commit + "^{commit}"],
                             capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0 or not out.stdout.strip():
        return None
    when = datetime.datetime.fromisoformat(out.stdout.strip())
    return when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _folder_date(folder):
    try:
        when = datetime.datetime.strptime(folder.name, "%Y%m%dT%H%M%SZ")
    except ValueError:
        return None
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def read_run(folder, host=None, repo=REPO, warn=sys.stderr):
    """Return (run fields, result rows) of a run folder; InputError on bad input."""
    folder = Path(folder)
    if not folder.exists():
        raise InputError(f"{folder}: no such run folder")
    if not folder.is_dir():
        raise InputError(f"{folder}: not a directory (expected a results/<ts>/ run folder)")
    digest = hashlib.sha256()
    rows, metas, used, hashes, gits = [], [], [], {}, {}
    for path in sorted(folder.glob("*.json")):
        if not path.is_file():
            continue
        try:
            data = path.read_bytes()
            doc = loads_finite(data.decode("utf-8"), path)
        except OSError as err:
            raise InputError(f"{path}: cannot read: {err.strerror}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise InputError(f"{path}: not valid JSON ({' '.join(str(err).split())})") from None
        kind = _kind(doc)
        if kind == "urt-bench/1":
            doc = inputs.load_bench(path)
            rows += bench_rows(doc)
            metas.append(doc.get("meta") or {})
        elif kind == "urt-faults/1":
            doc = inputs.load_faults(path)
            rows += faults_rows(doc)
            metas.append(doc.get("meta") or {})
        elif kind == "hyperfine":
            rows += hyperfine_rows(inputs.load_hyperfine(path), path.stem)
        elif kind == "urt-instructions-baseline/1":
            rows += instructions_rows(doc, path)
            rec = doc.get("recorded") or {}
            metas.append({"git": rec.get("git"), "started": rec.get("date"), "kernel": rec.get("kernel"),
                          "liburing": rec.get("liburing"), "build": rec.get("build_config")})
        elif kind == "urt-ratios-baseline/1":
            got = ratios_rows(doc, path)
            if got is None:
                warn.write(f"urtperf: {path}: a ratios baseline without 'observed': left out\n")
                continue
            rows += got
        else:
            warn.write(f"urtperf: {path}: not a format the history reads: left out\n")
            continue
        for r in rows:
            r.setdefault("file", path.name)  # which file each result came from
        if metas and metas[-1].get("git") and path.name not in gits and kind != "urt-instructions-baseline/1":
            gits[path.name] = metas[-1]["git"]
        used.append(path.name)
        hashes[path.name] = hashlib.sha256(data).hexdigest()
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(data).digest())
    if not used:
        raise InputError(f"{folder}: no bench.json, faults.json, hyperfine_*.json or gate output here")
    if not rows:
        raise InputError(f"{folder}: {', '.join(used)}: no result with a value")
    commits = {}
    for name, g in gits.items():
        c = _commit_of(g) or g
        same = next((k for k in commits if k.startswith(c) or c.startswith(k)), c)  # abbreviations
        commits.setdefault(same, []).append(name)
    if len(commits) > 1:  # e.g. ab.sh's A.json and B.json: one run is one commit
        which = "; ".join(f"{', '.join(n)}: {c}" for c, n in commits.items())
        raise InputError(f"{folder}: holds results of {len(commits)} different commits ({which}): "
                         "one run is one commit; put each in a folder of its own and add those")

    meta = {}
    for m in metas:  # the first file that knows a field wins (bench.json sorts first)
        for k, v in m.items():
            if v is not None and k not in meta:
                meta[k] = v
    git = meta.get("git")
    run = {
        "content_hash": digest.hexdigest(),
        "source_dir": str(folder),
        "git": git,
        "started": meta.get("started") or _folder_date(folder),
        "host": host or meta.get("host") or os.uname().nodename,
        "imported": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit_time": commit_time(git, repo),
        "kernel": meta.get("kernel"),
        "cpu": meta.get("cpu"),
        "cores": meta.get("cores") if isinstance(meta.get("cores"), int) else None,
        "liburing": meta.get("liburing"),
        "build": meta.get("build"),
        "machine": machine_json({k: v for k, v in meta.items() if k != "argv"}),
        "files": used,
        "file_hashes": hashes,
    }
    return run, rows
