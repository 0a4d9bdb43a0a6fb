"""The PostgreSQL backend against a real server this test starts in a temp dir.

Skipped, with the reason, when Debian's postgresql (initdb, pg_ctl) or
python3-psycopg2 is missing.  The server listens on a Unix socket in the temp
dir only (no TCP port), runs as 'nobody' when the test runs as root (postgres
refuses root), and is stopped and removed at the end.
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile

import pytest

from history_helpers import Store, run_folder, urtperf
from urtperf import synth

psycopg2 = pytest.importorskip("psycopg2", reason="python3-psycopg2 is not installed "
                               "(scripts/install-deps.sh installs it)")


def _bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


@pytest.fixture(scope="module")
def server():
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql")
    as_root = os.geteuid() == 0
    if as_root and not shutil.which("runuser"):
        pytest.skip("running as root and runuser is missing: cannot start postgres as another user")
    top = tempfile.mkdtemp(prefix="urt-pg-")
    data, sock = os.path.join(top, "data"), os.path.join(top, "sock")
    os.mkdir(sock)
    user = pwd.getpwuid(os.geteuid()).pw_name
    prefix = []
    if as_root:
        user = "nobody"
        nobody = pwd.getpwnam(user)
        for path in (top, sock):
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        prefix = ["runuser", "-u", user, "--"]
    log = os.path.join(top, "log")

    def run(cmd):
        p = subprocess.run(prefix + cmd, capture_output=True, text=True, timeout=120, cwd=top)
        if p.returncode != 0:
            tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
            raise RuntimeError(f"{' '.join(cmd[:2])} failed ({p.returncode}): {' | '.join(tail)}")

    started = False
    try:
        run([initdb, "-D", data, "-U", user, "--auth=trust", "-E", "UTF8", "--no-sync"])
        run([pg_ctl, "-D", data, "-l", log, "-w", "-t", "60", "-o",
             f"-k {sock} -c listen_addresses='' -c fsync=off -p 54321", "start"])
        started = True
        yield f"postgresql:///postgres?host={sock}&port=54321&user={user}"
    finally:
        if started:
            subprocess.run(prefix + [pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=60, cwd=top)
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture
def url(server):
    """A clean database for each test: drop what the previous one left."""
    conn = psycopg2.connect(server)
    conn.autocommit = True
    conn.cursor().execute("DROP TABLE IF EXISTS urt_run_files, urt_results, urt_runs, urt_meta")
    conn.close()
    return server


def test_ingest_is_idempotent_on_postgresql(url, tmp_path):
    run = run_folder(tmp_path / "run")
    rc, out, err = urtperf("history", "add", run, "--db", url)
    assert rc == 0 and "added run 1" in out, err
    rc, out, err = urtperf("history", "add", run, "--db", url)
    assert rc == 0 and "already in the store as run 1" in out, err
    with Store(url) as s:
        assert s.kind == "postgresql" and s.version() == 3
        assert s.count("urt_runs") == 1
        n = s.count("urt_results")
    assert urtperf("history", "add", run, "--db", tmp_path / "same.sqlite")[0] == 0
    with Store(str(tmp_path / "same.sqlite")) as lite:
        assert lite.count("urt_results") == n  # both backends store the same rows


def test_migrates_a_version_1_store_on_postgresql(url, tmp_path):
    conn = psycopg2.connect(url)
    cur = conn.cursor()
    cur.execute("CREATE TABLE urt_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    cur.execute("CREATE TABLE urt_runs (id BIGSERIAL PRIMARY KEY, content_hash TEXT NOT NULL UNIQUE,"
                " source_dir TEXT, git TEXT, started TEXT, host TEXT, imported TEXT NOT NULL)")
    cur.execute("CREATE TABLE urt_results (id BIGSERIAL PRIMARY KEY, run_id BIGINT NOT NULL REFERENCES"
                " urt_runs(id), source TEXT NOT NULL, metric TEXT NOT NULL, config TEXT NOT NULL,"
                " repeat INTEGER NOT NULL, value DOUBLE PRECISION NOT NULL)")
    cur.execute("INSERT INTO urt_meta VALUES ('schema_version', '1')")
    cur.execute("INSERT INTO urt_runs (content_hash, git, host, imported) VALUES ('old', 'a', 'h', 'now')")
    cur.execute("INSERT INTO urt_results (run_id, source, metric, config, repeat, value)"
                " VALUES (1, 'bench', 'p99_ns', 'c', 0, 5)")
    conn.commit()
    conn.close()
    rc, out, err = urtperf("history", "add", run_folder(tmp_path / "run"), "--db", url)
    assert rc == 0 and "from schema 1 to 3" in err, err
    with Store(url) as s:
        assert s.version() == 3
        assert s.execute("SELECT unit, better FROM urt_results WHERE run_id = 1").fetchone() == ("ns", "lower")


def test_plot_and_detect_on_postgresql(url, tmp_path):
    with Store(url) as s:
        synth.fill_store(s, 4000, configs=2, repeats=5)
    rc, out, err = urtperf("history", "plot", "--db", url, "--out", tmp_path / "p")
    assert rc == 0, err
    assert (tmp_path / "p" / "history_ops_per_s.png").exists()
    rc, out, err = urtperf("history", "detect", "--db", url, "--metric", "ops_per_s", "--last", "3")
    assert rc == 0, (out, err)
    assert "REGRESSION" in out  # the synthetic 3 % drop two thirds of the way, older than 3 commits


def test_unreachable_server_is_one_line(tmp_path):
    rc, out, err = urtperf("history", "detect", "--db",
                           f"postgresql:///postgres?host={tmp_path}&port=1&user=nobody")
    assert rc == 2 and "cannot connect" in err and len(err.strip().splitlines()) == 1
