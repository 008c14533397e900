"""Blackboard Learn (Original Course View): the Grade Center's "Work Offline > Upload" file.

Format (Blackboard Help, "Work Offline with Grade Data",
https://help.blackboard.com/Learn/Instructor/Original/Grade/Grading_Tasks/Work_Offline_With_Grade_Data;
and "Uploading External Grade Center Items"): a header row, then one row per student. The
student is matched on ``Username``; each grade column is matched on the column id after
``|`` in its heading, in the form Blackboard's own download writes:

```csv
"Last Name","First Name","Username","Student ID","Forward pass [Total Pts: 20 Score] |123456"
"Liddell","Alice","alice","1001","18"
```

* ``Last Name``, ``First Name``: ``Student.name`` split at its last space ("Last, First"
  when it has a comma); shown, not matched.
* ``Username``: ``Student.id`` (Blackboard's user name, the match key).
* ``Student ID``: ``Student.lms_id``.
* Per assignment: ``Title [Total Pts: N Score] |<column id>`` with ``CourseAssignment.lms_id``
  as the column id and N the course file's points. Without an ``lms_id`` the heading has no
  ``|id`` and Blackboard creates a new column, as a text column with 0 points possible (the
  help page's warning): edit it to a score column after the upload.

Comma-delimited, every field inside double quotes (the help page: data in each column of a
comma-delimited file must be in a quote character), CRLF line ends. UTF-8 with a byte-order
mark, so that the names are read as UTF-8 and not in the platform's default encoding.
Missing work is an empty cell: nothing is uploaded for that student, not 0.
"""

from __future__ import annotations

from pathlib import Path

from grader.coursebook.models import CourseGrades
from grader.coursefile import Student
from grader.lmsexport.base import number, points_possible, score_cell, students, text, write_csv

__all__ = ["BlackboardExport", "split_name"]

HEADER = ("Last Name", "First Name", "Username", "Student ID")


class BlackboardExport:
    """``grader export blackboard``: a Grade Center upload CSV."""

    name = "blackboard"
    suffix = ".csv"

    def write(self, grades: CourseGrades, assignments: list[str], path: Path) -> Path:
        return write_csv(path, blackboard_rows(grades, assignments), bom=True, quote_all=True)


def blackboard_rows(grades: CourseGrades, assignments: list[str]) -> list[list[str]]:
    """The header, then one row per student."""
    rows = [[*HEADER, *(_heading(grades, aid) for aid in assignments)]]
    for s in students(grades):
        last, first = split_name(s)
        scores = [score_cell(grades.row(s.id, aid)) for aid in assignments]
        rows.append([text(last), text(first), text(s.id), text(s.lms_id), *scores])
    return rows


def split_name(student: Student) -> tuple[str, str]:
    """(last, first): "Last, First" at the comma, else "First Middle Last" at the last space;
    a one-word name (or none: the id) is the last name."""
    name = " ".join((student.name or student.id).split())
    if "," in name:
        last, _, first = name.partition(",")
        return last.strip(), first.strip()
    first, _, last = name.rpartition(" ")
    return last, first


def _heading(grades: CourseGrades, assignment: str) -> str:
    title = text(grades.titles.get(assignment, assignment))
    pts = points_possible(grades, assignment)
    heading = f"{title} [Total Pts: {number(pts or 0)} Score]"
    lms_id = next((a.lms_id for a in grades.course.assignments if a.id == assignment), "")
    return f"{heading} |{lms_id}" if lms_id else heading
