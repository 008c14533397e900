"""What the course gradebook hands out: each student's grade on each assignment, the audit
log, and the course as the exports and the course page read it.

Points are on the assignment spec's scale (``max_points`` is the spec's maximum);
:attr:`GradeRow.scaled` puts them on the course file's scale (``points`` of the assignment in
``course.toml``), which is what the LMS exports write.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from grader.coursefile import CourseFile

__all__ = ["AuditEntry", "Change", "CourseGrades", "GradeRow", "GradeStatus"]

GradeStatus = Literal["graded", "not_gradable", "missing"]
"""graded: the checks ran; not_gradable: the submission could not be graded (0 points);
missing: no submission was graded for this student."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GradeRow(_Model):
    """One student's current grade on one assignment."""

    student: str
    assignment: str
    status: GradeStatus
    awarded: float = 0.0
    """The checks' points (0 when not gradable or missing), before the late penalty."""
    max_points: float
    """The spec's maximum for the assignment."""
    points: float
    """The course's points for the assignment (``course.toml``; else ``max_points``)."""
    late_percent: float = 0.0
    late_reason: str = ""
    submitted_at: datetime | None = None
    submitted_source: str = ""
    """Where ``submitted_at`` came from: "manifest", "gradescope", "git" or "file time"."""
    override: float | None = None
    """A manual score (spec points) that replaces the computed one, and survives regrades."""
    override_reason: str = ""
    final: float = 0.0
    """What counts, in spec points: the override when there is one, else ``awarded`` less the
    late penalty."""
    feedback: str = ""
    """The student's feedback page (``<out>/<student>/feedback.html``), when graded."""
    not_gradable_reason: str = ""
    graded_at: datetime | None = None

    @property
    def has_grade(self) -> bool:
        """Whether there is a grade to count: anything but missing work, or an override
        (which stands for a grade even without a submission)."""
        return self.status != "missing" or self.override is not None

    @property
    def scaled(self) -> float:
        """:attr:`final` on the course's scale: ``final / max_points * points``."""
        return round(self.final / self.max_points * self.points, 6) if self.max_points else 0.0

    @property
    def percent(self) -> float:
        return 100.0 * self.final / self.max_points if self.max_points else 0.0


class AuditEntry(_Model):
    """One change of a student's score, with its reason; the log is append-only."""

    at: datetime
    student: str
    assignment: str
    old: float | None
    """The final score before (None: the first grade)."""
    new: float | None
    """The final score after (None: an override cleared and nothing graded)."""
    reason: str
    """"graded", "regrade", "override: <why>", "override cleared: <why>", "late penalty"..."""
    checks_changed: list[str] = Field(default_factory=list)
    """The checks whose points changed (a regrade)."""
    by: str = ""
    """Who made a manual change (the OS user), empty for the grader itself."""


class Change(_Model):
    """What one recorded grading did to one student's final score."""

    student: str
    assignment: str
    old: float | None
    new: float
    checks_changed: list[str] = Field(default_factory=list)

    @property
    def delta(self) -> float:
        return self.new - (self.old or 0.0)


class CourseGrades(_Model):
    """The course as the exports and the course page read it: the course file, and one row
    per student on the roster (and any graded student not on it) per assignment."""

    course: CourseFile
    titles: dict[str, str] = Field(default_factory=dict)
    """Assignment id -> its title (the spec's ``title``, else the id)."""
    rows: list[GradeRow] = Field(default_factory=list)

    def row(self, student: str, assignment: str) -> GradeRow | None:
        for r in self.rows:
            if r.student == student and r.assignment == assignment:
                return r
        return None

    def assignment_ids(self) -> list[str]:
        """The course file's assignments in its order, then any others graded."""
        ids = [a.id for a in self.course.assignments]
        return ids + sorted({r.assignment for r in self.rows} - set(ids))

    def student_ids(self) -> list[str]:
        """The roster in its order, then any others graded."""
        ids = [s.id for s in self.course.students]
        return ids + sorted({r.student for r in self.rows} - set(ids))
