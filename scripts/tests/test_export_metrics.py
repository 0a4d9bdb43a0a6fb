"""export_metrics.py: Bencher Metric Format and github-action-benchmark arrays."""
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "fixtures_regress"))
import synth  # noqa: E402

EXPORT = os.path.join(os.path.dirname(HERE), "export_metrics.py")
NOP = ("urt", "nop", 32, 32)
RAW = ("raw", "nop", 32, 32)


def run(*args):
    p = subprocess.run([sys.executable, EXPORT, *map(str, args)], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


@pytest.fixture
def results(tmp_path):
    return synth.bench_file(tmp_path / "r.json", {NOP: [1.0e6, 1.2e6, 1.1e6], RAW: [2.0e6]})


def test_bencher_metric_format(results):
    rc, out, err = run("--format", "bmf", results)
    assert rc == 0, err
    doc = json.loads(out)
    assert set(doc) == {"nop/urt/qd32/batch32/cb1/bs4096/t1", "nop/raw/qd32/batch32/cb1/bs4096/t1"}
    urt = doc["nop/urt/qd32/batch32/cb1/bs4096/t1"]
    assert urt["throughput"] == {"value": 1.1e6, "lower_value": 1.0e6, "upper_value": 1.2e6}
    # latency is the mean ns per op, median over repeats; synth makes it 1e9*qd/iops
    assert urt["latency"]["value"] == pytest.approx(1e9 * 32 / 1.1e6)
    assert set(urt["latency"]) == {"value", "lower_value", "upper_value"}


def test_github_action_benchmark_bigger(results):
    rc, out, _ = run("--format", "gab-bigger", results)
    assert rc == 0
    items = json.loads(out)
    assert isinstance(items, list) and len(items) == 2
    for it in items:
        assert {"name", "unit", "value"} <= set(it) and it["unit"] == "ops/s"
        assert isinstance(it["value"], float)
    assert items[0]["value"] == 1.1e6 and "range" in items[0] and "range" not in items[1]


def test_github_action_benchmark_smaller(results):
    rc, out, _ = run("--format", "gab-smaller", results)
    assert rc == 0
    items = json.loads(out)
    assert [it["name"].rsplit(" ", 1)[1] for it in items[:3]] == ["mean", "p50", "p99"]
    assert all(it["unit"] == "ns" and it["value"] > 0 for it in items)


def test_null_latency_is_left_out(tmp_path):
    r = synth.result(5e5, 0, backend="psync")
    r["lat_ns"] = None
    path = tmp_path / "r.json"
    path.write_text(json.dumps(synth.doc([r])))
    rc, out, _ = run("--format", "bmf", path)
    assert rc == 0
    entry = json.loads(out)["nop/psync/qd32/batch32/cb1/bs4096/t1"]
    assert "latency" not in entry and entry["throughput"]["value"] == 5e5
    rc, out, err = run("--format", "gab-smaller", path)
    assert rc == 2 and out == "" and "nothing exported" in err  # an empty export is not a success


def test_output_file(results, tmp_path):
    out = tmp_path / "bmf.json"
    rc, stdout, _ = run("--format", "bmf", results, "-o", out)
    assert rc == 0 and stdout == "" and json.loads(out.read_text())


@pytest.mark.parametrize("args", [["--format", "csv"], ["--format", "bmf", "missing.json"], ["--format", "bmf"]])
def test_bad_input_exits_2(results, args):
    argv = args + ([results] if len(args) == 2 and args[1] == "csv" else [])
    rc, out, err = run(*argv)
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1, err


def test_bad_file_does_not_clobber_output(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "urt-bench/1", "results": [{"backend": "urt"}]}')
    out = tmp_path / "keep.json"
    out.write_text("precious")
    rc, _, err = run("--format", "bmf", bad, "-o", out, "--force")
    assert rc == 2 and "bad.json: top level: 'meta' is a required property" in err, err
    assert out.read_text() == "precious"


def test_existing_output_is_refused_unless_force(results, tmp_path):
    out = tmp_path / "bmf.json"
    out.write_text("precious")
    rc, stdout, err = run("--format", "bmf", results, "-o", out)
    assert rc == 2 and "exists; refusing to overwrite" in err and len(err.strip().splitlines()) == 1
    assert out.read_text() == "precious"
    rc, _, err = run("--format", "bmf", results, "-o", out, "--force")
    assert rc == 0 and json.loads(out.read_text()), err


@pytest.mark.parametrize("where", ["missing-folder", "under-a-file"])
def test_unwritable_output_is_refused_before_reading(tmp_path, where):
    (tmp_path / "f").write_text("x")
    out = tmp_path / ("nope" if where == "missing-folder" else "f") / "bmf.json"
    rc, _, err = run("--format", "bmf", tmp_path / "missing-input.json", "-o", out)
    assert rc == 2 and "-o" in err and "missing-input" not in err, err  # the output is checked first


def test_refuses_to_overwrite_input(results):
    rc, _, err = run("--format", "bmf", results, "-o", results)
    assert rc == 2 and "overwrite" in err
    assert json.load(open(results))["schema"] == "urt-bench/1"
