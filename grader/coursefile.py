"""The course file: ``course.toml``, the roster, deadlines, late policy and extensions.

Validated by pydantic like the assignment spec; a file that does not validate fails fast with
the file, the key, what was given and the fix (:class:`CourseFileError`). ``grader grade``
reads it through :mod:`grader.courserun`; the gradebook, the exports and the course page
read it too (docs/course.md).

Example::

    [[students]]
    id = "alice"
    name = "Alice Liddell"
    email = "alice@example.edu"

    [[assignments]]
    id = "nn_numpy"
    due = 2026-10-05T23:59:00          # no offset: read in time_zone
    time_zone = "Europe/Berlin"
    points = 20

    [late]
    per_day = 10                       # percent of the score per day late
    grace_minutes = 15
    cap_percent = 30
    zero_after = 7                     # days after the deadline, or a date with an offset

    [[extensions]]
    student = "alice"
    assignment = "nn_numpy"
    days = 2                           # or until = 2026-10-08T12:00:00
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from grader.errors import InstructorError
from grader.specerrors import describe_validation_error
from grader.suggest import did_you_mean

__all__ = [
    "CourseAssignment",
    "CourseFile",
    "CourseFileError",
    "Extension",
    "LatePolicy",
    "Student",
    "load_course_file",
]


class CourseFileError(InstructorError):
    """A ``course.toml`` that does not validate."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Student(_Strict):
    """One row of the roster (``[[students]]``); only ``id`` is required."""

    id: str = Field(min_length=1)
    name: str = ""
    email: str = ""
    lms_id: str = ""
    section: str = ""


class CourseAssignment(_Strict):
    """One assignment's deadline and weight in the course (``[[assignments]]``).

    ``due`` without an offset is read in ``time_zone`` (an IANA name such as
    ``Europe/Berlin``); with an offset it is that instant. :attr:`due_at` is always aware.
    """

    id: str = Field(min_length=1)
    due: datetime
    time_zone: str = "UTC"
    points: float | None = Field(default=None, gt=0)
    weight: float = Field(default=1.0, ge=0)
    lms_id: str = ""
    """The assignment's id in the LMS (Canvas's assignment id, Blackboard's column id), which
    the exports put in the column heading so the import updates that column."""

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"time_zone must be an IANA time zone name such as Europe/Berlin or "
                f"America/New_York, given {name!r}; see the TZ identifiers in the tz database"
            ) from None
        return name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def due_at(self) -> datetime:
        """The deadline as an aware datetime, in ``time_zone`` unless ``due`` had an offset."""
        return self.due if self.due.tzinfo is not None else self.due.replace(tzinfo=self.zone)


class LatePolicy(_Strict):
    """How much a late submission loses (``[late]``); see :func:`grader.late.late_penalty`.

    ``per_day`` or ``per_hour`` is a percentage of the score per started day or hour late,
    counted after ``grace_minutes``, and never more than ``cap_percent`` in all. After
    ``zero_after`` (a date with an offset, or a number of days after the deadline) the
    submission gets 0.
    """

    per_day: float | None = Field(default=None, ge=0, le=100)
    per_hour: float | None = Field(default=None, ge=0, le=100)
    grace_minutes: float = Field(default=0.0, ge=0)
    cap_percent: float = Field(default=100.0, ge=0, le=100)
    zero_after: float | datetime | None = None

    @field_validator("zero_after")
    @classmethod
    def _aware_or_days(cls, value: float | datetime | None) -> float | datetime | None:
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ValueError(
                f"zero_after as a date needs an offset, given {value.isoformat()}; write it "
                f"like {value.isoformat()}+01:00, or give a number of days after the deadline"
            )
        if isinstance(value, float) and value < 0:
            raise ValueError(f"zero_after as days must be 0 or more, given {value:g}")
        return value

    @model_validator(mode="after")
    def _one_rate(self) -> LatePolicy:
        if self.per_day is not None and self.per_hour is not None:
            raise ValueError("late: give per_day or per_hour, not both; remove one of them")
        if self.per_day is None and self.per_hour is None and self.zero_after is None:
            raise ValueError(
                "late: give per_day or per_hour (a percentage), or zero_after; "
                "or remove the [late] table for no late penalty"
            )
        return self


