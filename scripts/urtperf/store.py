"""The results store: every result of every run, one row each.

SQLite by default (a file; Python's sqlite3, no server).  PostgreSQL when the
--db argument is a postgresql:// URL (Debian's python3-psycopg2), for teams
whose many runners write into one place.  Both hold the same tables:

  urt_meta     key/value; 'schema_version' says which layout the store has
  urt_runs     one row per ingested run: content hash (the identity that makes
               a second import a no-op), commit, commit date, run date, host,
               machine context (kernel, cpu, cores, liburing, build, the whole
               meta object as JSON)
  urt_results  one row per result: run, source (bench/faults/hyperfine/
               instructions/ratios), metric, configuration (a name and the
               fields as JSON), repeat, value, unit, which direction is better

The layout is versioned.  MIGRATIONS[i] takes a store from version i to i+1,
each step in one transaction, so opening an older store brings it up to date
and a store written by a newer urtperf is refused rather than misread.
"""

import contextlib
import json
import os
import sqlite3
import sys
import urllib.parse

from .cli import InputError

SCHEMA_VERSION = 3

# Per dialect: the few words SQLite and PostgreSQL spell differently.
_DIALECT = {
    "sqlite": {"pk": "INTEGER PRIMARY KEY AUTOINCREMENT", "real": "REAL"},
    "postgresql": {"pk": "BIGSERIAL PRIMARY KEY", "real": "DOUBLE PRECISION"},
}

MIGRATIONS = [
    # 0 -> 1: the first layout (runs and bare results).
    [
        "CREATE TABLE urt_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE urt_runs (id {pk}, content_hash TEXT NOT NULL UNIQUE, source_dir TEXT,"
        " git TEXT, started TEXT, host TEXT, imported TEXT NOT NULL)",
        "CREATE TABLE urt_results (id {pk}, run_id BIGINT NOT NULL REFERENCES urt_runs(id),"
        " source TEXT NOT NULL, metric TEXT NOT NULL, config TEXT NOT NULL,"
        " repeat INTEGER NOT NULL, value {real} NOT NULL)",
    ],
    # 1 -> 2: machine context per run; the commit's own date (a replay of an
    # old commit runs today but belongs where the commit is); unit, direction
    # and the configuration's fields per result; an index for series reads.
    [
        "ALTER TABLE urt_runs ADD COLUMN commit_time TEXT",
        "ALTER TABLE urt_runs ADD COLUMN kernel TEXT",
        "ALTER TABLE urt_runs ADD COLUMN cpu TEXT",
        "ALTER TABLE urt_runs ADD COLUMN cores INTEGER",
        "ALTER TABLE urt_runs ADD COLUMN liburing TEXT",
        "ALTER TABLE urt_runs ADD COLUMN build TEXT",
        "ALTER TABLE urt_runs ADD COLUMN machine TEXT",
        "ALTER TABLE urt_results ADD COLUMN unit TEXT",
        "ALTER TABLE urt_results ADD COLUMN better TEXT",
        "ALTER TABLE urt_results ADD COLUMN config_json TEXT",
        # Version-1 stores only ever held these metrics; give them their direction.
        "UPDATE urt_results SET better = CASE WHEN metric IN ('ops_per_s', 'ratio_to_raw')"
        " THEN 'higher' ELSE 'lower' END",
        "UPDATE urt_results SET unit = CASE metric WHEN 'ops_per_s' THEN 'ops/s'"
        " WHEN 'p99_ns' THEN 'ns' WHEN 'ratio_to_raw' THEN 'x raw' ELSE NULL END",
        "CREATE INDEX urt_results_series ON urt_results (metric, source, config)",
        "CREATE INDEX urt_results_run ON urt_results (run_id)",
    ],
    # 2 -> 3: which file of a run folder each stored run took, with its
    # content hash, so adding a folder that gained a file adds that file's
    # results only (idempotence per file, not per folder).
    [
        "CREATE TABLE urt_run_files (run_id BIGINT NOT NULL REFERENCES urt_runs(id), name TEXT NOT NULL,"
        " sha256 TEXT NOT NULL, PRIMARY KEY (run_id, name))",
    ],
]
assert len(MIGRATIONS) == SCHEMA_VERSION

RUN_COLUMNS = ("content_hash", "source_dir", "git", "started", "host", "imported", "commit_time",
               "kernel", "cpu", "cores", "liburing", "build", "machine")
RESULT_COLUMNS = ("run_id", "source", "metric", "config", "repeat", "value", "unit", "better",
                  "config_json")


def _one_line(err):
    return " ".join(str(err).split())


