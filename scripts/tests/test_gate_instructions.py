"""gate_instructions.py without valgrind: the arithmetic, the verdicts, bad input, skipping.

A fake valgrind stands in for callgrind: it writes a callgrind-style output
file whose total is SETUP + COST[case] * ops, so the gate must recover
exactly COST[case] per operation and judge it against the baseline."""
import json
import os
import stat
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
GATE = os.path.join(os.path.dirname(HERE), "gate_instructions.py")

FAKE_MICRO = """#!/bin/sh
if [ "$1" = --list ]; then printf 'nop-urt-qd1\\nyield\\n'; exit 0; fi
if [ "$1" = --help ]; then echo 'usage: urt-micro CASE OPS   (OPS 1..10)'; exit 0; fi
exit 0
"""

FAKE_VALGRIND = """#!%s
import json, os, sys
out = [a.split("=", 1)[1] for a in sys.argv if a.startswith("--callgrind-out-file=")][0]
case, ops = sys.argv[-2], int(sys.argv[-1])
cost = json.loads(os.environ["FAKE_COSTS"])[case]
if cost < 0:
    sys.stderr.write("==1== the case crashed\\n"); sys.exit(1)
with open(out, "w") as f:
    f.write("events: Ir\\nsummary: %%d\\n" %% (123456 + cost * ops))
""" % sys.executable


def write_exe(path, text):
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.fixture
def tools(tmp_path):
    return write_exe(tmp_path / "urt-micro", FAKE_MICRO), write_exe(tmp_path / "valgrind", FAKE_VALGRIND)


def baseline(tmp_path, metrics, **extra):
    doc = {"schema": "urt-instructions-baseline/1", "default_tolerance_pct": 2.0, "ops": 100,
           "recorded": {"build_config": "Release"}, "metrics": metrics, **extra}
    path = tmp_path / "instructions.json"
    path.write_text(json.dumps(doc))
    return str(path)


def run(tools, base, costs, *args):
    micro, valgrind = tools
    env = dict(os.environ, FAKE_COSTS=json.dumps(costs))
    p = subprocess.run([sys.executable, GATE, "--micro", micro, "--valgrind", valgrind, "--baseline", base,
                        *map(str, args)], capture_output=True, text=True, timeout=60, env=env)
    return p.returncode, p.stdout, p.stderr


def row(out, metric):
    return next(ln for ln in out.splitlines() if ln.startswith(f"| {metric} |"))


def test_pass_within_tolerance(tmp_path, tools):
    base = baseline(tmp_path, {"nop-urt-qd1": {"instructions_per_op": 500}, "yield": {"instructions_per_op": 150}})
    rc, out, err = run(tools, base, {"nop-urt-qd1": 509, "yield": 150})
    assert rc == 0, out + err
    assert row(out, "nop-urt-qd1") == "| nop-urt-qd1 | 500.0 | 509.0 | +1.80 % | 2 % | ok |"
    assert "user-space instructions only" in out and "verdict: PASS" in out


def test_regression_names_the_metric(tmp_path, tools):
    base = baseline(tmp_path, {"nop-urt-qd1": {"instructions_per_op": 500}, "yield": {"instructions_per_op": 150}})
    rc, out, _ = run(tools, base, {"nop-urt-qd1": 515, "yield": 150})
    assert rc == 1, out
    assert row(out, "nop-urt-qd1").endswith("| +3.00 % | 2 % | REGRESSION |")
    assert row(out, "yield").endswith("| ok |")
    assert "verdict: FAIL: 1 of 2 metrics regressed beyond tolerance: nop-urt-qd1 (+3.00 %)" in out


def test_per_metric_tolerance_and_override(tmp_path, tools):
    base = baseline(tmp_path, {"nop-urt-qd1": {"instructions_per_op": 500, "tolerance_pct": 5},
                               "yield": {"instructions_per_op": 150}})
    rc, out, _ = run(tools, base, {"nop-urt-qd1": 515, "yield": 150})
    assert rc == 0 and row(out, "nop-urt-qd1").endswith("| 5 % | ok |"), out
    rc, out, _ = run(tools, base, {"nop-urt-qd1": 515, "yield": 150}, "--tolerance", "1")
    assert rc == 1 and row(out, "nop-urt-qd1").endswith("| 1 % | REGRESSION |"), out


