"""The network workloads in the report (urtperf/network.py): a planted
io_uring-over-epoll ratio is found with its interval, figures are drawn
from closed- and open-loop results, and a network-only report builds."""

import json
import subprocess
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(SCRIPTS))
sys.dont_write_bytecode = True

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from urtperf import network  # noqa: E402
from urtperf.figset import FigureSet  # noqa: E402

BASE = [10000.0, 10300.0, 9800.0, 10150.0, 9900.0]
HIST = [[1000, 1]]


def net(backend, samples, conns=16, bs=64, rate=None, workload="echo", p99=50000):
    return [{"backend": backend, "workload": workload, "qd": 1, "batch": 0, "complete_batch": 1, "bs": bs,
             "threads": 1, "repeat": i, "conns": conns, "rate": rate, "loop": "open" if rate else "closed",
             "ops": int(v), "bytes": int(v) * bs, "seconds": 1.0, "iops": v, "mib_s": v * bs / 2**20,
             "lat_ns": {"min": 1000, "mean": 20000, "p50": 20000, "p90": 30000, "p99": p99, "p999": p99,
                        "p9999": p99, "max": p99}, "hist_ns": HIST, "cpu": {"user_s": 0.1, "sys_s": 0.1},
             "enter_calls": None, "sqes_per_enter": None, "client_cpu": {"user_s": 0.1, "sys_s": 0.1},
             "late_sends": 0, "pinned": False} for i, v in enumerate(samples)]


def test_split_keeps_file_results_apart():
    file_r = {"backend": "raw", "workload": "nop"}
    n, f = network.split(net("epoll", BASE) + [file_r])
    assert len(n) == len(BASE) and f == [file_r]


def test_split_by_the_fields_not_a_list_of_names():
    # A network workload the report has never heard of is still one (it
    # has a loop); a file result named like one (no loop) is not.
    rpc = net("epoll", BASE, workload="rpc")
    odd = {"backend": "raw", "workload": "echo"}
    n, f = network.split(rpc + [odd])
    assert n == rpc and f == [odd]


def test_planted_ratio_to_epoll_is_found():
    rows = network.ratio_rows(net("epoll", BASE) + net("urt", [v * 1.2 for v in BASE]) +
                              net("threadpool", BASE))
    assert len(rows) == 1, rows  # threadpool is not an io_uring backend: no ratio row
    row = rows[0]
    assert row[5] == "urt" and row[-1] == "urt faster"
    assert row[8].startswith("1.20×")
    same = network.ratio_rows(net("epoll", BASE) + net("raw", list(BASE)))
    assert same[0][-1] == "no difference"
    slower = network.ratio_rows(net("epoll", BASE) + net("raw", [v * 0.8 for v in BASE]))
    assert slower[0][-1] == "epoll faster"


def test_no_epoll_no_ratio():
    assert network.ratio_rows(net("urt", BASE)) == []


def test_figures_for_conns_and_rates(tmp_path):
    rs = []
    for c in (1, 16, 128):
        rs += net("epoll", BASE, conns=c) + net("urt", BASE, conns=c)
    for rate in (1000.0, 5000.0):
        rs += net("epoll", BASE[:2], conns=4, rate=rate) + net("urt", BASE[:2], conns=4, rate=rate, p99=90000)
    figs = FigureSet(tmp_path)
    sec = network.section(rs, figs)
    names = sorted(f.name for f in figs.figures)
    assert names == [
        "net_echo_vs_conns.png", "net_latency_echo_64_4.png"], names
    assert all((tmp_path / n).stat().st_size > 0 for n in names)
    assert sec is not None and any(getattr(b, "headers", None) for b in sec.blocks)


def test_one_connection_count_skips_the_figure_with_a_reason(tmp_path):
    figs = FigureSet(tmp_path)
    network.section(net("epoll", BASE) + net("urt", BASE), figs)
    assert not figs.figures
    assert any("two connection counts" in s.reason for s in figs.skipped)


def test_network_only_report_builds(tmp_path):
    meta = {"host": "h", "kernel": "k", "git": None, "started": "t", "cpu": "c", "cores": 2, "liburing": "2.3",
            "build": "Release", "argv": ["urt-bench"]}
    doc = {"schema": "urt-bench/1", "meta": meta,
           "results": net("epoll", BASE, conns=1) + net("epoll", BASE) + net("urt", BASE, conns=1) +
           net("urt", [v * 1.1 for v in BASE])}
    src = tmp_path / "bench.json"
    src.write_text(json.dumps(doc))
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, str(SCRIPTS / "report.py"), str(src), "--out", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    md = (out / "report.md").read_text()
    assert "Network workloads" in md and "÷ epoll" in md and "urt faster" in md
