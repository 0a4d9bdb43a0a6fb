#!/usr/bin/env python3
"""What the disarmed fault points cost: urt-micro nop-urt-qd32 built with
URT_FAULT_POINTS=ON (the default) and OFF, compared two ways.

  1. user-space instructions per NOP under callgrind: (Ir(2N) - Ir(N)) / N,
     exact and repeatable;
  2. wall-clock time of N NOPs, the two builds run alternately (ON OFF,
     OFF ON, ...) so machine noise hits both; median and best of the runs.

Usage: faults/point_cost.py [--runs 40] [--ops 3000000] [--build-on DIR] [--build-off DIR]
Builds the two trees (release, only the urt-micro target) unless they exist.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail(msg):
    print(f"point_cost.py: {msg}", file=sys.stderr)
    sys.exit(2)


def build(tree, points):
    micro = os.path.join(tree, "bench", "micro", "urt-micro")
    subprocess.run(["cmake", "-S", TOP, "-B", tree, "-DCMAKE_BUILD_TYPE=Release",
                    f"-DURT_FAULT_POINTS={points}", "-DURT_WERROR=ON"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", tree, "--target", "urt-micro", "-j2"],
                   check=True, stdout=subprocess.DEVNULL)
    return micro


def instructions(micro, n):
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                          micro, "nop-urt-qd32", str(n)],
                         capture_output=True, text=True, check=True).stderr
    m = re.search(r"refs:\s+([\d,]+)", out)
    if not m:
        fail("no instruction count in valgrind's output")
    return int(m.group(1).replace(",", ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sys.path.insert(0, os.path.join(TOP, "scripts"))
    from urtperf.version import add_version_argument
    add_version_argument(ap)
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--ops", type=int, default=3000000)
    ap.add_argument("--build-on", default=os.path.join(TOP, "build", "release"))
    ap.add_argument("--build-off", default=os.path.join(TOP, "build", "nofaults"))
    a = ap.parse_args()
    if a.runs < 2 or a.ops < 1000:
        fail("--runs must be at least 2 and --ops at least 1000")
    if not shutil.which("valgrind"):
        fail("valgrind is needed (apt-get install valgrind)")
    on = build(a.build_on, "ON")
    off = build(a.build_off, "OFF")

    n = 3200
    per_op = {}
    for name, micro in (("ON", on), ("OFF", off)):
        per_op[name] = (instructions(micro, 2 * n) - instructions(micro, n)) / n
    print(f"instructions per NOP (callgrind, user space): ON {per_op['ON']:.1f}, OFF {per_op['OFF']:.1f}, "
          f"difference {per_op['ON'] - per_op['OFF']:.1f} ({(per_op['ON'] / per_op['OFF'] - 1) * 100:+.1f} %)")

    times = {"ON": [], "OFF": []}
    order = (("ON", on), ("OFF", off))
    for i in range(a.runs):
        for name, micro in (order if i % 2 == 0 else order[::-1]):
            t = time.perf_counter()
            subprocess.run([micro, "nop-urt-qd32", str(a.ops)], check=True, stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    best = {k: min(v) for k, v in times.items()}
    print(f"wall clock, {a.ops} NOPs from 32 tasks, {a.runs} alternating runs each:")
    print(f"  median ON {med['ON'] * 1e3:.1f} ms, OFF {med['OFF'] * 1e3:.1f} ms: ON/OFF {med['ON'] / med['OFF']:.4f}")
    print(f"  best   ON {best['ON'] * 1e3:.1f} ms, OFF {best['OFF'] * 1e3:.1f} ms: ON/OFF {best['ON'] / best['OFF']:.4f}")


if __name__ == "__main__":
    main()
