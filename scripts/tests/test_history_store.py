"""urtperf history add and the store: ingest, idempotence, migration, fail paths."""

import json
import os
import sqlite3

import pytest

from history_helpers import REPO, Store, run_folder, urtperf

# The layout of a version-1 store, frozen here as that version wrote it: the
# migration must keep reading stores made by it, whatever MIGRATIONS becomes.
V1_DDL = [
    "CREATE TABLE urt_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE urt_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, content_hash TEXT NOT NULL UNIQUE,"
    " source_dir TEXT, git TEXT, started TEXT, host TEXT, imported TEXT NOT NULL)",
    "CREATE TABLE urt_results (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id BIGINT NOT NULL"
    " REFERENCES urt_runs(id), source TEXT NOT NULL, metric TEXT NOT NULL, config TEXT NOT NULL,"
    " repeat INTEGER NOT NULL, value REAL NOT NULL)",
    "INSERT INTO urt_meta VALUES ('schema_version', '1')",
]


def counts(db):
    with Store(db, quiet=True) as s:
        return s.count("urt_runs"), s.count("urt_results")


def test_add_ingests_every_kind_of_file(tmp_path):
    run = run_folder(tmp_path / "20261126T100000Z")
    db = tmp_path / "h.sqlite"
    rc, out, err = urtperf("history", "add", run, "--db", db)
    assert rc == 0, err
    assert "added run 1" in out
    with Store(str(db)) as s:
        rows = s.execute("SELECT source, metric, count(*) FROM urt_results GROUP BY source, metric").fetchall()
        run_row = s.execute("SELECT git, host, kernel, cores, liburing, started FROM urt_runs").fetchone()
    got = {(src, m): n for src, m, n in rows}
    bench = json.load(open(run / "bench.json"))["results"]
    assert got[("bench", "ops_per_s")] == len(bench)
    assert got[("bench", "p99_ns")] == sum(1 for r in bench if (r.get("lat_ns") or {}).get("p99") is not None)
    # one ratio per non-raw result whose configuration and repeat raw also ran
    raw = {(r["workload"], r["qd"], r["batch"], r["complete_batch"], r["bs"], r["threads"], r["repeat"])
           for r in bench if r["backend"] == "raw"}
    expect = sum(1 for r in bench if r["backend"] != "raw" and (r["workload"], r["qd"], r["batch"],
                 r["complete_batch"], r["bs"], r["threads"], r["repeat"]) in raw)
    assert expect > 0 and got[("bench", "ratio_to_raw")] == expect
    assert got[("instructions", "instructions_per_op")] == 8
    assert got[("hyperfine", "wall_s")] > 0
    assert got[("faults", "faults_failed_cells")] == 1
    assert run_row == ("0000000", "fixture", "6.18.0", 2, "2.3", "2026-11-26T10:00:00Z")


def test_second_import_of_the_same_run_is_a_noop(tmp_path):
    run = run_folder(tmp_path / "run")
    db = tmp_path / "h.sqlite"
    assert urtperf("history", "add", run, "--db", db)[0] == 0
    before = counts(str(db))
    # the same content copied elsewhere, with a report written beside it, is the same run
    copy = run_folder(tmp_path / "copy")
    (copy / "report.md").write_text("# report\n")
    rc, out, err = urtperf("history", "add", run, copy, "--db", db)
    assert rc == 0, err
    assert out.count("already in the store as run 1") == 2
    assert counts(str(db)) == before
    # a different run (another commit) is added
    other = run_folder(tmp_path / "other", git="1111111")
    rc, out, _ = urtperf("history", "add", other, "--db", db)
    assert rc == 0 and "added run 2" in out
    assert counts(str(db)) == (2, 2 * before[1])


