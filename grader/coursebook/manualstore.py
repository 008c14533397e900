"""Questions graded by hand, in the course gradebook: their live rubrics and the grades.

The spec's ``[[manual]]`` items seed the gradebook (:meth:`ManualGrading.sync_manual`, at
each ``grader grade``); graders then grade, and may change the rubric, in the browser. A
grade stores which rubric items were applied, never their points: its score is always
computed from the rubric as it is now, so changing an item's points rescores everyone who
has it, and the audit log records each final score that moved.

A rubric item's ``spec_*`` columns hold what the spec said at the last sync. A sync changes
the live value only where the spec changed since, so an edit made while grading survives
every later ``grader grade``, and an edit of ``assignment.toml`` still takes effect.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

from grader.coursebook.models import (
    AuditEntry,
    CheckRow,
    CurrentSubmission,
    ManualConflict,
    ManualGrade,
    ManualQuestion,
    RubricItem,
)
from grader.coursebook.schema import CoursebookError
from grader.manual import ManualItem, manual_score
from grader.suggest import did_you_mean

__all__ = ["ManualGrading"]

_COMMENT_CHARS = 20_000


class ManualGrading:
    """The gradebook's half for questions graded by hand; :class:`Coursebook` is one."""

    _conn: sqlite3.Connection
    path: Path
    _transaction: Callable[[], AbstractContextManager[None]]
    _final: Callable[[str, str], float | None]
    _audit: Callable[..., AuditEntry]

    # -- the questions ----------------------------------------------------------------------

    def sync_manual(self, assignment: str, items: list[ManualItem]) -> int:
        """The assignment's questions graded by hand, as its spec says now; items the spec
        no longer lists stop counting. Returns how many students' final scores changed."""
        with self._transaction():
            before = self._finals(assignment)
            self._conn.execute(
                "UPDATE manual_items SET active = 0 WHERE assignment = ?", (assignment,)
            )
            for position, item in enumerate(items):
                self._conn.execute(
                    "INSERT INTO manual_items (assignment, id, position, title, points, prompt,"
                    " grading, answer, active) VALUES (?,?,?,?,?,?,?,?,1)"
                    " ON CONFLICT (assignment, id) DO UPDATE SET position = excluded.position,"
                    " title = excluded.title, points = excluded.points, prompt = excluded.prompt,"
                    " grading = excluded.grading, answer = excluded.answer, active = 1",
                    (
                        assignment,
                        item.id,
                        position,
                        item.title,
                        item.points,
                        item.prompt,
                        item.grading,
                        json.dumps(item.answer.model_dump() if item.answer else None),
                    ),
                )
                self._sync_rubric(assignment, item)
            return self._rescored(
                assignment, before, "assignment.toml changed the questions graded by hand", ""
            )

    def _sync_rubric(self, assignment: str, item: ManualItem) -> None:
        known = {
            row[0]: row[1:]
            for row in self._conn.execute(
                "SELECT id, title, points, comment, spec_title, spec_points, spec_comment "
                "FROM rubric_items WHERE assignment = ? AND item = ?",
                (assignment, item.id),
            )
        }
        for position, r in enumerate(item.rubric):
            if r.id not in known:
                self._conn.execute(
                    "INSERT INTO rubric_items (assignment, item, id, position, title, points,"
                    " comment, spec_title, spec_points, spec_comment) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (assignment, item.id, r.id, position, r.title, r.points, r.comment)
                    + (r.title, r.points, r.comment),
                )
                continue
            title, points, comment, spec_title, spec_points, spec_comment = known[r.id]
            self._conn.execute(
                "UPDATE rubric_items SET position = ?, title = ?, points = ?, comment = ?,"
                " spec_title = ?, spec_points = ?, spec_comment = ?"
                " WHERE assignment = ? AND item = ? AND id = ?",
                (
                    position,
                    r.title if r.title != spec_title else title,
                    r.points if spec_points is None or r.points != spec_points else points,
                    r.comment if r.comment != spec_comment else comment,
                    r.title,
                    r.points,
                    r.comment,
                    assignment,
                    item.id,
                    r.id,
                ),
            )
        listed = {r.id for r in item.rubric}
        for gone in set(known) - listed:  # the spec dropped it: a grader's item from now on
            self._conn.execute(
                "UPDATE rubric_items SET spec_title = NULL, spec_points = NULL,"
                " spec_comment = NULL, position = position + 1000"
                " WHERE assignment = ? AND item = ? AND id = ? AND spec_points IS NOT NULL",
                (assignment, item.id, gone),
            )

    def manual_questions(self, assignment: str) -> list[ManualQuestion]:
        """The assignment's questions graded by hand, in the spec's order."""
        rows = self._conn.execute(
            "SELECT id, title, points, prompt, grading, answer FROM manual_items"
            " WHERE assignment = ? AND active = 1 ORDER BY position",
            (assignment,),
        ).fetchall()
        return [
            ManualQuestion(
                assignment=assignment,
                id=r[0],
                title=r[1],
                points=r[2],
                prompt=r[3],
                grading=r[4],
                answer=json.loads(r[5]),
                rubric=self._rubric(assignment, r[0]),
            )
            for r in rows
        ]

    def manual_question(self, assignment: str, item: str) -> ManualQuestion:
        """One question graded by hand; fails naming the ones there are."""
        questions = self.manual_questions(assignment)
        for q in questions:
            if q.id == item:
                return q
        ids = [q.id for q in questions]
        raise CoursebookError(
            f"{self.path}: {assignment} has no question graded by hand {item!r}"
            f"{did_you_mean(item, ids)}; its questions: {', '.join(ids) or 'none'} "
            "(they come from [[manual]] in assignment.toml, at the next grader grade)"
        )

    def _rubric(self, assignment: str, item: str) -> list[RubricItem]:
        rows = self._conn.execute(
            "SELECT id, title, points, comment, spec_points FROM rubric_items"
            " WHERE assignment = ? AND item = ? ORDER BY position, rowid",
            (assignment, item),
        ).fetchall()
        return [
            RubricItem(id=r[0], title=r[1], points=r[2], comment=r[3], from_spec=r[4] is not None)
            for r in rows
        ]

    def set_rubric_item(
        self,
        assignment: str,
        item: str,
        rubric_id: str | None,
        *,
        title: str,
        points: float,
        comment: str,
        by: str,
    ) -> tuple[RubricItem, int]:
        """Change a rubric item (or, with ``rubric_id`` None, add one); every student who
        has it is rescored. Returns the item and how many final scores changed."""
        question = self.manual_question(assignment, item)
        title = title.strip()
        if not title:
            raise CoursebookError("a rubric item needs a title")
        if not math.isfinite(points) or abs(points) > question.points:
            raise CoursebookError(
                f"a rubric item of {item} is worth -{question.points:g} to {question.points:g} "
                f"points, given {points:g}"
            )
        if question.grading == "negative" and points > 0:
            raise CoursebookError(
                f"{item} is graded negative (start at {question.points:g}, take off): a rubric "
                f"item's points are 0 or less, given {points:g}"
            )
        with self._transaction():
            before = self._finals(assignment)
            if rubric_id is None:
                rubric_id = _new_id(title, [r.id for r in question.rubric])
                self._conn.execute(
                    "INSERT INTO rubric_items (assignment, item, id, position, title, points,"
                    " comment) VALUES (?,?,?,?,?,?,?)",
                    (assignment, item, rubric_id, 10_000, title, points, comment),
                )
                reason = ""
            else:
                old = question.rubric_item(rubric_id)
                if old is None:
                    raise CoursebookError(_unknown_rubric(question, rubric_id))
                self._conn.execute(
                    "UPDATE rubric_items SET title = ?, points = ?, comment = ?"
                    " WHERE assignment = ? AND item = ? AND id = ?",
                    (title, points, comment, assignment, item, rubric_id),
                )
                reason = f"rubric of {item}: {title!r} {old.points:g} -> {points:g} points"
            changed = self._rescored(assignment, before, reason, by) if reason else 0
        kept = self.manual_question(assignment, item).rubric_item(rubric_id)
        assert kept is not None
        return kept, changed

    # -- the grades -------------------------------------------------------------------------

    def manual_grades(
        self, assignment: str, item: str | None = None, *, student: str | None = None
    ) -> list[ManualGrade]:
        """The grades given so far on the assignment's questions (or on ``item``, or of
        ``student``)."""
        questions = {q.id: q for q in self.manual_questions(assignment)}
        rows = self._conn.execute(
            "SELECT student, item, applied, adjustment, comment, version, by, at, content_hash"
            " FROM manual_grades WHERE assignment = ? AND (? IS NULL OR item = ?)"
            " AND (? IS NULL OR student = ?) ORDER BY student, item",
            (assignment, item, item, student, student),
        ).fetchall()
        return [_grade(assignment, questions[r[1]], r) for r in rows if r[1] in questions]

    def manual_grade(self, student: str, assignment: str, item: str) -> ManualGrade | None:
        found = self.manual_grades(assignment, item, student=student)
        return found[0] if found else None

    def grade_manual(
        self,
        student: str,
        assignment: str,
        item: str,
        *,
        applied: list[str],
        adjustment: float,
        comment: str,
        by: str,
        expected_version: int,
        answer_hash: str = "",
    ) -> ManualGrade:
        """Save one student's grade on one question. ``expected_version`` is the version the
        grader saw (0: none yet); when another save came in between, nothing is written and
        :class:`ManualConflict` carries that save. ``answer_hash`` is a digest of the answer
        as the grader saw it (else the submission's content hash is kept)."""
        question = self.manual_question(assignment, item)
        for rubric_id in applied:
            if question.rubric_item(rubric_id) is None:
                raise CoursebookError(_unknown_rubric(question, rubric_id))
        if not math.isfinite(adjustment) or abs(adjustment) > question.points:
            raise CoursebookError(
                f"free points on {item} are -{question.points:g} to {question.points:g}, "
                f"given {adjustment:g}"
            )
        if len(comment) > _COMMENT_CHARS:
            raise CoursebookError(f"a comment is at most {_COMMENT_CHARS} characters")
        with self._transaction():
            current = self.current_submission(student, assignment)
            if current is None:
                raise CoursebookError(
                    f"{student} has no graded submission of {assignment}; grade the class "
                    "first (grader grade), then grade the questions by hand"
                )
            stored = self.manual_grade(student, assignment, item)
            version = stored.version if stored is not None else 0
            if version != expected_version:
                assert stored is not None
                raise ManualConflict(stored)
            old = self._final(student, assignment)
            self._conn.execute(
                "INSERT INTO manual_grades (student, assignment, item, applied, adjustment,"
                " comment, version, by, at, content_hash) VALUES (?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT (student, assignment, item) DO UPDATE SET"
                " applied = excluded.applied, adjustment = excluded.adjustment,"
                " comment = excluded.comment, version = excluded.version, by = excluded.by,"
                " at = excluded.at, content_hash = excluded.content_hash",
                (
                    student,
                    assignment,
                    item,
                    json.dumps(list(dict.fromkeys(applied))),
                    adjustment,
                    comment,
                    version + 1,
                    by,
                    datetime.now(UTC).isoformat(),
                    answer_hash or current.content_hash,
                ),
            )
            saved = self.manual_grade(student, assignment, item)
            assert saved is not None
            new = self._final(student, assignment)
            if old is None or new is None or not math.isclose(old, new, abs_tol=1e-9):
                why = f"graded by hand: {item} {saved.score:g}/{question.points:g}"
                self._audit(student, assignment, old, new, why, [], by)
        return saved

    def comment_bank(self, assignment: str, item: str) -> list[str]:
        """The comments graders wrote on ``item`` so far, the most used first."""
        rows = self._conn.execute(
            "SELECT comment, COUNT(*) AS n FROM manual_grades WHERE assignment = ? AND item = ?"
            " AND comment != '' GROUP BY comment ORDER BY n DESC, MAX(at) DESC",
            (assignment, item),
        ).fetchall()
        return [r[0] for r in rows]

    def manual_total(self, student: str, assignment: str) -> tuple[float, list[str]]:
        """The points of the student's hand-graded questions, and the ids still ungraded."""
        grades = {g.item: g for g in self.manual_grades(assignment, student=student)}
        pending = [q.id for q in self.manual_questions(assignment) if q.id not in grades]
        return round(sum(g.score for g in grades.values()), 6), pending

    # -- the submissions --------------------------------------------------------------------

    def current_submissions(self, assignment: str) -> list[CurrentSubmission]:
        """Each student's current submission of ``assignment``, by student id."""
        students = self._conn.execute(
            "SELECT student FROM current WHERE assignment = ? ORDER BY student", (assignment,)
        ).fetchall()
        found = (self.current_submission(s, assignment) for (s,) in students)
        return [c for c in found if c is not None]

    def current_submission(self, student: str, assignment: str) -> CurrentSubmission | None:
        row = self._conn.execute(
            "SELECT s.id, s.source, s.content_hash, s.gradable, s.not_gradable_reason,"
            " s.awarded, s.max_points, s.feedback FROM current c"
            " JOIN submissions s ON s.id = c.submission"
            " WHERE c.student = ? AND c.assignment = ?",
            (student, assignment),
        ).fetchone()
        if row is None:
            return None
        checks = self._conn.execute(
            "SELECT name, part, status, points, max_points FROM check_results"
            " WHERE submission = ? ORDER BY id",
            (row[0],),
        ).fetchall()
        return CurrentSubmission(
            student=student,
            assignment=assignment,
            source=row[1],
            content_hash=row[2],
            gradable=bool(row[3]),
            not_gradable_reason=row[4],
            awarded=row[5],
            max_points=row[6],
            feedback=row[7],
            checks=[
                CheckRow(name=c[0], part=c[1], status=c[2], points=c[3], max_points=c[4])
                for c in checks
            ],
        )

    def grading_salt(self, assignment: str) -> str:
        """A random secret of the assignment's, made once and kept: anonymous grading draws
        its labels and URLs from it, so they stay the same across restarts."""
        key = f"anonymous salt: {assignment}"
        with self._transaction():
            self._conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                (key, secrets.token_hex(16)),
            )
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0])

    def student_names(self) -> dict[str, str]:
        """Student id -> name, for the roster and anyone graded ('' when not on it)."""
        names = dict(self._conn.execute("SELECT id, name FROM students").fetchall())
        for (student,) in self._conn.execute("SELECT DISTINCT student FROM current"):
            names.setdefault(student, "")
        return names

    # -- inside -----------------------------------------------------------------------------

    def _finals(self, assignment: str) -> dict[str, float | None]:
        students = self._conn.execute(
            "SELECT student FROM current WHERE assignment = ? UNION "
            "SELECT student FROM manual_grades WHERE assignment = ?",
            (assignment, assignment),
        ).fetchall()
        return {s: self._final(s, assignment) for (s,) in students}

    def _rescored(
        self, assignment: str, before: dict[str, float | None], reason: str, by: str
    ) -> int:
        """Audit each final score that moved since ``before``; how many moved."""
        moved = 0
        for student, old in before.items():
            new = self._final(student, assignment)
            if old is None or new is None or math.isclose(old, new, abs_tol=1e-9):
                continue
            self._audit(student, assignment, old, new, reason, [], by)
            moved += 1
        return moved


