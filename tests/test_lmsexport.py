"""The LMS exports: each format byte for byte against a sample written from that LMS's
documentation, parsed back to the right numbers, and never a formula."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from grader.coursebook.models import CourseGrades, GradeRow
from grader.coursefile import CourseFile, Student
from grader.errors import InstructorError
from grader.lmsexport import EXPORTS, LmsExportError, export_grades
from grader.lmsexport.blackboard import split_name
from grader.lmsexport.moodle import feedback_line

DATA = Path(__file__).parent / "data" / "lms"
SAMPLES = {
    "canvas": "canvas.csv",
    "moodle": "moodle.csv",
    "blackboard": "blackboard.csv",
    "csv": "plain.csv",
}
EVIL = '=HYPERLINK("http://evil.example")'

# On the course's scale: nn_numpy is 40 spec points -> 20 course points, backprop 20 -> 10.
EXPECTED = {
    ("alice", "nn_numpy"): 16.2,  # 36 less 10% late = 32.4 of 40
    ("bob", "nn_numpy"): 15.0,  # overridden to 30 of 40
    ("mallory", "nn_numpy"): 0.0,  # not gradable
    ("alice", "backprop_torch"): 10.0,
    ("bob", "backprop_torch"): None,  # missing: an empty cell, not 0
    ("mallory", "backprop_torch"): 9.0,
    ("zoe", "nn_numpy"): None,  # no row at all
    ("zoe", "backprop_torch"): 2.5,  # graded, not on the roster
}


def _row(student: str, assignment: str, **fields: object) -> GradeRow:
    scale = {"nn_numpy": (40.0, 20.0), "backprop_torch": (20.0, 10.0)}[assignment]
    return GradeRow.model_validate(
        {"student": student, "assignment": assignment, "max_points": scale[0], "points": scale[1]}
        | fields
    )


@pytest.fixture
def grades() -> CourseGrades:
    course = CourseFile.model_validate(
        {
            "name": "DL 101",
            "students": [
                {
                    "id": "alice",
                    "name": "Alice Liddell",
                    "email": "alice@example.edu",
                    "lms_id": "1001",
                    "section": "A",
                },
                {
                    "id": "bob",
                    "name": "Tables, Bob",
                    "email": "bob@example.edu",
                    "lms_id": "1002",
                    "section": "B",
                },
                {
                    "id": "mallory",
                    "name": EVIL,
                    "email": "mallory@example.edu",
                    "lms_id": "1003",
                    "section": "+B",
                },
            ],
            "assignments": [
                {"id": "nn_numpy", "due": "2026-10-05T23:59:00", "points": 20, "lms_id": "4711"},
                {"id": "backprop_torch", "due": "2026-10-19T23:59:00", "points": 10},
            ],
        }
    )
    rows = [
        _row(
            "alice",
            "nn_numpy",
            status="graded",
            awarded=36,
            late_percent=10,
            late_reason="1 day late (10% off)",
            final=32.4,
        ),
        _row(
            "bob",
            "nn_numpy",
            status="graded",
            awarded=10,
            override=30,
            override_reason="regraded by hand",
            final=30,
        ),
        _row("mallory", "nn_numpy", status="not_gradable", not_gradable_reason="no file"),
        _row(
            "alice", "backprop_torch", status="graded", awarded=20, late_reason="on time", final=20
        ),
        _row("bob", "backprop_torch", status="missing"),
        _row("mallory", "backprop_torch", status="graded", awarded=18, final=18),
        _row("zoe", "backprop_torch", status="graded", awarded=5, final=5),
    ]
    titles = {"nn_numpy": "Neural nets in NumPy", "backprop_torch": "Backprop, in torch"}
    return CourseGrades(course=course, titles=titles, rows=rows)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_matches_documented_sample(kind: str, grades: CourseGrades, tmp_path: Path) -> None:
    """Is each export, for the whole course, byte for byte the sample from its LMS's docs?"""
    path = export_grades(kind, grades, tmp_path / "out.csv")
    assert path == tmp_path / "out.csv"
    assert path.read_bytes() == (DATA / SAMPLES[kind]).read_bytes()