def test_cheaper_is_reported_stale_not_failed(tmp_path, tools):
    base = baseline(tmp_path, {"nop-urt-qd1": {"instructions_per_op": 500}, "yield": {"instructions_per_op": 150}})
    rc, out, _ = run(tools, base, {"nop-urt-qd1": 400, "yield": 150})
    assert rc == 0 and "faster (baseline stale)" in out and "update the baseline" in out


def test_metric_missing_from_the_program_fails(tmp_path, tools):
    base = baseline(tmp_path, {"nop-urt-qd1": {"instructions_per_op": 500}, "gone": {"instructions_per_op": 1}})
    rc, out, _ = run(tools, base, {"nop-urt-qd1": 500, "yield": 150})
    assert rc == 1 and "MISSING" in row(out, "gone") and "new metric" in row(out, "yield"), out


def test_case_failure_fails_the_gate(tmp_path, tools):
    base = baseline(tmp_path, {"nop-urt-qd1": {"instructions_per_op": 500}})
    rc, out, _ = run(tools, base, {"nop-urt-qd1": -1, "yield": 150})
    assert rc == 1 and "failed under valgrind" in out and "the case crashed" in out


def test_update_writes_and_keeps_tolerances(tmp_path, tools):
    base = baseline(tmp_path, {"nop-urt-qd1": {"instructions_per_op": 500, "tolerance_pct": 4}})
    rc, out, err = run(tools, base, {"nop-urt-qd1": 612, "yield": 151.5}, "--update", "--build-config", "Release")
    assert rc == 0, out + err
    doc = json.load(open(base))
    assert doc["metrics"] == {"nop-urt-qd1": {"instructions_per_op": 612.0, "tolerance_pct": 4},
                              "yield": {"instructions_per_op": 151.5}}
    assert doc["ops"] == 100 and doc["recorded"]["build_config"] == "Release" and "valgrind" in doc["method"]
    rc, out, _ = run(tools, base, {"nop-urt-qd1": 612, "yield": 151.5})  # and it now passes
    assert rc == 0, out


def test_skip_when_valgrind_missing_or_build_type_differs(tmp_path, tools):
    base = baseline(tmp_path, {"nop-urt-qd1": {"instructions_per_op": 500}})
    micro, _ = tools
    p = subprocess.run([sys.executable, GATE, "--micro", micro, "--valgrind", str(tmp_path / "no-valgrind"),
                        "--baseline", base], capture_output=True, text=True, timeout=60)
    assert p.returncode == 77 and "SKIP" in p.stdout
    rc, out, _ = run(tools, base, {"nop-urt-qd1": 500, "yield": 1}, "--build-config", "Debug")
    assert rc == 77 and "Release" in out


@pytest.mark.parametrize("case", ["no_micro", "bad_schema", "not_json", "unknown_case", "bad_ops", "bad_tol",
                                  "negative_metric", "missing_baseline"])
def test_bad_input_exits_2(tmp_path, tools, case):
    base = baseline(tmp_path, {"nop-urt-qd1": {"instructions_per_op": 500}})
    args = []
    if case == "no_micro":
        tools = (str(tmp_path / "nothing"), tools[1])
    elif case == "bad_schema":
        base = baseline(tmp_path, {"nop-urt-qd1": {"instructions_per_op": 500}}, schema="x")
    elif case == "not_json":
        open(base, "w").write("{")
    elif case == "unknown_case":
        args = ["--cases", "nop-urt-qd1,warp-drive"]
    elif case == "bad_ops":
        args = ["--ops", "0"]
    elif case == "bad_tol":
        args = ["--tolerance", "-2"]
    elif case == "negative_metric":
        base = baseline(tmp_path, {"nop-urt-qd1": {"instructions_per_op": -5}})
    else:
        base = str(tmp_path / "none.json")
    before = open(base).read() if os.path.exists(base) else None
    rc, out, err = run(tools, base, {"nop-urt-qd1": 500, "yield": 1}, *args)
    assert rc == 2 and len(err.strip().splitlines()) == 1 and err.startswith("gate_instructions.py: "), err
    assert (open(base).read() if os.path.exists(base) else None) == before