def _grade(assignment: str, question: ManualQuestion, row: tuple) -> ManualGrade:  # type: ignore[type-arg]
    student, item, applied_json, adjustment, comment, version, by, at, content_hash = row
    applied = [a for a in json.loads(applied_json) if question.rubric_item(a) is not None]
    points = [r.points for a in applied if (r := question.rubric_item(a)) is not None]
    return ManualGrade(
        student=student,
        assignment=assignment,
        item=item,
        applied=applied,
        adjustment=adjustment,
        comment=comment,
        score=manual_score(question.start, points, adjustment, question.points),
        version=version,
        by=by,
        at=datetime.fromisoformat(at),
        content_hash=content_hash,
    )


def _unknown_rubric(question: ManualQuestion, rubric_id: str) -> str:
    ids = [r.id for r in question.rubric]
    return (
        f"{question.id} has no rubric item {rubric_id!r}{did_you_mean(rubric_id, ids)}; "
        f"its items: {', '.join(ids) or 'none'}"
    )


def _new_id(title: str, taken: list[str]) -> str:
    """A rubric id from a title: "Sign error in dL/dz" -> "sign_error_in_dl_dz"."""
    base = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:40] or "item"
    if not base[0].isalpha():
        base = f"item_{base}"
    return next(c for c in _candidates(base) if c not in taken)


def _candidates(base: str) -> Iterator[str]:
    yield base
    n = 2
    while True:
        yield f"{base}_{n}"
        n += 1
