"""The submission manifest: ``grader grade --submitted-at FILE.csv``, each student's time.

A CSV file with a header row, from an LMS export or written by hand::

    student,submitted_at
    alice,2026-10-05T23:12:00+02:00
    bob,2026-10-06T08:30:00Z

The student column may be headed ``student``, ``id``, ``username`` or ``login``; the time
column ``submitted_at``, ``timestamp``, ``submitted`` or ``time`` (any case; other columns are
ignored). Times are ISO 8601; one without an offset is read in ``time_zone`` when it is given,
and is an error otherwise. This is the instructor's file: a bad row fails fast with the file,
the row (as a spreadsheet numbers it, the header is row 1), the rule and the fix.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from grader.errors import InstructorError

__all__ = ["STUDENT_COLUMNS", "TIME_COLUMNS", "Manifest", "SubmissionTimesError", "read_manifest"]

STUDENT_COLUMNS = ("student", "id", "username", "login")
"""Headings accepted for the student column, the first found wins."""
TIME_COLUMNS = ("submitted_at", "timestamp", "submitted", "time")
"""Headings accepted for the time column, the first found wins."""
_EXAMPLE = "2026-10-05T23:59:00+02:00"


class SubmissionTimesError(InstructorError):
    """A ``--submitted-at`` file that cannot be read."""


class Manifest(dict[str, datetime]):
    """Submission times by student id (aware), remembering the file and each student's row."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.rows: dict[str, int] = {}


def read_manifest(path: Path, time_zone: str | None = None) -> Manifest:
    """Each student's submission time from the CSV file ``path`` (see the module docstring).

    ``time_zone``: an IANA name (``Europe/Berlin``) for times written without an offset.
    Raises :class:`SubmissionTimesError` on the first bad row, a missing column, a student
    listed twice, or a file that cannot be read.
    """
    zone = _zone(path, time_zone)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SubmissionTimesError(
            f"{path}: cannot read the submission times ({exc}); give a UTF-8 CSV file with a "
            "header row, e.g. 'student,submitted_at'"
        ) from None
    if not rows:
        raise SubmissionTimesError(
            f"{path} is empty; it needs a header row 'student,submitted_at' and a row per student"
        )
    student_col, time_col = _columns(path, rows[0])
    manifest = Manifest(path)
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        student, at = _row(path, number, row, student_col, time_col, zone)
        if student in manifest:
            raise SubmissionTimesError(
                f"{path} row {number}: student {student!r} is listed twice (first in row "
                f"{manifest.rows[student]}); each student needs one time: delete one of the rows"
            )
        manifest[student] = at
        manifest.rows[student] = number
    return manifest


def _zone(path: Path, time_zone: str | None) -> ZoneInfo | None:
    if time_zone is None:
        return None
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SubmissionTimesError(
            f"{path}: the time zone must be an IANA name such as Europe/Berlin or "
            f"America/New_York, given {time_zone!r}"
        ) from None


def _columns(path: Path, header: list[str]) -> tuple[int, int]:
    names = [cell.strip().lower() for cell in header]
    found = []
    for wanted, what in ((STUDENT_COLUMNS, "student"), (TIME_COLUMNS, "time")):
        index = next((names.index(name) for name in wanted if name in names), None)
        if index is None:
            raise SubmissionTimesError(
                f"{path}: the header row has no {what} column; it must be headed one of "
                f"{', '.join(wanted)} (found: {', '.join(header) or 'nothing'}); rename that "
                "column in the header row"
            )
        found.append(index)
    return found[0], found[1]


def _row(
    path: Path, number: int, row: list[str], student_col: int, time_col: int, zone: ZoneInfo | None
) -> tuple[str, datetime]:
    where = f"{path} row {number}"
    student = row[student_col].strip() if student_col < len(row) else ""
    text = row[time_col].strip() if time_col < len(row) else ""
    if not student:
        raise SubmissionTimesError(
            f"{where}: no student id; every row needs one: fill it in or delete the row"
        )
    if not text:
        raise SubmissionTimesError(
            f"{where}: no time for {student!r}; every row needs an ISO 8601 time such as "
            f"{_EXAMPLE}: fill it in, or delete the row for a student who did not submit"
        )
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise SubmissionTimesError(
            f"{where}: {text!r} is not an ISO 8601 time; write it like {_EXAMPLE}"
        ) from None
    if at.tzinfo is None:
        if zone is None:
            raise SubmissionTimesError(
                f"{where}: {text!r} has no UTC offset, so the instant is unknown; write it "
                f"like {_EXAMPLE}, or give the time zone the file's times are in "
                "(an IANA name such as Europe/Berlin)"
            )
        at = at.replace(tzinfo=zone)
    return student, at
