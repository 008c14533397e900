"""A grading run inside a course: when each submission came in, what lateness costs, and the
course gradebook it is recorded in.

``grader grade`` uses a course file when one is given (``--course-file``) or when the course
folder holds ``course.toml``. Then, in the trusted process and before any lane starts, each
submission gets its :class:`grader.models.Lateness` (:func:`lateness`: the time from
:mod:`grader.submitted`, the rule from :mod:`grader.late`), and every result is recorded in
the gradebook (:mod:`grader.coursebook`) as it comes back. Without a course file nothing here
runs and grading is as before.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from grader.coursefile import CourseAssignment, CourseFile, Extension, load_course_file
from grader.errors import InstructorError
from grader.late import LatePenalty, deadline, late_penalty
from grader.models import Lateness, Submission
from grader.submitted import SubmittedAt, submitted_at
from grader.submitted_manifest import read_manifest

__all__ = ["COURSE_FILE", "CourseRun", "course_run", "lateness"]

COURSE_FILE = "course.toml"
"""The course file's name in the course folder, used when ``--course-file`` is not given."""


class CourseRun(BaseModel):
    """The course file of a run, its gradebook's path, and the submission times given."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Path
    course: CourseFile
    gradebook: Path
    times: dict[str, datetime] = {}
    """Student -> submitted-at from ``--submitted-at FILE.csv`` (the most trusted source)."""

    def lateness(self, assignment: str, submission: Submission) -> Lateness | None:
        """The submission's lateness, or None when the course file gives no due date."""
        for row in self.course.assignments:
            if row.id == assignment:
                ext = self.course.extension_for(submission.student, assignment)
                when = submitted_at(submission, self.times)
                return lateness(row, self.course, when, ext)
        return None


def course_run(
    course_dir: Path,
    course_file: Path | None = None,
    gradebook: Path | None = None,
    submitted_times: Path | None = None,
) -> CourseRun | None:
    """The run's course: ``course_file``, else ``<course_dir>/course.toml`` when it exists,
    else None (no course: no lateness, no gradebook). The gradebook is ``gradebook`` when
    given, else the course file's ``gradebook`` entry, relative to the course file."""
    path = course_file if course_file is not None else course_dir / COURSE_FILE
    if course_file is None and not path.is_file():
        if submitted_times is not None or gradebook is not None:
            raise InstructorError(
                f"--submitted-at and --gradebook need a course file, and there is no "
                f"{path}; give one with --course-file (see examples/course.toml)"
            )
        return None
    course = load_course_file(path)
    book = gradebook if gradebook is not None else path.parent / course.gradebook
    times = read_manifest(submitted_times) if submitted_times is not None else {}
    return CourseRun(path=path.resolve(), course=course, gradebook=book.resolve(), times=times)


def lateness(
    assignment: CourseAssignment,
    course: CourseFile,
    when: SubmittedAt,
    extension: Extension | None,
) -> Lateness:
    """What ``when`` costs on ``assignment`` under the course's late policy; with no policy,
    the lateness is shown and costs nothing."""
    due = assignment.due_at
    if course.late is not None:
        penalty = late_penalty(when.at, due, course.late, extension)
    else:
        penalty = _no_policy(when.at, deadline(due, extension))
    return Lateness(
        submitted_at=when.at,
        source=when.source,
        deadline=penalty.deadline,
        extension=_extension_words(extension),
        minutes_late=penalty.minutes_late,
        percent=penalty.percent,
        reason=penalty.reason,
        warning=when.warning,
    )


def _no_policy(at: datetime, end: datetime) -> LatePenalty:
    late_s = (at - end).total_seconds()
    if late_s <= 0:
        return LatePenalty(minutes_late=0, percent=0.0, reason="on time", deadline=end)
    minutes = -(-int(late_s) // 60)
    return LatePenalty(
        minutes_late=minutes,
        percent=0.0,
        reason=f"{minutes} minutes late: no penalty (the course file has no [late] policy)",
        deadline=end,
    )


def _extension_words(extension: Extension | None) -> str:
    if extension is None:
        return ""
    if extension.until is not None:
        return f"until {extension.until.isoformat(sep=' ', timespec='minutes')}"
    return f"{extension.days:g} day{'' if extension.days == 1 else 's'}"
