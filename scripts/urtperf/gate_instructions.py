"""urtperf gate-instructions (scripts/gate_instructions.py) - the instruction-count regression gate.

    gate_instructions.py --micro BUILD/bench/micro/urt-micro [--baseline FILE]
                         [--cases a,b] [--ops N] [--tolerance PCT] [--build-config C]
                         [--compiler ID] [--update] [--markdown]

Runs every urt-micro case twice under valgrind callgrind (cache simulation
off, its default), with N and 2N operations, and takes
    instructions per op = (Ir(2N) - Ir(N)) / N
so process start-up, urt_create and the case's own setup cancel.  Compares
with the committed baseline (results/baseline/instructions.json), each
metric with its own tolerance (default 2 %), and fails with a table when a
metric got more expensive than that, when a case measured no work (<= 0 per
op), or when it got implausibly cheap (below half its baseline: suspicious,
re-record the baseline with a reason).  Only new metrics, nothing judged: 2.

Instruction counts do not move with machine load, which is why this gate
can be strict on a shared CI runner.  They are user-space only: valgrind
never sees the kernel's io_uring work.

--update writes the measured numbers into the baseline file instead (keeping
its tolerances, and with --cases every metric not measured); it refuses
non-positive numbers, and an unwritable file before measuring (exit 2).
scripts/update-baseline.sh is the usual way to call it.

Exit status: 0 pass, 1 regression (or a case failed), 2 bad input,
77 skipped (valgrind missing, or a build configured unlike the baseline's).
"""
import datetime
import json
import os
import re
import shutil
import subprocess
import tempfile

from .cli import BadInput, InputError, check_replaceable, write_file_atomically
from .compare import OneLineParser, load_schema_doc, render_table

SCHEMA = "urt-instructions-baseline/1"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_BASELINE = os.path.join(REPO, "results", "baseline", "instructions.json")
DEFAULT_TOLERANCE_PCT = 2.0
DEFAULT_OPS = 3200  # a multiple of 32 so the qd32 cases end on whole rounds
# A case that got this much cheaper (new < PLAUSIBLE_FRACTION x baseline) is
# more likely doing less work (a broken loop bound, a case that returns at
# once) than optimised: it fails as suspicious until the baseline is
# re-recorded, with a reason in the commit.
PLAUSIBLE_FRACTION = 0.5
SKIP = 77
USER_SPACE_NOTE = ("valgrind counts user-space instructions only: the kernel's io_uring work "
                   "(submission, completion, copying read data) is invisible to it")


def tool_version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).strip().splitlines()[0] if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError, IndexError):
        return None


def git_describe():
    return tool_version(["git", "-C", REPO, "describe", "--always", "--dirty", "--abbrev=12"])


def load_baseline(path):
    doc = load_schema_doc(path, SCHEMA, "create it with scripts/update-baseline.sh")
    metrics = doc.get("metrics")
    if not isinstance(metrics, dict) or not metrics:
        raise BadInput(f"{path}: 'metrics' must be a non-empty object")
    for name, m in metrics.items():
        if not isinstance(m, dict) or not isinstance(m.get("instructions_per_op"), (int, float)) \
                or m["instructions_per_op"] <= 0:
            raise BadInput(f"{path}: metrics.{name}.instructions_per_op must be a positive number")
        tol = m.get("tolerance_pct", doc.get("default_tolerance_pct", DEFAULT_TOLERANCE_PCT))
        if not isinstance(tol, (int, float)) or not 0 <= tol < 100:
            raise BadInput(f"{path}: metrics.{name}.tolerance_pct must be in [0, 100)")
    ops = doc.get("ops", DEFAULT_OPS)
    if not isinstance(ops, int) or ops <= 0:
        raise BadInput(f"{path}: 'ops' must be a positive integer")
    return doc