def test_migrates_a_version_1_store(tmp_path):
    db = tmp_path / "old.sqlite"
    conn = sqlite3.connect(db)
    for statement in V1_DDL:
        conn.execute(statement)
    conn.execute("INSERT INTO urt_runs (content_hash, git, started, host, imported)"
                 " VALUES ('old', 'abc1234', '2026-01-01T00:00:00Z', 'oldhost', '2026-01-01T00:00:00Z')")
    conn.executemany("INSERT INTO urt_results (run_id, source, metric, config, repeat, value)"
                     " VALUES (1, 'bench', ?, 'nop/urt', 0, ?)",
                     [("ops_per_s", 1e6), ("p99_ns", 2e4), ("ratio_to_raw", 0.8)])
    conn.commit()
    conn.close()

    run = run_folder(tmp_path / "run")
    rc, out, err = urtperf("history", "add", run, "--db", db)
    assert rc == 0, err
    assert "migrated" in err and "from schema 1 to 3" in err
    with Store(str(db)) as s:
        assert s.version() == 3
        old = s.execute("SELECT metric, value, unit, better FROM urt_results WHERE run_id = 1"
                        " ORDER BY metric").fetchall()
        assert old == [("ops_per_s", 1e6, "ops/s", "higher"), ("p99_ns", 2e4, "ns", "lower"),
                       ("ratio_to_raw", 0.8, "x raw", "higher")]
        assert s.count("urt_runs") == 2
        host = s.execute("SELECT host, kernel FROM urt_runs WHERE id = 2").fetchone()
        assert host == ("fixture", "6.18.0")
    # opening again migrates nothing
    rc, _, err = urtperf("history", "add", run, "--db", db)
    assert rc == 0 and "migrated" not in err


