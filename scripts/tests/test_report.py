"""report.py: one self-contained report.html and a report.md with every section;
bad input refused with one line and exit 2, nothing clobbered."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPORT = SCRIPTS / "report.py"
SECTION_IDS = ("environment", "configuration", "headline", "figures", "knee", "faults", "hyperfine", "baseline")


def run(*args):
    return subprocess.run([sys.executable, str(REPORT), *map(str, args)], capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def full_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("full")
    proc = run(FIXTURES / "bench_sweep.json", "--faults", FIXTURES / "faults_matrix.json",
               "--hyperfine", FIXTURES / "hyperfine_cp.json", FIXTURES / "hyperfine_bench_batch.json",
               "--baseline", FIXTURES / "bench_baseline.json", "--out", out)
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_prints_the_path_of_report_html(full_report):
    out, proc = full_report
    assert proc.stdout.strip() == str(out / "report.html")
    assert "failed to draw" not in proc.stderr and "Traceback" not in proc.stderr


def test_html_embeds_every_figure_and_needs_nothing_else(full_report):
    out, _ = full_report
    html = (out / "report.html").read_text(encoding="utf-8")
    pngs = sorted((out / "figures").glob("*.png"))
    images = re.findall(r'<img [^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == len(pngs) >= 20
    # Every embedded image is one of the PNGs, byte for byte.
    import base64
    on_disk = {p.read_bytes() for p in pngs}
    assert {base64.b64decode(data) for data in images} == on_disk
    # Self-contained: no scripts, stylesheets or images fetched from anywhere.
    assert "<script" not in html and "<link" not in html
    assert not re.search(r'(src|href)="(https?:|//|file:)', html)
    assert re.search(r'src="(?!data:)', html) is None


def test_html_has_every_section(full_report):
    out, _ = full_report
    html = (out / "report.html").read_text(encoding="utf-8")
    for section in SECTION_IDS:
        assert f'<section id="{section}">' in html, section
        assert f'href="#{section}"' in html, section        # in the table of contents


def test_markdown_has_tables_and_working_figure_links(full_report):
    out, _ = full_report
    md = (out / "report.md").read_text(encoding="utf-8")
    for heading in ("## Environment", "## Configuration", "## Headline", "## Figures", "## Knee finder",
                    "## Fault matrix", "## Command-level comparisons", "## Changes against the baseline"):
        assert heading in md, heading
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert len(links) == len(list((out / "figures").glob("*.png")))
    for link in links:
        assert not link.startswith("/") and (out / link).is_file(), link
    assert "|---|" in md or "|---:|" in md


def test_headline_ratios_come_from_the_data(full_report):
    out, _ = full_report
    md = (out / "report.md").read_text(encoding="utf-8")
    data = json.loads((FIXTURES / "bench_sweep.json").read_text())["results"]

    def peak(backend):
        import statistics
        groups = {}
        for r in data:
            if r["backend"] == backend and r["workload"] == "randread":
                groups.setdefault((r["qd"], r["batch"]), []).append(r["iops"])
        return max(statistics.median(v) for v in groups.values())
    expected = peak("urt") / peak("raw")
    row = next(line for line in md.splitlines() if line.startswith("| randread | 4k | urt |"))
    assert f"{expected:.2f}×" in row, (row, expected)


def test_fault_section_names_the_failures_and_their_replay(full_report):
    out, _ = full_report
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "1 failed and 1 hung out of 42 cells" in md
    assert "urt-faults --seed 42 --cell urt/write/short:pipe:0.1" in md
    assert "| urt/alloc | seqwrite | 0.1 | 1 | HANG |" in md


def test_hyperfine_tables_rank_commands(full_report):
    out, _ = full_report
    md = (out / "report.md").read_text(encoding="utf-8")
    cp_rows = [line for line in md.splitlines() if line.startswith("| urt-cp") or line.startswith("| cp ")
               or line.startswith("| dd ")]
    assert [r.split(" ")[1] for r in cp_rows] == ["urt-cp", "cp", "dd"]   # fastest first in the fixture
    # The fastest over itself, with the interval every ratio carries.
    assert re.search(r"\| 1\.00× \[0\.\d\d, 1\.\d\d\] \|$", cp_rows[0].rstrip()), cp_rows[0]


def test_baseline_section_flags_the_slowdown(full_report):
    out, _ = full_report
    md = (out / "report.md").read_text(encoding="utf-8")
    section = md.split("## Changes against the baseline", 1)[1]
    slower = [line for line in section.splitlines() if line.endswith("| slower |")]
    assert slower and all(line.startswith("| urt randread") for line in slower)


def test_one_backend_one_qd_still_gives_a_report(tmp_path):
    proc = run(FIXTURES / "bench_one.json", "--out", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "Skipped “randread: throughput vs queue depth”: needs at least two queue depths" in md
    assert "| randread | 4k | urt | 16 | 1 |" in md            # the knee is the one configuration
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 2


def write(tmp_path, name, doc):
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def bench_doc(**override):
    doc = json.loads((FIXTURES / "bench_one.json").read_text())
    doc.update(override)
    return doc


BAD_BENCH = {
    "missing file": (None, "no such file"),
    "not json": ("{results: [", "not valid JSON"),
    "empty file": ("", "empty file"),
    "wrong schema": (bench_doc(schema="urt-bench/0"), "schema: expected 'urt-bench/1'"),
    "empty results": (bench_doc(results=[]), "results: empty"),
    "results not a list": (bench_doc(results={}), "results: {} is not of type 'array'"),
    "qd zero": (bench_doc(results=[dict(bench_doc()["results"][0], qd=0)]), "results[0].qd"),
    "no backend": (bench_doc(results=[{k: v for k, v in bench_doc()["results"][0].items() if k != "backend"}]),
                   "results[0]: 'backend' is a required property"),
    "iops text": (bench_doc(results=[dict(bench_doc()["results"][0], iops="fast")]), "results[0].iops"),
    "bad histogram": (bench_doc(results=[dict(bench_doc()["results"][0], hist_ns=[[1]])]), "hist_ns[0]"),
    "null throughput": (bench_doc(results=[dict(bench_doc()["results"][0], iops=None)]),
                        "results[0].iops: None is not of type 'number'"),
    "deep wrong type": (bench_doc(results=[dict(bench_doc()["results"][0], cpu={"user_s": 1, "sys_s": "0"})]),
                        "results[0].cpu.sys_s"),
}


@pytest.mark.parametrize("case", sorted(BAD_BENCH))
def test_bad_results_file_one_line_exit_2(tmp_path, case):
    doc, message = BAD_BENCH[case]
    path = tmp_path / "missing.json" if doc is None else write(tmp_path, "bench.json", doc)
    proc = run(path, "--out", tmp_path / "out")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and message in proc.stderr, proc.stderr
    assert proc.stdout == ""
    assert not (tmp_path / "out").exists()      # inputs are checked before anything is written


def faults_doc(**override):
    doc = json.loads((FIXTURES / "faults_matrix.json").read_text())
    doc.update(override)
    return doc


@pytest.mark.parametrize("option, doc, message", [
    ("--faults", faults_doc(cells=[]), "cells: empty"),
    ("--faults", {"schema": "urt-bench/1", "cells": []}, "expected 'urt-faults/1'"),
    ("--faults", faults_doc(cells=[dict(faults_doc()["cells"][0], status="flaky")]), "cells[0].status"),
    ("--faults", {"schema": "urt-faults/1", "cells": [{"point": "urt/submit"}]}, "not valid urt-faults/1"),
    ("--hyperfine", {"results": []}, "results: empty"),
    ("--hyperfine", {"results": [{"command": "cp a b", "mean": "slow"}]}, "results[0].mean"),
    ("--baseline", bench_doc(results=[]), "results: empty"),
    ("--baseline", {"schema": "urt-bench/1", "results": []}, "top level: 'meta' is a required property"),
])
def test_bad_optional_inputs_one_line_exit_2(tmp_path, option, doc, message):
    path = write(tmp_path, "extra.json", doc)
    proc = run(FIXTURES / "bench_one.json", option, path, "--out", tmp_path / "out")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and message in proc.stderr, proc.stderr
    assert not (tmp_path / "out").exists()


def test_out_that_is_a_file_is_not_clobbered(tmp_path):
    victim = write(tmp_path, "notes.txt", "do not touch")
    proc = run(FIXTURES / "bench_one.json", "--out", victim)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert victim.read_text() == "do not touch"


def test_bad_options_one_line_exit_2(tmp_path):
    for args in (["--knee", "150"], ["--threshold", "abc"], ["--no-such-option"]):
        proc = run(FIXTURES / "bench_one.json", "--out", tmp_path / "out", *args)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1, (args, proc.stderr)


def test_a_run_directory_is_reported_in_place(tmp_path):
    import shutil
    shutil.copy(FIXTURES / "bench_one.json", tmp_path / "bench.json")
    shutil.copy(FIXTURES / "faults_matrix.json", tmp_path / "faults.json")
    shutil.copy(FIXTURES / "hyperfine_cp.json", tmp_path / "hyperfine_cp.json")
    proc = run(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(tmp_path / "report.html")
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "1 failed and 1 hung out of 42 cells" in md and "### cp (" in md


def test_a_directory_without_bench_json_is_refused(tmp_path):
    proc = run(tmp_path)
    assert proc.returncode == 2 and "no bench.json" in proc.stderr and proc.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_merged_sweeps_list_every_command(tmp_path):
    doc = bench_doc()
    doc["meta"]["argv_parts"] = [["urt-bench", "--workload", "nop"], ["urt-bench", "--workload", "seqread"]]
    path = write(tmp_path, "bench.json", doc)
    proc = run(path, "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "Commands:\n\n```\nurt-bench --workload nop\nurt-bench --workload seqread\n```" in md


def test_a_run_directory_with_a_corrupt_bench_json_exits_2(tmp_path):
    (tmp_path / "bench.json").write_text('{"schema": "urt-bench/1", "results": [')
    proc = run(tmp_path)
    assert proc.returncode == 2 and proc.stdout == "", proc.stderr
    assert proc.stderr.count("\n") == 1 and "bench.json" in proc.stderr and "not valid JSON" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench.json"]


def test_an_earlier_report_is_not_overwritten_without_force(tmp_path):
    (tmp_path / "report.md").write_text("an earlier report")
    proc = run(FIXTURES / "bench_one.json", "--out", tmp_path)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "already holds report.md" in proc.stderr and "--force" in proc.stderr
    assert (tmp_path / "report.md").read_text() == "an earlier report"
    assert not (tmp_path / "report.html").exists() and not (tmp_path / "figures").exists()
    proc = run(FIXTURES / "bench_one.json", "--out", tmp_path, "--force")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "report.md").read_text() != "an earlier report"


def test_stage_verdicts_come_first(tmp_path):
    stages = write(tmp_path, "stages.tsv", "bench\tpass\tok\nfaults\tFAIL\t3 of 4 cells failed\n")
    proc = run(FIXTURES / "bench_one.json", "--out", tmp_path / "out", "--stages", stages,
               "--run-verdict", "FAIL: faults")
    assert proc.returncode == 0, proc.stderr
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert md.index("## Run verdict") < md.index("## Environment")
    assert "FAIL: faults" in md and "| faults | FAIL | 3 of 4 cells failed |" in md
    proc = run(FIXTURES / "bench_one.json", "--out", tmp_path / "out2", "--stages", tmp_path / "none.tsv")
    assert proc.returncode == 2 and "--stages" in proc.stderr and not (tmp_path / "out2").exists()