def list_cases(micro):
    """The case names, after checking that `micro` is urt-micro at all.

    Any program answers --list somehow (/bin/true with nothing, exit 0); a
    gate that then found every case missing would blame the runtime.  So the
    binary must introduce itself ("usage: urt-micro" from --help) and list at
    least one case."""
    try:
        helped = subprocess.run([micro, "--help"], capture_output=True, text=True, timeout=30)
        listed = subprocess.run([micro, "--list"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as e:
        raise BadInput(f"{micro}: cannot run it: {e}")
    except UnicodeDecodeError:
        raise BadInput(f"{micro}: this is not urt-micro (it prints binary output)")
    if helped.returncode != 0 or not helped.stdout.startswith("usage: urt-micro"):
        raise BadInput(f"{micro}: this is not urt-micro (its --help does not start with 'usage: urt-micro')")
    if listed.returncode != 0:
        raise BadInput(f"{micro} --list failed: {listed.stderr.strip()}")
    cases = listed.stdout.split()
    if not cases or not all(re.fullmatch(r"[a-z0-9][a-z0-9_-]*", c) for c in cases):
        raise BadInput(f"{micro}: --list gave no case names: this is not a working urt-micro")
    return cases


def count_instructions(valgrind, micro, case, ops, workdir):
    """Total Ir of one run of urt-micro under callgrind."""
    outfile = os.path.join(workdir, f"callgrind.{case}.{ops}")
    cmd = [valgrind, "--tool=callgrind", f"--callgrind-out-file={outfile}", micro, case, str(ops)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        tail = " | ".join(ln for ln in p.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"{case} with {ops} ops failed under valgrind (exit {p.returncode}): {tail}")
    with open(outfile, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"(?:summary|totals):\s+(\d+)", line)
            if m:
                return int(m.group(1))
    raise RuntimeError(f"{outfile}: no instruction total in the callgrind output")


def measure(valgrind, micro, cases, ops):
    per_op = {}
    with tempfile.TemporaryDirectory(prefix="urt-gate-") as workdir:
        for case in cases:
            once = count_instructions(valgrind, micro, case, ops, workdir)
            twice = count_instructions(valgrind, micro, case, 2 * ops, workdir)
            per_op[case] = (twice - once) / ops
            print(f"  {case:<18} Ir({ops}) = {once:,}  Ir({2 * ops}) = {twice:,}  "
                  f"-> {per_op[case]:.1f} per op", flush=True)
    return per_op


def tolerance_of(doc, name, override):
    if override is not None:
        return override
    m = doc["metrics"].get(name, {})
    return m.get("tolerance_pct", doc.get("default_tolerance_pct", DEFAULT_TOLERANCE_PCT))


def verdicts(doc, measured, override):
    """Rows (name, base, new, change, tol, verdict) and the failing names."""
    rows, failed, stale = [], [], []
    for name in list(doc["metrics"]) + [n for n in measured if n not in doc["metrics"]]:
        base = doc["metrics"].get(name, {}).get("instructions_per_op")
        new = measured.get(name)
        tol = tolerance_of(doc, name, override)
        if base is None:
            rows.append((name, "-", f"{new:.1f}", "-", "-", "new metric (not in baseline)"))
            continue
        if new is None:
            rows.append((name, f"{base:.1f}", "-", "-", f"{tol:g} %", "MISSING (case not run)"))
            failed.append(name)
            continue
        change = (new - base) / base * 100
        if not new > 0:
            verdict = "NO WORK MEASURED (<= 0 per op)"
            failed.append(name)
        elif new < PLAUSIBLE_FRACTION * base:
            verdict = "SUSPICIOUS: re-record the baseline with a reason"
            failed.append(name)
        elif change > tol:
            verdict = "REGRESSION"
            failed.append(name)
        elif change < -tol:
            verdict = "faster (baseline stale)"
            stale.append(name)
        else:
            verdict = "ok"
        rows.append((name, f"{base:.1f}", f"{new:.1f}", f"{round(change, 2) + 0.0:+.2f} %", f"{tol:g} %", verdict))
    return rows, failed, stale


def check_baseline_writable(path):
    """--update: find an unwritable baseline before measuring, not after."""
    try:
        check_replaceable(path)
    except InputError as e:
        raise BadInput(str(e))


def write_baseline(path, old, measured, args, versions):
    # Cases not measured this time (--cases) keep their recorded numbers.
    metrics = {n: dict(m) for n, m in (old or {}).get("metrics", {}).items() if n not in measured}
    for name, value in measured.items():
        entry = {"instructions_per_op": round(value, 2)}
        prev = (old or {}).get("metrics", {}).get(name, {})
        if "tolerance_pct" in prev:
            entry["tolerance_pct"] = prev["tolerance_pct"]
        metrics[name] = entry
    doc = {
        "schema": SCHEMA,
        "what": "user-space instructions per operation of each urt-micro case",
        "method": "valgrind --tool=callgrind (cache simulation off); per op = (Ir(2N) - Ir(N)) / N",
        "note": USER_SPACE_NOTE,
        "command": "scripts/update-baseline.sh (gate_instructions.py --update)",
        "recorded": {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "git": git_describe(),
            **versions,
        },
        "default_tolerance_pct": (old or {}).get("default_tolerance_pct", DEFAULT_TOLERANCE_PCT),
        "ops": args.ops,
        "metrics": metrics,
    }
    # Write next to the target and rename, so a failure never leaves half a file.
    try:
        write_file_atomically(path, json.dumps(doc, indent=2) + "\n", option="--baseline")
    except InputError as e:
        raise BadInput(str(e))


def parse_args(argv):
    p = OneLineParser(description="Instruction-count regression gate (valgrind callgrind).")
    p.add_argument("--micro", required=True, help="path to the urt-micro binary")
    p.add_argument("--baseline", default=DEFAULT_BASELINE, help="baseline JSON (default: %(default)s)")
    p.add_argument("--cases", help="comma-separated subset of cases (default: every case)")
    p.add_argument("--ops", type=int, help="N (default: the baseline's, else %d)" % DEFAULT_OPS)
    p.add_argument("--tolerance", type=float, help="override every metric's tolerance, in percent")
    p.add_argument("--build-config", help="how the binary was built (build type, context switch, fault points, "
                   "C flags); skip (77) when it differs from the baseline's, whose counts would not compare")
    p.add_argument("--compiler", help="compiler id and version of the binary, checked against the baseline")
    p.add_argument("--valgrind", default="valgrind", help="valgrind executable (default: from PATH)")
    p.add_argument("--update", action="store_true", help="write the measured numbers into --baseline")
    p.add_argument("--markdown", action="store_true", help="Markdown heading for CI job summaries")
    args = p.parse_args(argv)
    if args.ops is not None and not 1 <= args.ops <= 10_000_000:
        raise BadInput(f"--ops must be in 1..10000000, got {args.ops}")
    if args.tolerance is not None and not 0 <= args.tolerance < 100:
        raise BadInput(f"--tolerance must be a percentage in [0, 100), got {args.tolerance}")
    if not (os.path.isfile(args.micro) and os.access(args.micro, os.X_OK)):
        raise BadInput(f"{args.micro}: not an executable file (build the urt-micro target)")
    return args


def main(argv):
    args = parse_args(argv)
    doc = None
    if not args.update or os.path.exists(args.baseline):
        doc = load_baseline(args.baseline)
    if args.update:
        check_baseline_writable(args.baseline)
    all_cases = list_cases(args.micro)  # bad input (2) before any skip (77)
    valgrind = shutil.which(args.valgrind)
    if not valgrind:
        print(f"SKIP: {args.valgrind} not found; the instruction gate needs valgrind")
        return SKIP
    recorded = (doc or {}).get("recorded", {})
    if doc and not args.update and args.build_config and recorded.get("build_config") \
            and args.build_config != recorded["build_config"]:
        print(f"SKIP: the baseline was recorded from a build configured as [{recorded['build_config']}], "
              f"this one is [{args.build_config}]: counts are not comparable")
        return SKIP
    cases = all_cases
    if args.cases:
        cases = [c for c in args.cases.split(",") if c]
        unknown = [c for c in cases if c not in all_cases]
        if unknown or not cases:
            raise BadInput(f"unknown case(s) {','.join(unknown) or '(none)'}; cases: {','.join(all_cases)}")
    if args.ops is None:
        args.ops = (doc or {}).get("ops", DEFAULT_OPS)

    vg_version = tool_version([valgrind, "--version"])
    h = "## " if args.markdown else ""
    print(f"{h}Instruction-count gate: user-space instructions per operation")
    print(f"measured: {vg_version} --tool=callgrind (cache simulation off) running {args.micro}")
    print(f"method: per op = (Ir(2N) - Ir(N)) / N with N = {args.ops}, so start-up and setup cancel")
    print(f"note: {USER_SPACE_NOTE}")
    try:
        measured = measure(valgrind, args.micro, cases, args.ops)
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        print(f"verdict: FAIL: {e}")
        return 1

    versions = {"valgrind": vg_version, "build_config": args.build_config, "compiler": args.compiler,
                "liburing": tool_version(["pkg-config", "--modversion", "liburing"]),
                "kernel": os.uname().release}
    if args.update:
        bad = [f"{n} ({v:g})" for n, v in measured.items() if not v > 0]
        if bad:
            print(f"verdict: FAIL: not writing the baseline: {', '.join(bad)} measured no work "
                  "(<= 0 instructions per op): a case that does nothing is not a baseline")
            return 1
        write_baseline(args.baseline, doc, measured, args, versions)
        print(f"baseline written: {args.baseline} ({len(measured)} metrics); review it with git diff")
        return 0

    print(f"baseline: {args.baseline} (recorded {recorded.get('date')} at git {recorded.get('git')}, "
          f"{recorded.get('compiler')}, {recorded.get('valgrind')}, build [{recorded.get('build_config')}])")
    default_tol = args.tolerance if args.tolerance is not None else \
        doc.get("default_tolerance_pct", DEFAULT_TOLERANCE_PCT)
    print(f"tolerance: {default_tol:g} % by default"
          + ("" if args.tolerance is not None else ", per-metric overrides in the baseline file"))
    for what, mine, theirs in (("compiler", args.compiler, recorded.get("compiler")),
                               ("valgrind", vg_version, recorded.get("valgrind"))):
        if mine and theirs and mine != theirs:
            print(f"warning: {what} differs from the baseline's ({mine} vs {theirs}): "
                  "counts may move for that reason alone")
    # A baseline metric the program no longer has is a failure (MISSING),
    # unless the user asked for a subset of cases on purpose.
    subset = {n: m for n, m in doc["metrics"].items() if not args.cases or n in cases}
    left_out = [n for n in doc["metrics"] if n not in subset]
    if left_out:
        print(f"not judged (not in --cases): {', '.join(left_out)}")
    rows, failed, stale = verdicts(dict(doc, metrics=subset), measured, args.tolerance)
    print()
    print(render_table(["metric", "baseline", "measured", "change", "tolerance", "verdict"], rows, True))
    print()
    compared = [r for r in rows if r[2] != "-" and r[1] != "-"]
    if not failed and not compared:
        print("verdict: NOTHING JUDGED: no measured metric is in the baseline "
              "(record it with scripts/update-baseline.sh)")
        return 2
    if failed:
        moved = ", ".join(f"{r[0]} ({r[3]})" for r in rows if r[0] in failed)
        print(f"verdict: FAIL: {len(failed)} of {len(rows)} metrics regressed beyond tolerance: {moved}")
        odd = [r[0] for r in rows if r[0] in failed and r[5].startswith(("SUSPICIOUS", "NO WORK"))]
        if odd:
            print(f"note: {', '.join(odd)} got implausibly cheap (below {PLAUSIBLE_FRACTION:.0%} of the baseline, "
                  "or no work): check the case still does its work, then re-record the baseline with a reason")
        print("If the change is intended, run scripts/update-baseline.sh and commit the baseline diff.")
        return 1
    if stale:
        print(f"note: {', '.join(stale)} got cheaper beyond tolerance: update the baseline to lock it in")
    print(f"verdict: PASS ({len(compared)} metrics within tolerance"
          + (f", {len(rows) - len(compared)} new and not judged)" if len(rows) > len(compared) else ")"))
    return 0
