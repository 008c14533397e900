"""The course gradebook file: records, the audit log, overrides, missing grades, migrations and
the files it refuses."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from grader.coursebook import schema
from grader.coursebook.schema import CoursebookError
from grader.coursebook.store import Coursebook, summarize
from grader.coursefile import CourseFile
from grader.models import CheckResult, Lateness, SubmissionResult

COURSE = CourseFile.model_validate(
    {
        "students": [{"id": "ada"}, {"id": "bob"}, {"id": "cy"}],
        "assignments": [{"id": "hw1", "due": "2026-10-05T23:59:00+02:00", "points": 10}],
    }
)


def _result(
    student: str,
    points: dict[str, float],
    *,
    digest: str = "h1",
    late: float = 0.0,
    gradable: bool = True,
) -> SubmissionResult:
    checks = [
        CheckResult(
            name=name,
            visibility="hidden",
            status="passed" if p == 2 else "failed",
            part="P",
            points=p,
            max_points=2,
        )
        for name, p in points.items()
    ]
    lateness = None
    if late:
        when = datetime(2026, 10, 7, tzinfo=UTC)
        lateness = Lateness(
            submitted_at=when, source="manifest", deadline=when, percent=late, reason="late"
        )
    return SubmissionResult(
        student=student,
        assignment="hw1",
        score=sum(points.values()),
        max_score=4,
        gradable=gradable,
        checks=checks,
        seed=1,
        content_hash=digest,
        late=lateness,
    )


def _book(tmp_path: Path) -> tuple[Coursebook, int]:
    book = Coursebook.open(tmp_path / "gb.sqlite")
    book.sync_course(COURSE)
    book.set_assignment("hw1", "Homework 1", 4)
    return book, book.begin_run("hw1", tmp_path / "subs", tmp_path / "out", "grade")


def test_record_audits_each_change_once(tmp_path: Path) -> None:
    book, run = _book(tmp_path)
    with book:
        first = book.record(run, _result("ada", {"a": 2, "b": 2}), tmp_path / "ada")
        assert first is not None and (first.old, first.new) == (None, 4)
        assert book.record(run, _result("ada", {"a": 2, "b": 2}), tmp_path / "ada") is None
        regrade = book.begin_run("hw1", tmp_path / "subs", tmp_path / "out", "regrade")
        down = book.record(regrade, _result("ada", {"a": 2, "b": 0}), tmp_path / "ada", "regrade")
        assert down is not None and (down.old, down.new, down.checks_changed) == (4, 2, ["b"])
        late = book.record(run, _result("ada", {"a": 2, "b": 0}, late=50), tmp_path / "ada")
        assert late is not None and late.new == 1
        log = book.audit(student="ada")
        assert [e.reason for e in log] == [
            "graded",
            "regrade",
            "submission time or deadline changed",
        ]
        assert (
            summarize([down]) == "1 student changed: 0 up, 1 down; largest change ada -2 (4 -> 2)"
        )
        assert summarize([]) == "no score changed"


def test_an_override_is_final_and_survives_a_regrade(tmp_path: Path) -> None:
    book, run = _book(tmp_path)
    with book:
        book.record(run, _result("bob", {"a": 0, "b": 0}), tmp_path / "bob")
        entry = book.set_override("bob", "hw1", 3.5, "oral exam", by="ta")
        assert (entry.old, entry.new, entry.by) == (0, 3.5, "ta")
        assert book.record(run, _result("bob", {"a": 2, "b": 0}, digest="h2"), tmp_path) is None
        row = book.grades(COURSE).row("bob", "hw1")
        assert row is not None and row.final == 3.5 and row.override_reason == "oral exam"
        assert row.scaled == pytest.approx(8.75)  # 3.5 of 4 on the course's 10
        assert "the override stays" in book.audit(student="bob")[-1].reason
        cleared = book.clear_override("bob", "hw1", "exam void", by="ta")
        assert (cleared.old, cleared.new) == (3.5, 2)
        with pytest.raises(CoursebookError, match="out of range; give 0 to 4"):
            book.set_override("bob", "hw1", 5, "too much", by="ta")
        with pytest.raises(CoursebookError, match="did you mean bob"):
            book.set_override("bbo", "hw1", 1, "typo", by="ta")
        with pytest.raises(CoursebookError, match="needs a reason"):
            book.set_override("bob", "hw1", 1, " ", by="ta")


def test_grades_cover_the_roster_with_missing_and_not_gradable_rows(tmp_path: Path) -> None:
    book, run = _book(tmp_path)
    with book:
        book.record(run, _result("ada", {"a": 2, "b": 2}), tmp_path / "ada")
        book.record(run, _result("cy", {"a": 0, "b": 0}, gradable=False), tmp_path / "cy")
        book.record(run, _result("zed", {"a": 2, "b": 0}), tmp_path / "zed")  # not on the roster
        grades = book.grades(COURSE)
    status = {r.student: r.status for r in grades.rows}
    assert status == {"ada": "graded", "bob": "missing", "cy": "not_gradable", "zed": "graded"}
    assert grades.student_ids() == ["ada", "bob", "cy", "zed"]
    assert grades.titles == {"hw1": "Homework 1"}


def test_a_migration_runs_once_and_a_newer_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gb.sqlite"
    Coursebook.open(path).close()
    conn = sqlite3.connect(path)
    later = "ALTER TABLE students ADD COLUMN pronouns TEXT NOT NULL DEFAULT '';"
    top = len(schema.MIGRATIONS) + 1
    assert schema.migrate(conn, path, [*schema.MIGRATIONS, later]) == top
    assert schema.migrate(conn, path, [*schema.MIGRATIONS, later]) == top  # nothing the 2nd time
    assert "pronouns" in [r[1] for r in conn.execute("PRAGMA table_info(students)")]
    conn.close()
    with pytest.raises(CoursebookError, match="newer grader .* upgrade the grader"):
        Coursebook.open(path)


def test_files_that_are_not_a_gradebook_are_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database at all, just some text " * 20)
    with pytest.raises(CoursebookError, match="not an SQLite gradebook"):
        Coursebook.open(text)
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(CoursebookError, match="not a course gradebook"):
        Coursebook.open(other)


def test_simultaneous_first_opens_build_the_schema_once(tmp_path: Path) -> None:
    """Several graders opening a new gradebook at once all succeed (the schema is built under
    the write lock, and the version read again there)."""
    path = tmp_path / "gb.sqlite"
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def open_it() -> None:
        start.wait()
        try:
            Coursebook.open(path).close()
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    conn = sqlite3.connect(path)
    assert schema.version(conn) == len(schema.MIGRATIONS)
    conn.close()


def test_a_failed_migration_leaves_the_old_version(tmp_path: Path) -> None:
    path = tmp_path / "gb.sqlite"
    Coursebook.open(path).close()
    bad = [*schema.MIGRATIONS, "CREATE TABLE extra (x INTEGER);\nINSERT INTO nowhere VALUES (1);"]
    conn = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError):
        schema.migrate(conn, path, bad)
    assert schema.version(conn) == len(schema.MIGRATIONS)
    assert "extra" not in [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
    conn.close()


def test_the_audit_log_is_append_only(tmp_path: Path) -> None:
    book, run = _book(tmp_path)
    with book:
        book.record(run, _result("ada", {"a": 2, "b": 2}), tmp_path / "ada")
    conn = sqlite3.connect(tmp_path / "gb.sqlite")
    for statement in ("UPDATE audit SET new = 0", "DELETE FROM audit"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(statement)
    conn.close()
