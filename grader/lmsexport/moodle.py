"""Moodle: "Import grades from CSV file".

Format (Moodle Docs, "Import grades", https://docs.moodle.org/en/Import_grades; in the course:
Grades > Import > CSV file): a header row, then one row per student; one column identifies
the student, chosen on the import page as "Map from" (this file's column) and "Map to" (a
Moodle user field); every other column is mapped to a grade item, to the feedback of a grade
item, or ignored.

```csv
Email address,Username,Full name,Forward pass,Forward pass (Feedback)
alice@example.edu,alice,Alice Liddell,18,late: 1 day late (10%)
```

* ``Email address``: ``Student.email``, the intended map-from (Map to: "Email address").
* ``Username``: ``Student.id``, an alternative map-from when the ids are Moodle usernames.
* ``Full name``: for the person checking the file; map it to "Ignore".
* Per assignment: ``Title`` (the grade, points on the course's scale, after late penalties
  and overrides; give the grade item the same maximum) and ``Title (Feedback)`` (as Moodle's
  own export heads feedback columns): one short line with the late reason and the override
  reason when there are any, never a check's message.

Missing work is an empty cell, which Moodle reads as "no grade" (like "-"), not 0. UTF-8
without a byte-order mark, comma separated: the import page's defaults.
"""

from __future__ import annotations

from pathlib import Path

from grader.coursebook.models import CourseGrades, GradeRow
from grader.lmsexport.base import score_cell, students, text, write_csv

__all__ = ["MoodleExport", "feedback_line"]

HEADER = ("Email address", "Username", "Full name")


class MoodleExport:
    """``grader export moodle``: a CSV for Moodle's "Import grades from CSV file"."""

    name = "moodle"
    suffix = ".csv"

    def write(self, grades: CourseGrades, assignments: list[str], path: Path) -> Path:
        return write_csv(path, moodle_rows(grades, assignments))


def moodle_rows(grades: CourseGrades, assignments: list[str]) -> list[list[str]]:
    """The header, then one row per student: identifiers, then grade and feedback per item."""
    header = list(HEADER)
    for aid in assignments:
        title = text(grades.titles.get(aid, aid))
        header += [title, f"{title} (Feedback)"]
    rows = [header]
    for s in students(grades):
        row = [text(s.email), text(s.id), text(s.name)]
        for aid in assignments:
            grade = grades.row(s.id, aid)
            row += [score_cell(grade), text(feedback_line(grade))]
        rows.append(row)
    return rows


def feedback_line(row: GradeRow | None) -> str:
    """``"late: <reason>; override: <reason>"``: the late part only when points were taken
    off, the override part only when there is one; ``""`` when neither applies."""
    if row is None:
        return ""
    parts = []
    if row.late_percent > 0 and row.late_reason:
        parts.append(f"late: {row.late_reason}")
    if row.override is not None:
        parts.append(f"override: {row.override_reason}" if row.override_reason else "override")
    return "; ".join(parts)