class Extension(_Strict):
    """More time for one student on one assignment (``[[extensions]]``): ``until`` a new
    deadline (without an offset it is read in the assignment's time zone), or ``days`` more."""

    student: str = Field(min_length=1)
    assignment: str = Field(min_length=1)
    until: datetime | None = None
    days: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _until_or_days(self) -> Extension:
        if (self.until is None) == (self.days is None):
            raise ValueError(
                f"extension for {self.student} on {self.assignment}: give until (a new "
                "deadline) or days (more days), exactly one of them"
            )
        return self


class CourseFile(_Strict):
    """A whole ``course.toml``."""

    name: str = ""
    """The course's name, heading the course page."""
    gradebook: str = "gradebook.sqlite"
    """The course gradebook (SQLite), relative to the course file's folder."""
    students: list[Student] = Field(default_factory=list)
    assignments: list[CourseAssignment] = Field(default_factory=list)
    late: LatePolicy | None = None
    extensions: list[Extension] = Field(default_factory=list)

    @field_validator("students")
    @classmethod
    def _unique_students(cls, rows: list[Student]) -> list[Student]:
        _unique([row.id for row in rows])
        return rows

    @field_validator("assignments")
    @classmethod
    def _unique_assignments(cls, rows: list[CourseAssignment]) -> list[CourseAssignment]:
        _unique([row.id for row in rows])
        return rows

    @model_validator(mode="after")
    def _extensions_known(self) -> CourseFile:
        students = [s.id for s in self.students]
        assignments = [a.id for a in self.assignments]
        pairs: set[tuple[str, str]] = set()
        for i, ext in enumerate(self.extensions):
            where = f"extensions.{i}"
            if ext.student not in students:
                raise ValueError(
                    f"{where}.student: no student {ext.student!r} in [[students]]"
                    f"{did_you_mean(ext.student, students)}; use an id from the roster"
                )
            if ext.assignment not in assignments:
                raise ValueError(
                    f"{where}.assignment: no assignment {ext.assignment!r} in [[assignments]]"
                    f"{did_you_mean(ext.assignment, assignments)}; use an id from there"
                )
            if (ext.student, ext.assignment) in pairs:
                raise ValueError(
                    f"{where}: a second extension for {ext.student} on {ext.assignment}; "
                    "keep one entry per student and assignment"
                )
            pairs.add((ext.student, ext.assignment))
        return self

    def assignment(self, assignment_id: str) -> CourseAssignment:
        """The assignment named ``assignment_id``; KeyError naming the close ones if none."""
        for a in self.assignments:
            if a.id == assignment_id:
                return a
        ids = [a.id for a in self.assignments]
        raise KeyError(f"no assignment {assignment_id!r}{did_you_mean(assignment_id, ids)}")

    def extension_for(self, student: str, assignment: str) -> Extension | None:
        """The extension ``student`` has on ``assignment``, if any."""
        for ext in self.extensions:
            if ext.student == student and ext.assignment == assignment:
                return ext
        return None


def _unique(ids: list[str]) -> None:
    seen: dict[str, int] = {}
    for i, row_id in enumerate(ids):
        if row_id in seen:
            raise ValueError(
                f"id {row_id!r} appears twice (entries {seen[row_id]} and {i}); "
                "give each one entry with its own id"
            )
        seen[row_id] = i


def load_course_file(path: Path) -> CourseFile:
    """Read and validate one ``course.toml``; raise :class:`CourseFileError` naming the problem."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CourseFileError(
            f"{path}: no such file; write a course.toml (see examples/course.toml)"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise CourseFileError(
            f"{path}: not valid TOML ({exc}); fix the syntax at that line"
        ) from exc
    try:
        return CourseFile.model_validate(raw)
    except ValidationError as exc:
        raise CourseFileError(
            describe_validation_error(path, exc, CourseFile, what="course file")
        ) from exc