class Store:
    """An open store.  Store(url) opens (and migrates) one; use as a context manager."""

    def __init__(self, url, create=False, quiet=False, option="--db"):
        self.url = url
        self.option = option  # how error messages name the store
        self.quiet = quiet
        if url.startswith(("postgresql://", "postgres://")):
            self.kind = "postgresql"
            self._open_postgresql(url)
        else:
            self.kind = "sqlite"
            self._open_sqlite(url, create)
        self.migrate()

    # -- opening ---------------------------------------------------------
    def _open_sqlite(self, path, create):
        if not create and not os.path.exists(path):
            raise InputError(f"{self.option} {path}: no such store (`history add` creates one)")
        if os.path.isdir(path):
            raise InputError(f"{self.option} {path}: is a directory, expected an SQLite file")
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise InputError(f"{self.option} {path}: directory {parent} does not exist")
        mode = "rwc" if create else "rw"
        uri = f"file:{urllib.parse.quote(os.path.abspath(path))}?mode={mode}"
        try:
            # isolation_level None: we issue BEGIN/COMMIT ourselves, so schema
            # changes and inserts share one transaction.
            self.conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as err:
            raise InputError(f"{self.option} {path}: cannot open as an SQLite store: {_one_line(err)}") from None

    def _open_postgresql(self, url):
        try:
            import psycopg2
        except ImportError:
            raise InputError(f"{self.option} postgresql://...: psycopg2 is not installed "
                             "(apt-get install python3-psycopg2)") from None
        self._pg = psycopg2
        try:
            self.conn = psycopg2.connect(url, connect_timeout=10)
        except psycopg2.Error as err:
            raise InputError(f"{self.option} {_redact(url)}: cannot connect: {_one_line(err)}") from None

    def close(self):
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- SQL helpers -----------------------------------------------------
    def _sql(self, text):
        text = text.format(**_DIALECT[self.kind])
        return text.replace("?", "%s") if self.kind == "postgresql" else text

    def _errors(self):
        return (sqlite3.Error,) if self.kind == "sqlite" else (self._pg.Error,)

    def execute(self, sql, params=()):
        cur = self.conn.cursor()
        cur.execute(self._sql(sql), params)
        return cur

    @contextlib.contextmanager
    def transaction(self):
        """All or nothing: a failure leaves the store as it was."""
        try:
            if self.kind == "sqlite":
                self.conn.execute("BEGIN IMMEDIATE")  # one writer at a time
            else:
                # Two runners migrating or importing at once queue up here.
                self.conn.cursor().execute("SELECT pg_advisory_xact_lock(16016)")
            yield
        except BaseException:
            self.conn.rollback()
            raise
        else:
            self.conn.commit()

    def _has_table(self, name):
        if self.kind == "sqlite":
            row = self.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (name,)).fetchone()
        else:
            row = self.execute("SELECT to_regclass(?)", (name,)).fetchone()
            row = row if row and row[0] else None
        return row is not None

    # -- schema ----------------------------------------------------------
    def version(self):
        if not self._has_table("urt_meta"):
            if self._has_table("urt_runs"):
                raise InputError(f"{self.option} {self.where()}: has urt_runs but no urt_meta: not a store "
                                 "this tool wrote (or a damaged one)")
            return 0
        row = self.execute("SELECT value FROM urt_meta WHERE key = 'schema_version'").fetchone()
        try:
            return int(row[0])
        except (TypeError, ValueError):
            raise InputError(f"{self.option} {self.where()}: urt_meta has no valid schema_version") from None

    def migrate(self, target=SCHEMA_VERSION):
        try:
            with self.transaction():
                have = self.version()
                if have > SCHEMA_VERSION:
                    raise InputError(f"{self.option} {self.where()}: store schema version {have} is newer than "
                                     f"this urtperf's ({SCHEMA_VERSION}): update scripts/")
                for step in range(have, target):
                    for statement in MIGRATIONS[step]:
                        self.execute(statement)
                    if step == 0:
                        self.execute("INSERT INTO urt_meta (key, value) VALUES ('schema_version', ?)",
                                     (str(step + 1),))
                    else:
                        self.execute("UPDATE urt_meta SET value = ? WHERE key = 'schema_version'",
                                     (str(step + 1),))
        except self._errors() as err:
            raise InputError(f"{self.option} {self.where()}: cannot read or migrate the store: "
                             f"{_one_line(err)}") from None
        if 0 < have < target and not self.quiet:
            sys.stderr.write(f"urtperf: migrated {self.where()} from schema {have} to {target}\n")
        return have

    def where(self):
        return _redact(self.url) if self.kind == "postgresql" else self.url

    # -- runs and results -----------------------------------------------
    def run_with_hash(self, content_hash):
        row = self.execute("SELECT id FROM urt_runs WHERE content_hash = ?", (content_hash,)).fetchone()
        return row[0] if row else None

    def add_run(self, run, results):
        """Insert a run and its results in one transaction; return (run id, added files).

        A run whose content hash is already stored adds nothing (added files
        is []).  A folder already stored (same source_dir and host) that has
        gained files adds the new files' results to that run; a file that
        changed since it was stored is refused: a run folder only grows."""
        hashes = run.get("file_hashes") or {}
        try:
            with self.transaction():
                existing = self.run_with_hash(run["content_hash"])
                if existing is not None:
                    return existing, []
                earlier = self.execute("SELECT id FROM urt_runs WHERE source_dir = ? AND host = ? ORDER BY id",
                                       (run.get("source_dir"), run.get("host"))).fetchall()
                for (run_id,) in earlier:
                    stored = dict(self.execute("SELECT name, sha256 FROM urt_run_files WHERE run_id = ?",
                                               (run_id,)).fetchall())
                    if not stored:
                        continue  # stored before files were recorded: a new run, as then
                    changed = [n for n in stored if n in hashes and hashes[n] != stored[n]]
                    if changed:
                        raise InputError(f"{run.get('source_dir')}: {', '.join(changed)} changed since it was "
                                         f"added as run {run_id}: refusing (a run folder only ever gains files)")
                    new = [n for n in hashes if n not in stored]
                    if not new:
                        return run_id, []
                    self._insert_files(run_id, {n: hashes[n] for n in new})
                    self.execute("UPDATE urt_runs SET content_hash = ? WHERE id = ?", (run["content_hash"], run_id))
                    self.insert_results([(run_id, *(r.get(c) for c in RESULT_COLUMNS[1:]))
                                         for r in results if r.get("file") in new])
                    return run_id, new
                cols = ", ".join(RUN_COLUMNS)
                marks = ", ".join("?" for _ in RUN_COLUMNS)
                run_id = self.execute(f"INSERT INTO urt_runs ({cols}) VALUES ({marks}) RETURNING id",
                                      tuple(run.get(c) for c in RUN_COLUMNS)).fetchone()[0]
                rows = [(run_id, *(r.get(c) for c in RESULT_COLUMNS[1:])) for r in results]
                self.insert_results(rows)
                self._insert_files(run_id, hashes)
                return run_id, sorted(hashes) or list(run.get("files") or ["?"])
        except self._errors() as err:
            raise InputError(f"{self.option} {self.where()}: cannot write: {_one_line(err)}") from None

    def _insert_files(self, run_id, hashes):
        for name, sha in sorted(hashes.items()):
            self.execute("INSERT INTO urt_run_files (run_id, name, sha256) VALUES (?, ?, ?)", (run_id, name, sha))

    def insert_results(self, rows):
        """Bulk insert of result tuples in RESULT_COLUMNS order (inside a transaction)."""
        cols = ", ".join(RESULT_COLUMNS)
        if self.kind == "sqlite":
            marks = ", ".join("?" for _ in RESULT_COLUMNS)
            self.conn.executemany(f"INSERT INTO urt_results ({cols}) VALUES ({marks})", rows)
        else:
            from psycopg2.extras import execute_values
            execute_values(self.conn.cursor(), f"INSERT INTO urt_results ({cols}) VALUES %s", rows,
                           page_size=1000)

    def insert_run_row(self, run):
        """Insert one run row (inside a transaction); return its id."""
        cols = ", ".join(RUN_COLUMNS)
        marks = ", ".join("?" for _ in RUN_COLUMNS)
        return self.execute(f"INSERT INTO urt_runs ({cols}) VALUES ({marks}) RETURNING id",
                            tuple(run.get(c) for c in RUN_COLUMNS)).fetchone()[0]

    def metrics(self):
        try:
            return {r[0] for r in self.execute("SELECT DISTINCT metric FROM urt_results").fetchall()}
        except self._errors() as err:
            raise InputError(f"{self.option} {self.where()}: cannot read: {_one_line(err)}") from None

    def count(self, table):
        assert table in ("urt_runs", "urt_results")
        return self.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def result_rows(self, metrics=None, host=None):
        """Every result with its run's commit, dates and host.

        Two queries, the runs (few) and the results (many, five columns), joined
        here: at 10^5 results that is much faster than a SQL join that repeats
        the run's strings on every row."""
        runs_sql = "SELECT id, git, started, commit_time, host FROM urt_runs"
        params = ()
        if host:
            runs_sql += " WHERE host = ?"
            params = (host,)
        sql = "SELECT run_id, source, metric, config, value FROM urt_results"
        mparams = tuple(metrics or ())
        if mparams:
            sql += " WHERE metric IN (" + ", ".join("?" for _ in mparams) + ")"
        kinds = ("SELECT metric, source, max(unit), max(better) FROM urt_results"
                 " GROUP BY metric, source")
        try:
            runs = {r[0]: r[1:] for r in self.execute(runs_sql, params).fetchall()}
            meta = {(r[0], r[1]): (r[2], r[3]) for r in self.execute(kinds).fetchall()}
            out = []
            for run_id, source, metric, config, value in self.execute(sql, mparams).fetchall():
                run = runs.get(run_id)
                if run is not None:
                    unit, better = meta[(metric, source)]
                    out.append((source, metric, config, unit, better, value, run_id, *run))
            return out
        except self._errors() as err:
            raise InputError(f"{self.option} {self.where()}: cannot read: {_one_line(err)}") from None


def _redact(url):
    """A URL fit to print: the password replaced."""
    parts = urllib.parse.urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    return url


def machine_json(meta):
    return json.dumps(meta, sort_keys=True, separators=(",", ":"))
