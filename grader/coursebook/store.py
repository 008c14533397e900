"""The course gradebook file: one SQLite database across a course's assignments.

:meth:`Coursebook.record` writes one graded submission (its row, its checks, the student's
current grade and, when the final score changed, an audit entry) in one transaction, so a
grader killed at any moment leaves each submission recorded whole or not at all. The file
runs in WAL mode with ``synchronous=FULL``: a committed grade survives a power cut.

The final score of a student on an assignment is their override when there is one, else
the current submission's checks' score plus the grades given by hand
(:mod:`grader.coursebook.manualstore`), less the late penalty. Every change of it is in the
append-only audit log, with its reason.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from pydantic import BaseModel, ConfigDict

from grader.coursebook.manualstore import ManualGrading
from grader.coursebook.models import AuditEntry, Change, CourseGrades, GradeRow, GradeStatus
from grader.coursebook.schema import CoursebookError, migrate
from grader.coursefile import CourseFile
from grader.models import SubmissionResult
from grader.suggest import did_you_mean

__all__ = ["Coursebook", "CoursebookError", "RunRecord", "summarize"]


class RunRecord(BaseModel):
    """One ``grader grade`` or ``grader regrade`` run, as the gradebook recorded it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int
    assignment: str
    reason: str
    submissions_dir: Path
    out_dir: Path
    started_at: datetime
    finished_at: datetime | None
    """None while it runs, or when it was interrupted."""