def test_refuses_a_store_from_a_newer_urtperf(tmp_path):
    db = tmp_path / "new.sqlite"
    with Store(str(db), create=True):
        pass
    conn = sqlite3.connect(db)
    conn.execute("UPDATE urt_meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    rc, out, err = urtperf("history", "add", run_folder(tmp_path / "run"), "--db", db)
    assert rc == 2 and "schema version 99 is newer" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("case", ["missing-dir", "not-sqlite", "is-directory", "no-store"])
def test_bad_db_path(tmp_path, case):
    run = run_folder(tmp_path / "run")
    if case == "missing-dir":
        db = tmp_path / "nowhere" / "h.sqlite"
        cmd = ("history", "add", run, "--db", db)
    elif case == "not-sqlite":
        db = tmp_path / "junk.sqlite"
        db.write_bytes(b"this is not a database, just some bytes" * 100)
        cmd = ("history", "add", run, "--db", db)
    elif case == "is-directory":
        db = tmp_path
        cmd = ("history", "add", run, "--db", db)
    else:  # plot and detect never create a store
        db = tmp_path / "absent.sqlite"
        cmd = ("history", "detect", "--db", db)
    before = db.read_bytes() if db.is_file() else None
    rc, out, err = urtperf(*cmd)
    assert rc == 2, (out, err)
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert out == ""
    if before is not None:
        assert db.read_bytes() == before
    if case in ("missing-dir", "no-store"):
        assert not db.exists()


@pytest.mark.parametrize("case", ["truncated-bench", "wrong-type", "empty-folder", "not-a-folder",
                                  "bad-gate-output"])
def test_corrupt_run_folder_changes_nothing(tmp_path, case):
    db = tmp_path / "h.sqlite"
    assert urtperf("history", "add", run_folder(tmp_path / "good"), "--db", db)[0] == 0
    before = counts(str(db))
    run = tmp_path / "bad"
    if case == "truncated-bench":
        run_folder(run)
        text = (run / "bench.json").read_text()
        (run / "bench.json").write_text(text[: len(text) // 2])
    elif case == "wrong-type":
        run_folder(run)
        doc = json.load(open(run / "bench.json"))
        doc["results"][3]["qd"] = "sixteen"
        (run / "bench.json").write_text(json.dumps(doc))
    elif case == "empty-folder":
        run.mkdir()
        (run / "notes.txt").write_text("nothing here\n")
    elif case == "not-a-folder":
        run.write_text("a file\n")
    else:
        run_folder(run)
        doc = json.load(open(run / "instructions.json"))
        doc["metrics"]["yield"]["instructions_per_op"] = -1
        (run / "instructions.json").write_text(json.dumps(doc))
    # the good run given again first: all folders are checked before anything is written
    rc, out, err = urtperf("history", "add", tmp_path / "good", run, "--db", db)
    assert rc == 2, (out, err)
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert str(run) in err
    assert counts(str(db)) == before


def test_help_and_bad_arguments():
    for args in (("-h",), ("history", "-h"), ("history", "add", "-h"), ("history", "plot", "--help"),
                 ("history", "detect", "-h")):
        rc, out, err = urtperf(*args)
        assert rc == 0 and "usage:" in out, args
    for args in ((), ("history",), ("history", "bogus"), ("history", "add"),
                 ("history", "detect", "--last", "zero"), ("history", "detect", "--alpha", "2"),
                 ("history", "detect", "--alpha", "0.001", "--permutations", "99")):
        rc, out, err = urtperf(*args)
        assert rc == 2, args
        assert len(err.strip().splitlines()) == 1, (args, err)


def test_synth_and_validate_commands(tmp_path):
    db = tmp_path / "s.sqlite"
    rc, out, err = urtperf("history", "synth", "--db", db, "--results", "800")
    assert rc == 0 and "800 results" in out, err
    assert counts(str(db)) == (2, 800)
    before = db.read_bytes()
    rc, out, err = urtperf("history", "synth", "--db", db, "--results", "800")  # never into an existing store
    assert rc == 2 and "--force" in err and db.read_bytes() == before
    rc, out, err = urtperf("history", "validate", "--trials", "2", "--sizes", "10")
    assert rc == 0, err
    assert out.splitlines()[-1].split()[0] == "10"  # one row: points per side, then three rates
    rc, out, err = urtperf("history", "validate", "--sizes", "ten")
    assert rc == 2 and len(err.splitlines()) == 1


def test_wrapper_finds_an_interpreter():
    import subprocess
    p = subprocess.run([os.path.join(REPO, "scripts", "urtperf.sh"), "history", "-h"], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0 and "detect" in p.stdout, p.stderr


# --- hostile review (issue 10) ----------------------------------------------

def test_a_folder_that_gains_a_file_adds_only_that_file(tmp_path):
    """Adding instructions.json to an added folder and adding again stored every
    bench/faults/hyperfine row twice (idempotence was per folder)."""
    run = run_folder(tmp_path / "20261126T100000Z", with_gates=False)
    db = tmp_path / "h.sqlite"
    assert urtperf("history", "add", run, "--db", db)[0] == 0
    runs, results = counts(str(db))
    import shutil
    shutil.copy(os.path.join(REPO, "results", "baseline", "instructions.json"), run / "instructions.json")
    rc, out, err = urtperf("history", "add", run, "--db", db)
    assert rc == 0 and "added 8 results from instructions.json to run 1" in out, out + err
    assert counts(str(db)) == (runs, results + 8)
    rc, out, _ = urtperf("history", "add", run, "--db", db)  # and again: nothing
    assert rc == 0 and "already in the store" in out and counts(str(db)) == (runs, results + 8)
    # a stored file that changed is refused, not stored a second time
    (run / "hyperfine_cp.json").write_text((run / "hyperfine_cp.json").read_text().replace("}", " }", 1))
    rc, out, err = urtperf("history", "add", run, "--db", db)
    assert rc == 2 and "hyperfine_cp.json changed" in err and counts(str(db)) == (runs, results + 8), out + err


def test_a_folder_with_two_commits_is_refused(tmp_path):
    """ab.sh's A.json and B.json were merged into one run as commit A."""
    db = tmp_path / "h.sqlite"
    rc, out, err = urtperf("history", "add", os.path.join(os.path.dirname(__file__), "fixtures", "review",
                                                          "abrun"), "--db", db)
    assert rc == 2 and "2 different commits" in err and len(err.strip().splitlines()) == 1, out + err