@pytest.mark.parametrize("impostor", ["/bin/true", "/bin/echo", "lists-nothing"])
def test_a_binary_that_is_not_urt_micro_exits_2_with_one_line(tmp_path, tools, impostor):
    """/bin/true answered --list with nothing and the gate said '8 of 8 metrics regressed'."""
    if impostor == "lists-nothing":  # introduces itself, but has no case
        impostor = write_exe(tmp_path / "empty-micro", "#!/bin/sh\n[ \"$1\" = --help ] && "
                             "echo 'usage: urt-micro CASE OPS'\nexit 0\n")
    base = baseline(tmp_path, {"nop-urt-qd1": {"instructions_per_op": 500}, "yield": {"instructions_per_op": 50}})
    rc, out, err = run((impostor, tools[1]), base, {"nop-urt-qd1": 500, "yield": 1})
    assert rc == 2, out + err
    assert len(err.strip().splitlines()) == 1 and "not" in err and "urt-micro" in err, err
    assert "regressed" not in out and "MISSING" not in out


# --- hostile review (issue 10): no pass without a check ---------------------

def test_zero_work_per_op_fails_not_stale(tmp_path, tools):
    """A case that does no work measured 0.0/op and passed as 'faster (baseline stale)'."""
    base = baseline(tmp_path, {"nop-urt-qd1": {"instructions_per_op": 500}, "yield": {"instructions_per_op": 150}})
    rc, out, _ = run(tools, base, {"nop-urt-qd1": 0, "yield": 150})
    assert rc == 1, out
    assert "NO WORK MEASURED" in row(out, "nop-urt-qd1") and "verdict: PASS" not in out


def test_implausibly_large_improvement_is_suspicious(tmp_path, tools):
    base = baseline(tmp_path, {"nop-urt-qd1": {"instructions_per_op": 500}, "yield": {"instructions_per_op": 150}})
    rc, out, _ = run(tools, base, {"nop-urt-qd1": 240, "yield": 150})
    assert rc == 1 and "SUSPICIOUS: re-record the baseline with a reason" in row(out, "nop-urt-qd1"), out
    rc, out, _ = run(tools, base, {"nop-urt-qd1": 260, "yield": 150})  # -48 %: plausible, stale
    assert rc == 0 and "faster (baseline stale)" in row(out, "nop-urt-qd1"), out


def test_update_with_cases_merges_and_keeps_other_metrics(tmp_path, tools):
    base = baseline(tmp_path, {"nop-urt-qd1": {"instructions_per_op": 500, "tolerance_pct": 4},
                               "yield": {"instructions_per_op": 150}})
    rc, out, err = run(tools, base, {"nop-urt-qd1": 999, "yield": 160}, "--update", "--cases", "yield")
    assert rc == 0, out + err
    assert json.load(open(base))["metrics"] == {"nop-urt-qd1": {"instructions_per_op": 500, "tolerance_pct": 4},
                                                "yield": {"instructions_per_op": 160.0}}


def test_update_refuses_non_positive_values(tmp_path, tools):
    base = baseline(tmp_path, {"nop-urt-qd1": {"instructions_per_op": 500}, "yield": {"instructions_per_op": 150}})
    before = open(base).read()
    rc, out, _ = run(tools, base, {"nop-urt-qd1": 0, "yield": 160}, "--update")
    assert rc == 1 and "not writing the baseline" in out and open(base).read() == before


def test_only_new_metrics_judges_nothing(tmp_path, tools):
    base = baseline(tmp_path, {"gone": {"instructions_per_op": 500}})
    rc, out, _ = run(tools, base, {"nop-urt-qd1": 500, "yield": 150}, "--cases", "yield")
    assert rc == 2 and "NOTHING JUDGED" in out and "PASS" not in out, out


def test_update_to_unwritable_baseline_exits_2_before_measuring(tmp_path, tools):
    # os.access says yes to root on /proc; a real create there fails.
    rc, out, err = run(tools, "/proc/urt-b.json", {"nop-urt-qd1": 500, "yield": 150}, "--update")
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert "Ir(" not in out  # refused before any measurement


def test_cases_subset_names_the_metrics_it_left_out(tmp_path, tools):
    base = baseline(tmp_path, {"nop-urt-qd1": {"instructions_per_op": 500}, "yield": {"instructions_per_op": 150}})
    rc, out, _ = run(tools, base, {"nop-urt-qd1": 500, "yield": 150}, "--cases", "yield")
    assert rc == 0 and "not judged (not in --cases): nop-urt-qd1" in out and "PASS (1 metrics" in out, out