class Coursebook(ManualGrading):
    """An open gradebook file; use as a context manager (:meth:`open`). Its questions
    graded by hand are in :class:`~grader.coursebook.manualstore.ManualGrading`."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> Coursebook:
        """Open the gradebook at ``path``, migrating it forward; a missing one is created, or
        with ``create=False`` (the commands that only read it) refused with the fix."""
        if not create and not path.is_file():
            raise CoursebookError(
                f"{path}: no course gradebook there yet; grade an assignment with the course "
                "file first (grader grade SUBMISSIONS -a ID), or give --gradebook FILE"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        except sqlite3.Error as exc:
            raise CoursebookError(f"{path}: cannot open the gradebook ({exc})") from exc
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            migrate(conn, path)
            _wal(conn)
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            conn.close()
            raise
        return cls(conn, path)

    def close(self) -> None:
        self._conn.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn)

    def __enter__(self) -> Coursebook:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- the course -------------------------------------------------------------------------

    def sync_course(self, course: CourseFile) -> None:
        """The roster and the course's assignments, as the course file says now."""
        with self._transaction():
            for s in course.students:
                self._conn.execute(
                    "INSERT INTO students (id, name, email, lms_id, section) VALUES (?,?,?,?,?) "
                    "ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email,"
                    " lms_id = excluded.lms_id, section = excluded.section",
                    (s.id, s.name, s.email, s.lms_id, s.section),
                )
            for a in course.assignments:
                self._conn.execute(
                    "INSERT INTO assignments (id, points, weight, due) VALUES (?,?,?,?) "
                    "ON CONFLICT (id) DO UPDATE SET points = excluded.points,"
                    " weight = excluded.weight, due = excluded.due",
                    (a.id, a.points, a.weight, a.due_at.isoformat()),
                )

    def set_assignment(self, assignment: str, title: str, max_points: float) -> None:
        """The assignment's title and the spec's maximum, from its material."""
        with self._transaction():
            self._conn.execute(
                "INSERT INTO assignments (id, title, max_points) VALUES (?,?,?) "
                "ON CONFLICT (id) DO UPDATE SET title = excluded.title,"
                " max_points = excluded.max_points",
                (assignment, title, max_points),
            )

    # -- runs -------------------------------------------------------------------------------

    def begin_run(self, assignment: str, submissions_dir: Path, out_dir: Path, reason: str) -> int:
        """Record the start of a run ("grade" or "regrade"); its id."""
        with self._transaction():
            cursor = self._conn.execute(
                "INSERT INTO runs (assignment, reason, submissions_dir, out_dir, started_at) "
                "VALUES (?,?,?,?,?)",
                (assignment, reason, str(submissions_dir), str(out_dir), _now()),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def finish_run(self, run_id: int, wall_s: float, lane_s: float) -> None:
        with self._transaction():
            self._conn.execute(
                "UPDATE runs SET finished_at = ?, wall_s = ?, lane_s = ? WHERE id = ?",
                (_now(), wall_s, lane_s, run_id),
            )

    def last_run(self, assignment: str) -> RunRecord | None:
        """The latest run of ``assignment`` (finished or not), or None."""
        row = self._conn.execute(
            "SELECT id, assignment, reason, submissions_dir, out_dir, started_at, finished_at "
            "FROM runs WHERE assignment = ? ORDER BY id DESC LIMIT 1",
            (assignment,),
        ).fetchone()
        if row is None:
            return None
        return RunRecord(
            id=row[0],
            assignment=row[1],
            reason=row[2],
            submissions_dir=Path(row[3]),
            out_dir=Path(row[4]),
            started_at=datetime.fromisoformat(row[5]),
            finished_at=datetime.fromisoformat(row[6]) if row[6] else None,
        )

    # -- grades -----------------------------------------------------------------------------

    def record(
        self, run_id: int, result: SubmissionResult, source: Path, reason: str = "graded"
    ) -> Change | None:
        """Record one graded submission in one transaction; the change of the student's final
        score, or None when it stayed the same (an unchanged submission graded again adds
        nothing to the audit log)."""
        student, assignment = result.student, result.assignment
        checks = {c.name: result.awarded_for(c) for c in result.checks}
        with self._transaction():
            before = self._current(student, assignment)
            old_final = self._final(student, assignment)
            if before is not None and _same(before, result, checks, self._checks(before[0])):
                return None
            submission = self._insert_submission(run_id, result, source)
            self._conn.execute(
                "INSERT INTO current (student, assignment, submission) VALUES (?,?,?) "
                "ON CONFLICT (student, assignment) DO UPDATE SET submission = excluded.submission",
                (student, assignment, submission),
            )
            new_final = self._final(student, assignment)
            assert new_final is not None
            changed = _changed_checks(self._checks(before[0]) if before else {}, checks)
            why = _why(before, result, changed, reason)
            if old_final is not None and math.isclose(old_final, new_final, abs_tol=1e-9):
                if before is not None and not math.isclose(
                    before[2], _checks_final(result), abs_tol=1e-9
                ):
                    underneath = f"{why}: computed {before[2]:g} -> {_checks_final(result):g}; the override stays"
                    self._audit(student, assignment, old_final, new_final, underneath, changed, "")
                return None
            self._audit(student, assignment, old_final, new_final, why, changed, by="")
        return Change(
            student=student,
            assignment=assignment,
            old=old_final,
            new=new_final,
            checks_changed=changed,
        )

    def set_override(
        self, student: str, assignment: str, points: float, reason: str, by: str
    ) -> AuditEntry:
        """A manual final score for ``student`` on ``assignment`` (spec points, 0..maximum),
        kept through every regrade until cleared."""
        self._known(student, assignment)
        if not reason.strip():
            raise CoursebookError(
                'an override needs a reason (--reason "..."): it goes in the audit log'
            )
        top = self._max_points(assignment)
        if not math.isfinite(points) or points < 0 or (top is not None and points > top):
            limit = f"0 to {top:g}" if top is not None else "0 or more"
            raise CoursebookError(
                f"override for {student} on {assignment}: {points:g} points is out of range; "
                f"give {limit}"
            )
        with self._transaction():
            old = self._final(student, assignment)
            self._conn.execute(
                "INSERT INTO overrides (student, assignment, points, reason, by, at) "
                "VALUES (?,?,?,?,?,?) ON CONFLICT (student, assignment) DO UPDATE SET "
                "points = excluded.points, reason = excluded.reason, by = excluded.by, "
                "at = excluded.at",
                (student, assignment, points, reason, by, _now()),
            )
            return self._audit(student, assignment, old, points, f"override: {reason}", [], by)

    def clear_override(self, student: str, assignment: str, reason: str, by: str) -> AuditEntry:
        """Remove the override: the computed score counts again."""
        with self._transaction():
            old = self._final(student, assignment)
            gone = self._conn.execute(
                "DELETE FROM overrides WHERE student = ? AND assignment = ?",
                (student, assignment),
            ).rowcount
            if not gone:
                raise CoursebookError(
                    f"{student} has no override on {assignment}; nothing to clear"
                )
            new = self._final(student, assignment)
            why = f"override cleared: {reason}" if reason else "override cleared"
            return self._audit(student, assignment, old, new, why, [], by)

    def grades(self, course: CourseFile, assignment: str | None = None) -> CourseGrades:
        """Every roster student on every assignment of the course (or ``assignment``), and
        anyone graded who is not on the roster; ``missing`` where nothing was graded."""
        assignments = self._assignments(course, assignment)
        students = [s.id for s in course.students]
        graded = self._conn.execute(
            "SELECT DISTINCT student FROM current ORDER BY student"
        ).fetchall()
        students += [s for (s,) in graded if s not in students]
        titles = {a: self._title(a) for a in assignments}
        rows = [
            row
            for a in assignments
            for s in students
            if (row := self._row(course, s, a)) is not None
        ]
        return CourseGrades(course=course, titles=titles, rows=rows)

    def audit(
        self, *, assignment: str | None = None, student: str | None = None
    ) -> list[AuditEntry]:
        """The audit log, oldest first, for one assignment and/or student when given."""
        rows = self._conn.execute(
            "SELECT at, student, assignment, old, new, reason, checks_changed, by FROM audit "
            "WHERE (? IS NULL OR assignment = ?) AND (? IS NULL OR student = ?) ORDER BY id",
            (assignment, assignment, student, student),
        ).fetchall()
        return [
            AuditEntry(
                at=datetime.fromisoformat(r[0]),
                student=r[1],
                assignment=r[2],
                old=r[3],
                new=r[4],
                reason=r[5],
                checks_changed=json.loads(r[6]),
                by=r[7],
            )
            for r in rows
        ]

    # -- inside -----------------------------------------------------------------------------

    def _known(self, student: str, assignment: str) -> None:
        """Fail fast, with the close names, on a student or assignment the book never saw."""
        students = [
            r[0]
            for r in self._conn.execute("SELECT id FROM students UNION SELECT student FROM current")
        ]
        assignments = [r[0] for r in self._conn.execute("SELECT id FROM assignments")]
        if assignment not in assignments:
            raise CoursebookError(
                f"{self.path}: no assignment {assignment!r}"
                f"{did_you_mean(assignment, assignments)}; grade it first or fix the id"
            )
        if student not in students:
            raise CoursebookError(
                f"{self.path}: no student {student!r} on the roster or graded"
                f"{did_you_mean(student, students)}; add them to course.toml or fix the id"
            )

    def _insert_submission(self, run_id: int, result: SubmissionResult, source: Path) -> int:
        late = result.late
        cursor = self._conn.execute(
            "INSERT INTO submissions (run, student, assignment, content_hash, submitted_at,"
            " submitted_source, source, gradable, not_gradable_reason, awarded, max_points,"
            " late_percent, late_reason, final, feedback, graded_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                run_id,
                result.student,
                result.assignment,
                result.content_hash,
                late.submitted_at.isoformat() if late else None,
                late.source if late else "",
                str(source),
                int(result.gradable),
                result.not_gradable_reason or "",
                result.awarded,
                result.max_score,
                result.late_percent,
                late.reason if late else "",
                _checks_final(result),
                str(self._feedback(run_id, result.student)),
                _now(),
            ),
        )
        submission = cursor.lastrowid
        assert submission is not None
        self._conn.executemany(
            "INSERT INTO check_results (submission, name, part, status, points, max_points) "
            "VALUES (?,?,?,?,?,?)",
            [
                (submission, c.name, c.part, c.status, result.awarded_for(c), c.max_points)
                for c in result.checks
            ],
        )
        return submission

    def _feedback(self, run_id: int, student: str) -> Path:
        row = self._conn.execute("SELECT out_dir FROM runs WHERE id = ?", (run_id,)).fetchone()
        return Path(row[0]) / student / "feedback.html"

    def _current(self, student: str, assignment: str) -> tuple[int, str, float, float] | None:
        """(submission id, content hash, final, late percent) of the current submission;
        its final is the checks' alone (:meth:`_computed` adds the questions graded by hand)."""
        row = self._conn.execute(
            "SELECT s.id, s.content_hash, s.final, s.late_percent FROM current c "
            "JOIN submissions s ON s.id = c.submission WHERE c.student = ? AND c.assignment = ?",
            (student, assignment),
        ).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3])

    def _checks(self, submission: int) -> dict[str, float]:
        rows = self._conn.execute(
            "SELECT name, points FROM check_results WHERE submission = ?", (submission,)
        ).fetchall()
        return {name: points for name, points in rows}

    def _override(self, student: str, assignment: str) -> tuple[float, str] | None:
        row = self._conn.execute(
            "SELECT points, reason FROM overrides WHERE student = ? AND assignment = ?",
            (student, assignment),
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def _final(self, student: str, assignment: str) -> float | None:
        override = self._override(student, assignment)
        if override is not None:
            return override[0]
        return self._computed(student, assignment)

    def _computed(self, student: str, assignment: str) -> float | None:
        """The checks' points plus the questions graded by hand so far, less the late
        penalty; None without a current submission."""
        row = self._conn.execute(
            "SELECT s.awarded, s.late_percent FROM current c JOIN submissions s"
            " ON s.id = c.submission WHERE c.student = ? AND c.assignment = ?",
            (student, assignment),
        ).fetchone()
        if row is None:
            return None
        manual, _ = self.manual_total(student, assignment)
        return _less_late(row[0] + manual, row[1])

    def _max_points(self, assignment: str) -> float | None:
        """The assignment's maximum: the checks' points and the questions graded by hand."""
        row = self._conn.execute(
            "SELECT max_points FROM assignments WHERE id = ?", (assignment,)
        ).fetchone()
        if row is None or row[0] is None:
            return None
        return float(row[0]) + self._manual_max(assignment)

    def _manual_max(self, assignment: str) -> float:
        row = self._conn.execute(
            "SELECT COALESCE(SUM(points), 0) FROM manual_items WHERE assignment = ? AND active = 1",
            (assignment,),
        ).fetchone()
        return float(row[0])

    def _title(self, assignment: str) -> str:
        row = self._conn.execute(
            "SELECT title FROM assignments WHERE id = ?", (assignment,)
        ).fetchone()
        return row[0] if row is not None and row[0] else assignment

    def _assignments(self, course: CourseFile, only: str | None) -> list[str]:
        if only is not None:
            return [only]
        ids = [a.id for a in course.assignments]
        graded = self._conn.execute(
            "SELECT DISTINCT assignment FROM current ORDER BY assignment"
        ).fetchall()
        return ids + [a for (a,) in graded if a not in ids]

    def _row(self, course: CourseFile, student: str, assignment: str) -> GradeRow | None:
        top = self._max_points(assignment)
        points = next((a.points for a in course.assignments if a.id == assignment), None)
        override = self._override(student, assignment)
        row = self._conn.execute(
            "SELECT s.gradable, s.awarded, s.max_points, s.late_percent, s.late_reason,"
            " s.submitted_at, s.submitted_source, s.final, s.feedback, s.not_gradable_reason,"
            " s.graded_at FROM current c JOIN submissions s ON s.id = c.submission"
            " WHERE c.student = ? AND c.assignment = ?",
            (student, assignment),
        ).fetchone()
        if row is None:
            maximum = top if top is not None else (points or 0.0)
            return GradeRow(
                student=student,
                assignment=assignment,
                status="missing",
                max_points=maximum,
                points=points if points is not None else maximum,
                override=override[0] if override else None,
                override_reason=override[1] if override else "",
                final=override[0] if override else 0.0,
            )
        manual, pending = self.manual_total(student, assignment)
        status: GradeStatus = "graded" if row[0] else "not_gradable"
        if pending:
            status = "needs_manual"
        maximum = float(row[2]) + self._manual_max(assignment)
        return GradeRow(
            student=student,
            assignment=assignment,
            status=status,
            awarded=row[1],
            manual=manual,
            manual_pending=pending,
            max_points=maximum,
            points=points if points is not None else maximum,
            late_percent=row[3],
            late_reason=row[4],
            submitted_at=datetime.fromisoformat(row[5]) if row[5] else None,
            submitted_source=row[6],
            override=override[0] if override else None,
            override_reason=override[1] if override else "",
            final=override[0] if override else _less_late(row[1] + manual, row[3]),
            feedback=row[8],
            not_gradable_reason=row[9],
            graded_at=datetime.fromisoformat(row[10]),
        )

    def _audit(
        self,
        student: str,
        assignment: str,
        old: float | None,
        new: float | None,
        reason: str,
        checks: list[str],
        by: str,
    ) -> AuditEntry:
        entry = AuditEntry(
            at=datetime.now(UTC),
            student=student,
            assignment=assignment,
            old=old,
            new=new,
            reason=reason,
            checks_changed=checks,
            by=by,
        )
        self._conn.execute(
            "INSERT INTO audit (at, student, assignment, old, new, reason, checks_changed, by)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (
                entry.at.isoformat(),
                student,
                assignment,
                old,
                new,
                reason,
                json.dumps(checks),
                by,
            ),
        )
        return entry


