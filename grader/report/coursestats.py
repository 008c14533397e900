"""The course in numbers: what the course page shows, from the gradebook's
:class:`~grader.coursebook.models.CourseGrades`.

Pure: :func:`course_stats` reads nothing from disk. Points on the page are on the course's
scale (:attr:`GradeRow.scaled`); a student's course percent is weighted by the course file::

    course % = sum(weight_a * percent_a) / sum(weight_a)   over the course file's assignments

with a missing assignment counting 0 %. An assignment graded but not in the course file is
shown and left out of the course percent.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from grader.coursebook.models import CourseGrades, GradeRow, GradeStatus

__all__ = ["AssignmentStat", "CourseCell", "CourseStats", "StudentTotal", "course_stats"]

BINS = 10
"""The distributions' bins: 0-10 %, ..., 90-100 % (100 % and more in the last)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CourseCell(_Model):
    """One student on one assignment."""

    assignment: str
    status: GradeStatus
    scaled: float
    points: float
    percent: float
    late_percent: float = 0.0
    overridden: bool = False
    has_grade: bool = True
    """False for missing work, or a question graded by hand still ungraded, without an
    override (:attr:`GradeRow.has_grade`)."""
    note: str = ""
    """Why, in a line: the late reason, the override's reason, why it could not be graded."""
    so_far: float | None = None
    """While questions wait to be graded by hand: the points so far, on the course's scale
    (not counted in any total)."""
    feedback: str = ""
    """The link to the feedback page, relative to the course page (empty: none)."""


class StudentTotal(_Model):
    """One student's line: a cell per assignment, the total points and the course percent."""

    student: str
    name: str
    section: str
    cells: list[CourseCell]
    total: float
    """The sum of the cells' scaled points."""
    most: float
    """The sum of the assignments' course points."""
    percent: float
    """The weighted course percent (see the module's docstring)."""


class AssignmentStat(_Model):
    """One assignment across the students: its distribution and counts."""

    id: str
    title: str
    points: float
    weight: float | None
    """The course file's weight; None when the course file does not list the assignment."""
    bins: list[int]
    """Students per 10 % bin, over those with a grade (missing ones are not in it)."""
    mean: float | None
    median: float | None
    graded: int
    missing: int
    needs_manual: int = 0
    """Students with a question graded by hand still ungraded: no grade yet."""
    late: int
    not_gradable: int
    overridden: int


class CourseStats(_Model):
    name: str
    assignments: list[AssignmentStat]
    students: list[StudentTotal]
    mean_percent: float | None


def course_stats(grades: CourseGrades, link: Callable[[str], str] | None = None) -> CourseStats:
    """The course page's numbers. ``link`` turns a row's ``feedback`` path into the link the
    page uses (None: no links)."""
    ids = grades.assignment_ids()
    roster = {s.id: s for s in grades.course.students}
    students = []
    for student in grades.student_ids():
        cells = [_cell(grades, student, a, link) for a in ids]
        known = roster.get(student)
        students.append(
            StudentTotal(
                student=student,
                name=known.name if known else "",
                section=known.section if known else "",
                cells=cells,
                total=round(sum(c.scaled for c in cells), 6),
                most=sum(c.points for c in cells),
                percent=weighted_percent(grades, cells),
            )
        )
    percents = [s.percent for s in students]
    return CourseStats(
        name=grades.course.name,
        assignments=[
            _assignment(grades, a, [s.cells[i] for s in students]) for i, a in enumerate(ids)
        ],
        students=students,
        mean_percent=statistics.fmean(percents) if percents else None,
    )


def weighted_percent(grades: CourseGrades, cells: list[CourseCell]) -> float:
    """sum(weight * percent) / sum(weight) over the course file's assignments (missing: 0)."""
    by_id = {c.assignment: c for c in cells}
    weights = {a.id: a.weight for a in grades.course.assignments}
    total = sum(weights.values())
    if not total:
        return 0.0
    return sum(w * (by_id[a].percent if a in by_id else 0.0) for a, w in weights.items()) / total


def _course_points(grades: CourseGrades, assignment: str) -> float:
    """The assignment's course points: ``course.toml``'s, else a graded row's, else 0."""
    for a in grades.course.assignments:
        if a.id == assignment and a.points is not None:
            return a.points
    return next((r.points for r in grades.rows if r.assignment == assignment), 0.0)


def _cell(
    grades: CourseGrades, student: str, assignment: str, link: Callable[[str], str] | None
) -> CourseCell:
    row = grades.row(student, assignment)
    if row is None or not row.has_grade:
        points = _course_points(grades, assignment) if row is None else row.points
        waiting = row is not None and row.status == "needs_manual"
        return CourseCell(
            assignment=assignment,
            status="needs_manual" if waiting else "missing",
            scaled=0.0,
            points=points,
            percent=0.0,
            has_grade=False,
            note=f"to grade by hand: {', '.join(row.manual_pending)}" if waiting and row else "",
            so_far=row.scaled if waiting and row else None,
        )
    return CourseCell(
        assignment=assignment,
        status=row.status,
        scaled=row.scaled,
        points=row.points,
        percent=row.percent,
        late_percent=row.late_percent,
        overridden=row.override is not None,
        note=_note(row),
        feedback=link(row.feedback) if link and row.feedback else "",
    )


def _note(row: GradeRow) -> str:
    notes = []
    if row.override is not None:
        notes.append(f"override: {row.override_reason or 'no reason recorded'}")
    if row.status == "not_gradable":
        notes.append(f"not gradable: {row.not_gradable_reason or 'no reason recorded'}")
    if row.late_percent:
        notes.append(f"late: {row.late_reason or f'-{row.late_percent:g}%'}")
    return "; ".join(notes)


def _bin(percent: float) -> int:
    """The distribution's bin of ``percent``: past 100 % in the last, NaN in the first."""
    if math.isnan(percent):
        return 0
    return min(max(int(min(max(percent, 0.0), 100.0) // (100 / BINS)), 0), BINS - 1)


def _assignment(grades: CourseGrades, assignment: str, cells: list[CourseCell]) -> AssignmentStat:
    weights = {a.id: a.weight for a in grades.course.assignments}
    present = [c.percent for c in cells if c.has_grade]
    bins = [0] * BINS
    for percent in present:
        bins[_bin(percent)] += 1
    return AssignmentStat(
        id=assignment,
        title=grades.titles.get(assignment, assignment),
        points=max((c.points for c in cells), default=0.0),
        weight=weights.get(assignment),
        bins=bins,
        mean=statistics.fmean(present) if present else None,
        median=statistics.median(present) if present else None,
        graded=sum(c.status == "graded" for c in cells),
        missing=sum(not c.has_grade and c.status == "missing" for c in cells),
        needs_manual=sum(c.status == "needs_manual" for c in cells),
        late=sum(c.late_percent > 0 for c in cells),
        not_gradable=sum(c.status == "not_gradable" for c in cells),
        overridden=sum(c.overridden for c in cells),
    )