def _parse(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def _number(cell: str) -> float | None:
    return None if cell == "" else float(cell)


def _scores(
    rows: list[list[str]], key: int, columns: dict[str, int]
) -> dict[tuple[str, str], float | None]:
    return {(r[key], aid): _number(r[i]) for r in rows for aid, i in columns.items()}


def test_canvas_parses_back(grades: CourseGrades, tmp_path: Path) -> None:
    """Does the Canvas file read back, by SIS Login ID, to each final score, with the points
    possible on the course's scale?"""
    header, pp, *rows = _parse(export_grades("canvas", grades, tmp_path / "c.csv"))
    columns = {
        "nn_numpy": header.index("Neural nets in NumPy (4711)"),
        "backprop_torch": header.index("Backprop, in torch"),
    }
    assert pp[0].strip() == "Points Possible" and pp[5:] == ["20", "10"]
    assert _scores(rows, header.index("SIS Login ID"), columns) == EXPECTED
    assert {r[header.index("SIS Login ID")]: r[header.index("ID")] for r in rows}["bob"] == "1002"


def test_moodle_parses_back(grades: CourseGrades, tmp_path: Path) -> None:
    """Does the Moodle file read back, by username, to each final score and its feedback?"""
    header, *rows = _parse(export_grades("moodle", grades, tmp_path / "m.csv"))
    columns = {
        "nn_numpy": header.index("Neural nets in NumPy"),
        "backprop_torch": header.index("Backprop, in torch"),
    }
    assert _scores(rows, header.index("Username"), columns) == EXPECTED
    feedback = {r[1]: r[header.index("Neural nets in NumPy (Feedback)")] for r in rows}
    assert feedback == {
        "alice": "late: 1 day late (10% off)",
        "bob": "override: regraded by hand",
        "mallory": "",
        "zoe": "",
    }
    assert [r[header.index("Email address")] for r in rows][:1] == ["alice@example.edu"]


def test_blackboard_parses_back(grades: CourseGrades, tmp_path: Path) -> None:
    """Does the Blackboard file start with a BOM, quote every field, and read back, by
    username, to each final score under its column id?"""
    path = export_grades("blackboard", grades, tmp_path / "b.csv")
    assert path.read_bytes().startswith(b'\xef\xbb\xbf"Last Name","First Name","Username"')
    header, *rows = _parse(path)
    columns = {
        "nn_numpy": header.index("Neural nets in NumPy [Total Pts: 20 Score] |4711"),
        "backprop_torch": header.index("Backprop, in torch [Total Pts: 10 Score]"),
    }
    assert _scores(rows, header.index("Username"), columns) == EXPECTED


def test_plain_parses_back(grades: CourseGrades, tmp_path: Path) -> None:
    """Does the neutral CSV read back, by student id, to each final score?"""
    header, *rows = _parse(export_grades("csv", grades, tmp_path / "p.csv"))
    columns = {aid: header.index(aid) for aid in ("nn_numpy", "backprop_torch")}
    assert _scores(rows, 0, columns) == EXPECTED


@pytest.mark.parametrize("kind", sorted(EXPORTS))
def test_no_cell_is_a_formula(kind: str, grades: CourseGrades, tmp_path: Path) -> None:
    """Does no cell start with = + - or @, and is the roster's formula kept as text?"""
    cells = [c for row in _parse(export_grades(kind, grades, tmp_path / "x.csv")) for c in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    assert "'" + EVIL in cells


def test_formula_in_title_is_text(grades: CourseGrades, tmp_path: Path) -> None:
    """Is a title starting with @ written as text in a column heading too?"""
    evil = grades.model_copy(update={"titles": {**grades.titles, "nn_numpy": "@SUM(1+1)"}})
    header = _parse(export_grades("canvas", evil, tmp_path / "c.csv"))[0]
    assert "'@SUM(1+1) (4711)" in header


def test_one_assignment(grades: CourseGrades, tmp_path: Path) -> None:
    """Does -a ID export that assignment's column only, named for it in a folder?"""
    path = export_grades("canvas", grades, tmp_path, ["backprop_torch"])
    assert path == tmp_path / "canvas-backprop_torch.csv"
    header, pp, *rows = _parse(path)
    assert header[5:] == ["Backprop, in torch"] and pp[5:] == ["10"]
    assert [r[5] for r in rows] == ["10", "", "9", "2.5"]
    assert export_grades("moodle", grades, tmp_path) == tmp_path / "moodle.csv"


def test_unknown_kind_suggests(grades: CourseGrades, tmp_path: Path) -> None:
    """Is a misspelt format an instructor error naming the close one, and nothing written?"""
    with pytest.raises(LmsExportError, match=r"'canvsa' \(did you mean canvas\?\)") as info:
        export_grades("canvsa", grades, tmp_path / "x.csv")
    assert isinstance(info.value, InstructorError) and info.value.exit_code == 2
    assert not (tmp_path / "x.csv").exists()


def test_unknown_assignment_suggests(grades: CourseGrades, tmp_path: Path) -> None:
    """Is an assignment the course does not have an error naming the close one?"""
    with pytest.raises(LmsExportError, match=r"did you mean nn_numpy\?"):
        export_grades("moodle", grades, tmp_path / "x.csv", ["nn_nympy"])
    empty = CourseGrades(course=CourseFile())
    with pytest.raises(LmsExportError, match="no assignments to export"):
        export_grades("csv", empty, tmp_path / "x.csv")


def test_override_on_missing_counts(grades: CourseGrades, tmp_path: Path) -> None:
    """Is a missing submission with a manual score exported with that score, not empty?"""
    rows = [
        r
        if (r.student, r.assignment) != ("bob", "backprop_torch")
        else r.model_copy(update={"override": 12.0, "final": 12.0})
        for r in grades.rows
    ]
    header, *body = _parse(
        export_grades("csv", grades.model_copy(update={"rows": rows}), tmp_path / "p.csv")
    )
    assert body[1][header.index("backprop_torch")] == "6"


def test_split_name() -> None:
    """Are Blackboard's Last Name and First Name split at the comma, else the last space?"""
    assert split_name(Student(id="a", name="Alice P. Liddell")) == ("Liddell", "Alice P.")
    assert split_name(Student(id="b", name="Tables, Bob")) == ("Tables", "Bob")
    assert split_name(Student(id="c")) == ("c", "")


def test_feedback_line_never_check_messages() -> None:
    """Is Moodle's feedback only the late and override reasons, and empty on time?"""
    on_time = _row("a", "nn_numpy", status="graded", late_reason="on time (grace period)")
    assert feedback_line(on_time) == ""
    assert feedback_line(None) == ""
    both = _row(
        "a", "nn_numpy", status="graded", late_percent=20, late_reason="2 days late", override=1.0
    )
    assert feedback_line(both) == "late: 2 days late; override"


def test_canvas_student_named_points_possible(grades: CourseGrades, tmp_path: Path) -> None:
    """Is a graded folder named "Points Possible" a student row in Canvas, not a second
    points row (Canvas takes any first cell containing the words for that row)?"""
    extra = _row("Points Possible", "backprop_torch", status="graded", awarded=20, final=20)
    rows = _parse(
        export_grades(
            "canvas", grades.model_copy(update={"rows": [*grades.rows, extra]}), tmp_path / "c.csv"
        )
    )
    assert [r[0] for r in rows if "Points Possible" in r[0]] == ["    Points Possible"]
    assert {r[3]: r[0] for r in rows}["Points Possible"] == "Points-Possible"
