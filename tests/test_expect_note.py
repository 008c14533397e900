"""expect.note: a line of feedback that a check shows whether or not it passes."""

from __future__ import annotations

import json
from pathlib import Path

from grader.checks import expect
from grader.grade import grade
from tests.toycourse import make_course

NOTE_CHECKS = '''from grader.checks import expect


def test_scale_noted(submission):
    """scale(x, 2) must double x; the feedback shows how many entries were tried."""
    got = submission.ops.scale([1.0, 2.0, 3.0], 2.0)
    expect.note("scale was tried on 3 entries")
    expect.close(got, [2.0, 4.0, 6.0], what="scale(x, 2)")
'''


def _graded(tmp_path: Path, student: str, source: str) -> Path:
    course = make_course(tmp_path)
    (course / "assignments/toy/checks/hidden/test_note.py").write_text(NOTE_CHECKS)
    spec = course / "assignments/toy/assignment.toml"
    spec.write_text(
        spec.read_text() + '\n[[parts]]\nname = "Noted"\nchecks = { test_scale_noted = 1 }\n'
    )
    (tmp_path / "subs" / student).mkdir(parents=True)
    (tmp_path / "subs" / student / "ops.py").write_text(source)
    grade(course, "toy", tmp_path / "subs", tmp_path / "out", jobs=1, seed=4)
    return tmp_path / "out" / student


def _check(out: Path) -> dict[str, object]:
    result = json.loads((out / "result.json").read_text())
    return next(c for c in result["checks"] if c["name"] == "test_scale_noted")


def test_a_passing_check_shows_its_note(tmp_path: Path) -> None:
    """Does a note from a passing check reach result.json and both feedback pages?"""
    out = _graded(tmp_path, "amy", "def scale(x, k):\n    return [k * v for v in x]\n")
    check = _check(out)
    assert check["status"] == "passed" and check["message"] == "scale was tried on 3 entries"
    assert "scale was tried on 3 entries" in (out / "feedback.md").read_text()
    assert "scale was tried on 3 entries" in (out / "feedback.html").read_text()


def test_a_failing_check_gives_its_reason_then_its_note(tmp_path: Path) -> None:
    """Does a failing check keep its reason first, with the note after it?"""
    out = _graded(tmp_path, "bo", "def scale(x, k):\n    return [v for v in x]\n")
    check = _check(out)
    assert check["status"] == "failed"
    reason, note = str(check["message"]).rsplit("; ", 1)
    assert reason.startswith("scale(x, 2) is off") and note == "scale was tried on 3 entries"


def test_note_outside_a_grading_run_goes_nowhere() -> None:
    """Can a check helper that notes be called outside a grading run (in a unit test)?"""
    expect.note("nobody collects this")
    with expect.collecting_notes([]) as notes:
        expect.note("BudgetCNN(43) has 61,234 parameters")
        expect.ramp(0.8, floor=0.5, target=0.7, what="accuracy")
    assert notes == [
        "BudgetCNN(43) has 61,234 parameters",
        "accuracy is 0.800: full credit (none at 0.500, full at 0.700)",
    ]
