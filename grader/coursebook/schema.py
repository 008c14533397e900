"""The course gradebook's schema, as an ordered list of migrations.

``PRAGMA user_version`` holds how many of :data:`MIGRATIONS` a file has had. :func:`migrate`
applies the missing ones, each in its own transaction, so a file from any earlier version
is brought forward and a migration that fails leaves the file as it was. A file from a newer
grader (a version past the list) is refused: this grader would not know its tables.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from grader.errors import InstructorError

__all__ = ["MIGRATIONS", "CoursebookError", "migrate", "version"]


class CoursebookError(InstructorError):
    """A gradebook file this grader cannot use: not SQLite, not a gradebook, or newer."""


V1 = """
CREATE TABLE students (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    lms_id TEXT NOT NULL DEFAULT '',
    section TEXT NOT NULL DEFAULT ''
);
CREATE TABLE assignments (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    max_points REAL,
    points REAL,
    weight REAL NOT NULL DEFAULT 1,
    due TEXT
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    assignment TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('grade', 'regrade')),
    submissions_dir TEXT NOT NULL,
    out_dir TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    wall_s REAL,
    lane_s REAL
);
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY,
    run INTEGER NOT NULL REFERENCES runs(id),
    student TEXT NOT NULL,
    assignment TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    submitted_at TEXT,
    submitted_source TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    gradable INTEGER NOT NULL,
    not_gradable_reason TEXT NOT NULL DEFAULT '',
    awarded REAL NOT NULL,
    max_points REAL NOT NULL,
    late_percent REAL NOT NULL DEFAULT 0,
    late_reason TEXT NOT NULL DEFAULT '',
    final REAL NOT NULL,
    feedback TEXT NOT NULL DEFAULT '',
    graded_at TEXT NOT NULL
);
CREATE INDEX submissions_by_student ON submissions (student, assignment);
CREATE TABLE check_results (
    id INTEGER PRIMARY KEY,
    submission INTEGER NOT NULL REFERENCES submissions(id),
    name TEXT NOT NULL,
    part TEXT NOT NULL,
    status TEXT NOT NULL,
    points REAL NOT NULL,
    max_points REAL NOT NULL
);
CREATE INDEX check_results_by_submission ON check_results (submission);
CREATE TABLE current (
    student TEXT NOT NULL,
    assignment TEXT NOT NULL,
    submission INTEGER NOT NULL REFERENCES submissions(id),
    PRIMARY KEY (student, assignment)
);
CREATE TABLE overrides (
    student TEXT NOT NULL,
    assignment TEXT NOT NULL,
    points REAL NOT NULL,
    reason TEXT NOT NULL,
    by TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL,
    PRIMARY KEY (student, assignment)
);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    student TEXT NOT NULL,
    assignment TEXT NOT NULL,
    old REAL,
    new REAL,
    reason TEXT NOT NULL,
    checks_changed TEXT NOT NULL DEFAULT '[]',
    by TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta (key, value) VALUES ('kind', 'dl-grader course gradebook');
"""

V2 = """
CREATE TABLE manual_items (
    assignment TEXT NOT NULL,
    id TEXT NOT NULL,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    points REAL NOT NULL,
    prompt TEXT NOT NULL DEFAULT '',
    grading TEXT NOT NULL CHECK (grading IN ('positive', 'negative')),
    answer TEXT NOT NULL DEFAULT 'null',
    active INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (assignment, id)
);
CREATE TABLE rubric_items (
    assignment TEXT NOT NULL,
    item TEXT NOT NULL,
    id TEXT NOT NULL,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    points REAL NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    spec_title TEXT,
    spec_points REAL,
    spec_comment TEXT,
    PRIMARY KEY (assignment, item, id),
    FOREIGN KEY (assignment, item) REFERENCES manual_items (assignment, id)
);
CREATE TABLE manual_grades (
    student TEXT NOT NULL,
    assignment TEXT NOT NULL,
    item TEXT NOT NULL,
    applied TEXT NOT NULL DEFAULT '[]',
    adjustment REAL NOT NULL DEFAULT 0,
    comment TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL,
    by TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL,
    content_hash TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (student, assignment, item),
    FOREIGN KEY (assignment, item) REFERENCES manual_items (assignment, id)
);
"""
"""Questions graded by hand (:mod:`grader.manual`): each item as the spec last said, its
live rubric (``spec_*`` hold what the spec said at the last sync, so a later change of the
spec is told from a grader's change in the browser), and each student's grade with a
version that a save must name."""

MIGRATIONS: list[str] = [V1, V2]
"""Each entry is the SQL that takes a file from version i to i + 1. A new version is one more
entry at the end; an entry is never edited once released."""


def version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, path: Path, migrations: list[str] | None = None) -> int:
    """Bring the file at ``path`` up to the last of ``migrations``; return its version."""
    steps = MIGRATIONS if migrations is None else migrations
    try:
        conn.execute("BEGIN")  # one snapshot for both reads: a grader migrating meanwhile
        try:  # commits its tables and their version together
            have, tables = version(conn), _has_tables(conn)
        finally:
            conn.execute("COMMIT")
        if have == 0 and tables:
            raise CoursebookError(
                f"{path}: an SQLite file, but not a course gradebook (it has tables of its own "
                "and no gradebook version); give --gradebook a new file name"
            )
    except sqlite3.DatabaseError as exc:
        raise CoursebookError(
            f"{path}: not an SQLite gradebook ({exc}); give --gradebook a new file name, or "
            "restore the file from a backup"
        ) from exc
    if have > len(steps):
        raise CoursebookError(
            f"{path}: written by a newer grader (gradebook version {have}, this grader knows "
            f"up to {len(steps)}); upgrade the grader (pip install -U dl-grader)"
        )
    for number in range(have, len(steps)):
        conn.execute("BEGIN IMMEDIATE")  # the write lock: a second grader waits here
        try:
            if version(conn) == number:  # read again under the lock: it may have run it
                for statement in _statements(steps[number]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number + 1}")
        except BaseException:
            conn.rollback()
            raise
        conn.execute("COMMIT")
    return len(steps)


def _statements(script: str) -> list[str]:
    """The SQL statements of ``script``, whole (a trigger's body holds semicolons)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return statements


def _has_tables(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()
    return bool(row[0])
