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

__all__ = [
    "AuditEntry",
    "Change",
    "CheckRow",
    "CourseGrades",
    "CurrentSubmission",
    "GradeRow",
    "GradeStatus",
    "ManualConflict",
    "ManualGrade",
    "ManualQuestion",
    "RubricItem",
]

GradeStatus = Literal["graded", "needs_manual", "not_gradable", "missing"]
"""graded: the checks ran (and every question graded by hand has its grade);
needs_manual: a question graded by hand has no grade yet, so there is no final score;
not_gradable: the submission could not be graded (0 points from the checks);
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
    manual: float = 0.0
    """The points of the questions graded by hand so far, before the late penalty."""
    manual_pending: list[str] = Field(default_factory=list)
    """The ids of the questions graded by hand that have no grade yet."""
    max_points: float
    """The assignment's maximum in spec points: the checks' and the manual items'."""
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
    """What counts, in spec points: the override when there is one, else ``awarded`` plus
    ``manual`` less the late penalty (not final while ``needs_manual``)."""
    feedback: str = ""
    """The student's feedback page (``<out>/<student>/feedback.html``), when graded."""
    not_gradable_reason: str = ""
    graded_at: datetime | None = None

    @property
    def has_grade(self) -> bool:
        """Whether there is a grade to count: anything but missing work, or an override
        (which stands for a grade even without a submission)."""
        if self.override is not None:
            return True
        return self.status not in ("missing", "needs_manual")

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


class RubricItem(_Model):
    """One rubric item as the gradebook holds it now (the spec seeds it; graders may change
    its points, title and comment, or add items, while grading)."""

    id: str
    title: str
    points: float
    comment: str = ""
    from_spec: bool = True
    """Whether the spec lists it (else a grader added it in the browser)."""


class ManualQuestion(_Model):
    """A question graded by hand, as the gradebook holds it: the spec's item with its live
    rubric."""

    assignment: str
    id: str
    title: str
    points: float
    prompt: str = ""
    grading: Literal["positive", "negative"] = "positive"
    answer: dict[str, object] | None = None
    """The spec's answer location (:data:`grader.manual.AnswerLocation`) as a dict."""
    rubric: list[RubricItem] = Field(default_factory=list)

    @property
    def start(self) -> float:
        return 0.0 if self.grading == "positive" else self.points

    def rubric_item(self, rubric_id: str) -> RubricItem | None:
        return next((r for r in self.rubric if r.id == rubric_id), None)


class ManualGrade(_Model):
    """One student's grade on one question graded by hand."""

    student: str
    assignment: str
    item: str
    applied: list[str] = Field(default_factory=list)
    """The ids of the rubric items applied."""
    adjustment: float = 0.0
    """Free points added (or, negative, taken off) on top of the rubric."""
    comment: str = ""
    """The grader's own words to the student."""
    score: float
    """The grade from the live rubric: start + applied + adjustment, within 0..points."""
    version: int
    """Goes up by one each time the grade is saved; a save that names an older version is
    refused (:class:`ManualConflict`), so two graders never overwrite each other."""
    by: str = ""
    at: datetime
    content_hash: str = ""
    """What the grade was given on: a digest of the answer as the grader saw it (``grader
    serve``), else the submission's content hash; when the answer now differs, the page says
    so."""


class ManualConflict(Exception):
    """A save based on an older version of a grade than the gradebook holds: another grader
    saved in between. ``current`` is their grade."""

    def __init__(self, current: ManualGrade) -> None:
        super().__init__(
            f"{current.student} on {current.item} was graded meanwhile by "
            f"{current.by or 'someone else'} (version {current.version}); reload to see it"
        )
        self.current = current


class CheckRow(_Model):
    """One check's result in the current submission."""

    name: str
    part: str
    status: str
    points: float
    max_points: float


class CurrentSubmission(_Model):
    """The submission a student's grade on an assignment comes from now."""

    student: str
    assignment: str
    source: str
    """The submission's folder (or file) as graded."""
    content_hash: str
    gradable: bool
    not_gradable_reason: str = ""
    awarded: float
    max_points: float
    """The checks' maximum."""
    feedback: str = ""
    checks: list[CheckRow] = Field(default_factory=list)
