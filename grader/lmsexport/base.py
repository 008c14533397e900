"""What every LMS export shares: the :class:`LmsExport` interface and the cells it writes.

An export reads :class:`~grader.coursebook.models.CourseGrades` only, so what it writes is the
grade after late penalties and overrides, on the course file's scale
(:attr:`~grader.coursebook.models.GradeRow.scaled`). A student with no grade on an assignment
(no row, or a ``missing`` row without an override) gets an empty cell, never 0: the LMS's own
missing-work rule decides what that costs. Each format says so again where its LMS differs.

Every text cell that comes from the roster or a title goes through
:func:`~grader.safetext.csv_cell` (OWASP "CSV injection": a cell starting with ``= + - @`` gets
a leading apostrophe); numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Protocol

from grader import atomic
from grader.coursebook.models import CourseGrades, GradeRow
from grader.coursefile import Student
from grader.errors import InstructorError
from grader.safetext import csv_cell
from grader.suggest import did_you_mean

__all__ = [
    "LmsExport",
    "LmsExportError",
    "check_assignments",
    "number",
    "points_possible",
    "score_cell",
    "students",
    "text",
    "write_csv",
]


class LmsExportError(InstructorError):
    """An export asked for something the course does not have (a format, an assignment)."""


class LmsExport(Protocol):
    """One LMS's grade-import file. Adding an LMS is one new module with one such class."""

    name: str
    """What ``grader export NAME`` calls it: "canvas", "moodle", "blackboard", "csv"."""
    suffix: str
    """The file's suffix, with its dot: ".csv"."""

    def write(self, grades: CourseGrades, assignments: list[str], path: Path) -> Path:
        """Write the grades of ``assignments`` (ids, in that column order) to ``path``
        atomically; return ``path``."""
        ...


def text(value: str) -> str:
    """A text cell from the roster or a title: one line, never a formula."""
    return csv_cell(" ".join(value.split()))


def number(value: float) -> str:
    """Up to four decimals, no trailing zeros: ``17.5``, ``20``, ``13.3333``."""
    out = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if out == "-0" else out


def score_cell(row: GradeRow | None) -> str:
    """The grade on the course's scale, or ``""`` when there is none to import (no row, or
    missing and not overridden). Not gradable is a grade: 0 unless overridden."""
    if row is None or not row.has_grade:
        return ""
    return number(row.scaled)


def points_possible(grades: CourseGrades, assignment: str) -> float | None:
    """The assignment's points on the course's scale: the course file's ``points``, else the
    points of any graded row; None when neither is known."""
    for a in grades.course.assignments:
        if a.id == assignment and a.points is not None:
            return a.points
    for r in grades.rows:
        if r.assignment == assignment:
            return r.points
    return None


def students(grades: CourseGrades) -> list[Student]:
    """The roster in its order, then any graded student not on it (with only an id)."""
    roster = {s.id: s for s in grades.course.students}
    return [roster.get(sid, Student(id=sid)) for sid in grades.student_ids()]


def check_assignments(grades: CourseGrades, assignments: list[str]) -> None:
    """Raise :class:`LmsExportError` for an empty list or an id the course does not have."""
    known = grades.assignment_ids()
    if not assignments:
        raise LmsExportError(
            "no assignments to export: the course file lists none and nothing is graded; "
            "add [[assignments]] to course.toml or grade one first"
        )
    for aid in assignments:
        if aid not in known:
            raise LmsExportError(
                f"no assignment {aid!r} in the course{did_you_mean(aid, known)}; "
                f"known: {', '.join(known)}"
            )


def write_csv(
    path: Path, rows: Sequence[Sequence[str]], *, bom: bool = False, quote_all: bool = False
) -> Path:
    """Write ``rows`` to ``path`` atomically: RFC 4180 (commas, CRLF, ``"`` doubled), UTF-8,
    with a byte-order mark when ``bom``; every field quoted when ``quote_all``."""
    buffer = io.StringIO()
    quoting: Literal[0, 1] = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    csv.writer(buffer, quoting=quoting, lineterminator="\r\n").writerows(rows)
    atomic.write_bytes(path, buffer.getvalue().encode("utf-8-sig" if bom else "utf-8"))
    return path