def _wal(conn: sqlite3.Connection, patience_s: float = 30.0) -> None:
    """Put the file in WAL mode. Switching needs the file to itself, and SQLite answers
    "locked" at once rather than waiting while another grader opens it: so wait here."""
    deadline = time.monotonic() + patience_s
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception (the connection runs in
    autocommit mode, so nothing is written outside one of these)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._conn.execute("COMMIT" if kind is None else "ROLLBACK")


def _same(
    before: tuple[int, str, float, float],
    result: SubmissionResult,
    checks: dict[str, float],
    checks_before: dict[str, float],
) -> bool:
    """The same work with the same outcome: nothing new to record."""
    _, content_hash, final, late_percent = before
    return (
        content_hash == result.content_hash
        and math.isclose(final, _checks_final(result), abs_tol=1e-9)
        and math.isclose(late_percent, result.late_percent, abs_tol=1e-9)
        and checks == checks_before
    )


def _why(
    before: tuple[int, str, float, float] | None,
    result: SubmissionResult,
    changed: list[str],
    reason: str,
) -> str:
    """The audit log's reason: the run's own ("graded", "regrade") unless the record says
    more. The content hash covers the assignment's checks too, so a new hash outside a
    regrade is a new submission or changed checks."""
    if before is None:
        return "graded"
    if reason == "regrade":
        return reason
    if before[1] != result.content_hash:
        return "graded again: the submission or the assignment's checks changed"
    if not changed:
        return "submission time or deadline changed"
    return reason


