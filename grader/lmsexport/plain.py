"""A neutral CSV for any other LMS or a spreadsheet: ``grader export csv``.

```csv
student,name,email,lms_id,section,nn_numpy,backprop_torch
alice,Alice Liddell,alice@example.edu,1001,A,18,
```

One row per student (the roster in its order, then anyone else graded), one column per
assignment headed by its id, holding points on the course file's scale after late penalties
and overrides; missing work is an empty cell, not 0. RFC 4180, UTF-8 without a byte-order
mark. The per-check detail stays in each run's ``gradebook.csv``.
"""

from __future__ import annotations

from pathlib import Path

from grader.coursebook.models import CourseGrades
from grader.lmsexport.base import score_cell, students, text, write_csv

__all__ = ["PlainExport"]

HEADER = ("student", "name", "email", "lms_id", "section")


class PlainExport:
    """``grader export csv``: one row per student, one column per assignment."""

    name = "csv"
    suffix = ".csv"

    def write(self, grades: CourseGrades, assignments: list[str], path: Path) -> Path:
        return write_csv(path, plain_rows(grades, assignments))


def plain_rows(grades: CourseGrades, assignments: list[str]) -> list[list[str]]:
    """The header, then one row per student."""
    rows = [[*HEADER, *(text(aid) for aid in assignments)]]
    for s in students(grades):
        scores = [score_cell(grades.row(s.id, aid)) for aid in assignments]
        rows.append(
            [text(s.id), text(s.name), text(s.email), text(s.lms_id), text(s.section), *scores]
        )
    return rows
