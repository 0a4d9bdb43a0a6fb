#!/usr/bin/env python3
"""The instruction gate trips on a deliberate slowdown and names what moved.

Builds urt-micro a second time with -DURT_DEBUG_SLOWDOWN=N (a volatile loop
of N iterations in every operation start, nothing else changed), then:
  1. the gate against the committed baseline must FAIL and name nop-urt-qd1;
  2. against a baseline just recorded from the normal build (same sources,
     so nothing but the slowdown differs) it must FAIL on the operation
     metrics and still pass `yield`, which starts no operation: the gate
     points at the right place, it does not just fail on everything.

Run by ctest (label gate) with its settings in the environment; exit 77 when
valgrind is missing.  Also collectable by pytest (skipped without that setup).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GATE = os.path.join(os.path.dirname(HERE), "gate_instructions.py")
SLOWDOWN = os.environ.get("URT_SLOWDOWN", "4")  # ~30 instructions per op: about 5 % of a nop
OP_METRICS = ("nop-urt-qd1", "nop-urt-qd32", "nop-futures-qd1", "randread-qd1")


def sh(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    return p


def build_slow(env):
    src, build = env["URT_SOURCE_DIR"], env["URT_SLOW_BUILD_DIR"]
    cfg = [env.get("CMAKE_COMMAND", "cmake"), "-S", src, "-B", build,
           f"-DURT_DEBUG_SLOWDOWN={SLOWDOWN}", "-DURT_BUILD_TESTS=OFF",
           f"-DCMAKE_BUILD_TYPE={env['URT_BUILD_TYPE']}",
           f"-DCMAKE_C_COMPILER={env['URT_C_COMPILER']}",
           f"-DCMAKE_C_FLAGS={env.get('URT_C_FLAGS', '')}",
           # the same context switch and fault points as the tree under test
           f"-DURT_CONTEXT={env.get('URT_CONTEXT', 'auto')}",
           f"-DURT_FAULT_POINTS={env.get('URT_FAULT_POINTS', 'ON')}"]
    sh(cfg, timeout=300)
    sh([env.get("CMAKE_COMMAND", "cmake"), "--build", build, "--target", "urt-micro", "-j2"], timeout=600)
    return os.path.join(build, "bench", "micro", "urt-micro")


def gate(micro, baseline, *extra):
    cmd = [sys.executable, GATE, "--micro", micro, "--baseline", baseline, *extra]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout + p.stderr


def row(out, metric):
    return next((ln for ln in out.splitlines() if ln.startswith(f"| {metric} |")), "")


def check(env):
    slow_micro = build_slow(env)
    print(f"built {slow_micro} with URT_DEBUG_SLOWDOWN={SLOWDOWN}")

    rc, out = gate(slow_micro, env["URT_BASELINE"])
    print(out)
    assert rc == 1, f"the gate passed a build with URT_DEBUG_SLOWDOWN={SLOWDOWN} (exit {rc})"
    assert "REGRESSION" in row(out, "nop-urt-qd1"), "nop-urt-qd1 not flagged against the committed baseline"
    assert "verdict: FAIL" in out and "nop-urt-qd1 (+" in out

    with tempfile.TemporaryDirectory(prefix="urt-slowdown-") as tmp:
        fresh = os.path.join(tmp, "fresh.json")
        shutil.copy(env["URT_BASELINE"], fresh)  # keeps the committed tolerances
        rc, out = gate(env["URT_MICRO"], fresh, "--update")
        assert rc == 0, f"recording a fresh baseline failed:\n{out}"
        rc, out = gate(slow_micro, fresh)
        print(out)
        assert rc == 1, "the slowed build passed against a baseline of the same sources"
        for m in OP_METRICS:
            assert "REGRESSION" in row(out, m), f"{m} not flagged:\n{row(out, m)}"
        assert row(out, "yield").endswith("| ok |"), f"yield starts no operation yet moved: {row(out, 'yield')}"
        base = json.load(open(fresh))["metrics"]["nop-urt-qd1"]["instructions_per_op"]
        print(f"nop-urt-qd1: {base} instructions per op without the slowdown")
    print("PASS: the instruction gate trips on the deliberate slowdown and names the metrics")


NEEDED = ("URT_SOURCE_DIR", "URT_SLOW_BUILD_DIR", "URT_MICRO", "URT_BASELINE", "URT_BUILD_TYPE", "URT_C_COMPILER")


def test_slowdown_trips_the_gate():
    import pytest
    if any(k not in os.environ for k in NEEDED) or not shutil.which("valgrind"):
        pytest.skip("run through ctest (label gate), which sets the build settings; needs valgrind")
    check(os.environ)


if __name__ == "__main__":
    if not shutil.which("valgrind"):
        print("SKIP: valgrind not found")
        sys.exit(77)
    missing = [k for k in NEEDED if k not in os.environ]
    if missing:
        print(f"test_gate_slowdown.py: set {', '.join(missing)} (ctest does)", file=sys.stderr)
        sys.exit(2)
    try:
        check(os.environ)
    except AssertionError as e:
        print(f"FAIL: {e}")
        sys.exit(1)