def _changed_checks(before: dict[str, float], after: dict[str, float]) -> list[str]:
    names = sorted(set(before) | set(after))
    return [
        n
        for n in names
        if not math.isclose(before.get(n, math.nan), after.get(n, math.nan), abs_tol=1e-9)
    ]


def _checks_final(result: SubmissionResult) -> float:
    """The checks' points less the late penalty: the gradebook's part of a result (the
    grades given by hand it keeps itself)."""
    return _less_late(result.awarded, result.late_percent)


def _less_late(points: float, late_percent: float) -> float:
    """``points`` less ``late_percent`` of them, rounded as a result's ``final`` is."""
    return round(points - round(points * late_percent / 100.0, 6), 6)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def summarize(changes: list[Change]) -> str:
    """``12 students changed: 3 up, 9 down; largest change bob -4.5 (8 -> 3.5)``."""
    moved = [c for c in changes if c.old is not None]
    if not moved:
        first = len(changes)
        return (
            f"no score changed ({first} graded for the first time)"
            if first
            else ("no score changed")
        )
    up = sum(1 for c in moved if c.delta > 0)
    down = sum(1 for c in moved if c.delta < 0)
    big = max(moved, key=lambda c: abs(c.delta))
    people = "student" if len(moved) == 1 else "students"
    return (
        f"{len(moved)} {people} changed: {up} up, {down} down; largest change "
        f"{big.student} {big.delta:+g} ({big.old:g} -> {big.new:g})"
    )
