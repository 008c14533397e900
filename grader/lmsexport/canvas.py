"""Canvas: the Gradebook's "Import" CSV.

Format, as Canvas's own export writes it and its import reads it (Canvas Instructor Guide,
"How do I import grades in the Gradebook?",
https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807):

```csv
Student,ID,SIS User ID,SIS Login ID,Section,Forward pass (4711)
    Points Possible,,,,,20
Alice Liddell,1001,,alice,A,18
```

* ``Student``: the roster ``name`` (else the id); Canvas shows it, it does not match on it.
* ``ID``: ``Student.lms_id``, Canvas's user id, which the import matches on first.
* ``SIS User ID``: empty (the course file has no SIS user id).
* ``SIS Login ID``: ``Student.id``, matched when ``ID`` is empty.
* ``Section``: ``Student.section``.
* One column per assignment, headed ``Title (canvas_assignment_id)`` with
  ``CourseAssignment.lms_id``. Without an ``lms_id`` the heading is the title alone: Canvas
  looks for an assignment with exactly that title and, finding none, creates a new
  assignment named by the title.
* The ``Points Possible`` row (first cell "    Points Possible", as Canvas writes it; the
  import recognises the row by that text) gives each assignment's points on the course's
  scale; Canvas reads it and does not import it as a student.

Cells hold points after late penalties and overrides. Missing work is an empty cell: Canvas
imports no score for it, and its missing-submission policy, not this file, decides what it
costs. UTF-8 without a byte-order mark (Canvas reads either).
"""

from __future__ import annotations

from pathlib import Path

from grader.coursebook.models import CourseGrades
from grader.lmsexport.base import number, points_possible, score_cell, students, text, write_csv

__all__ = ["CanvasExport"]

HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "    Points Possible"


class CanvasExport:
    """``grader export canvas``: the Canvas Gradebook import CSV."""

    name = "canvas"
    suffix = ".csv"

    def write(self, grades: CourseGrades, assignments: list[str], path: Path) -> Path:
        return write_csv(path, canvas_rows(grades, assignments))


def canvas_rows(grades: CourseGrades, assignments: list[str]) -> list[list[str]]:
    """The header, the Points Possible row, then one row per student."""
    header = [*HEADER, *(_heading(grades, aid) for aid in assignments)]
    pp = [points_possible(grades, aid) for aid in assignments]
    rows = [
        header,
        [POINTS_POSSIBLE, "", "", "", "", *("" if p is None else number(p) for p in pp)],
    ]
    for s in students(grades):
        scores = [score_cell(grades.row(s.id, aid)) for aid in assignments]
        rows.append(
            [_student(s.name or s.id), text(s.lms_id), "", text(s.id), text(s.section), *scores]
        )
    return rows


def _student(name: str) -> str:
    """The ``Student`` cell. Canvas takes any row whose first cell contains "Points Possible"
    for the points row, so a name (or a submission folder's name) holding it is written
    "Points-Possible": Canvas shows this cell and does not match on it."""
    return text(name).replace("Points Possible", "Points-Possible")


def _heading(grades: CourseGrades, assignment: str) -> str:
    title = text(grades.titles.get(assignment, assignment))
    lms_id = next((a.lms_id for a in grades.course.assignments if a.id == assignment), "")
    return f"{title} ({lms_id})" if lms_id else title
