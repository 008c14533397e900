"""Questions graded by hand: the spec's [[manual]] items, their grades in the gradebook, the
rubric that rescores, two graders at once, and the final score they join."""

from __future__ import annotations

import csv
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from grader.coursebook import schema
from grader.coursebook.models import ManualConflict
from grader.coursebook.schema import CoursebookError
from grader.coursebook.store import Coursebook
from grader.coursefile import CourseFile
from grader.errors import SpecError
from grader.manual import ManualItem, manual_score
from grader.models import CheckResult, Lateness, SubmissionResult
from grader.spec import load_spec

COURSE = CourseFile.model_validate(
    {
        "students": [{"id": "ada", "name": "Ada L"}, {"id": "bob"}, {"id": "cy"}],
        "assignments": [{"id": "hw1", "due": "2026-10-05T23:59:00+02:00", "points": 20}],
    }
)

JACOBIAN = {
    "id": "jacobian",
    "title": "The softmax Jacobian",
    "points": 4,
    "prompt": "Derive $\\partial s_i / \\partial z_j$.",
    "answer": {"cell_tag": "jacobian"},
    "rubric": [
        {"id": "diagonal", "title": "Diagonal", "points": 2, "comment": "s_i(1 - s_i)"},
        {"id": "off_diagonal", "title": "Off the diagonal", "points": 2},
    ],
}
CROSS_ENTROPY = {
    "id": "cross_entropy",
    "title": "Cross-entropy gradient",
    "points": 2,
    "grading": "negative",
    "answer": {"file": "answers.md"},
    "rubric": [{"id": "sign", "title": "Sign error", "points": -1}],
}


def _items(*raw: dict) -> list[ManualItem]:
    return [ManualItem.model_validate(r) for r in raw]


def _result(student: str, awarded: float, *, late: float = 0.0, digest: str = "h1"):
    checks = [
        CheckResult(
            name="test_a",
            visibility="hidden",
            status="passed" if awarded == 4 else "failed",
            part="P",
            points=awarded,
            max_points=4,
        )
    ]
    lateness = None
    if late:
        when = datetime(2026, 10, 7, tzinfo=UTC)
        lateness = Lateness(
            submitted_at=when, source="manifest", deadline=when, percent=late, reason="late"
        )
    return SubmissionResult(
        student=student,
        assignment="hw1",
        score=awarded,
        max_score=4,
        gradable=True,
        checks=checks,
        seed=1,
        content_hash=digest,
        late=lateness,
    )


@pytest.fixture
def book(tmp_path: Path):
    with Coursebook.open(tmp_path / "gb.sqlite") as book:
        book.sync_course(COURSE)
        book.set_assignment("hw1", "Homework 1", 4)
        book.sync_manual("hw1", _items(JACOBIAN, CROSS_ENTROPY))
        run = book.begin_run("hw1", tmp_path / "subs", tmp_path / "out", "grade")
        book.record(run, _result("ada", 4), tmp_path / "subs" / "ada")
        book.record(run, _result("bob", 2, late=50), tmp_path / "subs" / "bob")
        yield book


def _grade(book: Coursebook, student: str, item: str, applied: list[str], **kw) -> float:
    version = kw.pop("version", None)
    if version is None:
        before = book.manual_grade(student, "hw1", item)
        version = before.version if before else 0
    saved = book.grade_manual(
        student,
        "hw1",
        item,
        applied=applied,
        adjustment=kw.get("adjustment", 0.0),
        comment=kw.get("comment", ""),
        by=kw.get("by", "ta"),
        expected_version=version,
    )
    return saved.score


def test_score_is_start_plus_items_plus_free_points_within_the_item() -> None:
    assert manual_score(0, [2, 2], 0, 4) == 4
    assert manual_score(0, [2, 2], 1, 4) == 4  # never past the item's points
    assert manual_score(2, [-1, -1.5], 0, 2) == 0  # never below zero
    assert manual_score(0, [2], -0.5, 4) == 1.5


def test_spec_reads_manual_items_and_refuses_bad_ones(tmp_path: Path) -> None:
    folder = tmp_path / "hw1"
    folder.mkdir()
    base = (
        'id = "hw1"\ntitle = "HW"\n[submission]\nfiles = ["a.py"]\n'
        '[[parts]]\nname = "P"\nchecks = { test_a = 4 }\n'
    )
    manual = (
        '[[manual]]\nid = "jacobian"\ntitle = "J"\npoints = 4\n'
        'answer = { pdf = "writeup.pdf", page = 2 }\n'
        '[[manual.rubric]]\nid = "diagonal"\ntitle = "D"\npoints = 2\n'
    )
    (folder / "assignment.toml").write_text(base + manual)
    spec = load_spec(folder / "assignment.toml")
    assert (spec.max_points, spec.manual_points, spec.total_points) == (4, 4, 8)
    assert spec.manual[0].answer is not None
    assert spec.manual[0].answer.describe() == "page 2 of writeup.pdf"

    bad = manual.replace("points = 2\n", "points = 2\ngrading_typo = 1\n")
    (folder / "assignment.toml").write_text(base + bad)
    with pytest.raises(SpecError, match="grading_typo"):
        load_spec(folder / "assignment.toml")
    negative = manual.replace("points = 4\n", 'points = 4\ngrading = "negative"\n')
    (folder / "assignment.toml").write_text(base + negative)
    with pytest.raises(SpecError, match="0 or less"):
        load_spec(folder / "assignment.toml")
    escape = manual.replace('{ pdf = "writeup.pdf", page = 2 }', '{ file = "../../etc/passwd" }')
    (folder / "assignment.toml").write_text(base + escape)
    with pytest.raises(SpecError, match="inside the submission"):
        load_spec(folder / "assignment.toml")
    twice = base + manual + manual.split("[[manual.rubric]]")[0]
    (folder / "assignment.toml").write_text(twice)
    with pytest.raises(SpecError, match="more than once"):
        load_spec(folder / "assignment.toml")


def test_ungraded_questions_leave_no_final_grade(book: Coursebook) -> None:
    row = book.grades(COURSE, "hw1").row("ada", "hw1")
    assert row is not None
    assert row.status == "needs_manual" and not row.has_grade
    assert row.manual_pending == ["jacobian", "cross_entropy"]
    assert row.max_points == 10  # 4 from the checks, 6 graded by hand

    _grade(book, "ada", "jacobian", ["diagonal"], comment="only the diagonal")
    _grade(book, "ada", "cross_entropy", [])  # negative grading: nothing taken off
    row = book.grades(COURSE, "hw1").row("ada", "hw1")
    assert row is not None
    assert (row.status, row.has_grade, row.manual, row.final) == ("graded", True, 4, 8)
    assert row.scaled == 16  # 8 of 10 on the course's 20 points


def test_the_late_penalty_applies_to_the_hand_graded_points_too(book: Coursebook) -> None:
    _grade(book, "bob", "jacobian", ["diagonal", "off_diagonal"])
    _grade(book, "bob", "cross_entropy", ["sign"])
    row = book.grades(COURSE, "hw1").row("bob", "hw1")
    assert row is not None
    assert (row.awarded, row.manual, row.late_percent) == (2, 5, 50)
    assert row.final == 3.5


def test_a_stale_save_is_refused_with_the_other_graders_grade(book: Coursebook) -> None:
    _grade(book, "ada", "jacobian", ["diagonal"], by="alice", version=0)
    with pytest.raises(ManualConflict) as caught:
        _grade(book, "ada", "jacobian", ["off_diagonal"], by="bo", version=0)
    assert caught.value.current.by == "alice"
    assert caught.value.current.applied == ["diagonal"]
    grade = book.manual_grade("ada", "hw1", "jacobian")
    assert grade is not None and (grade.applied, grade.version) == (["diagonal"], 1)
    assert _grade(book, "ada", "jacobian", ["off_diagonal", "diagonal"], version=1) == 4


def test_two_connections_cannot_both_save_over_one_version(
    tmp_path: Path, book: Coursebook
) -> None:
    with Coursebook.open(book.path) as other:
        _grade(other, "ada", "jacobian", ["diagonal"], by="other", version=0)
    with pytest.raises(ManualConflict):
        _grade(book, "ada", "jacobian", [], by="me", version=0)


def test_changing_a_rubric_items_points_rescores_everyone_who_has_it(book: Coursebook) -> None:
    _grade(book, "ada", "jacobian", ["diagonal"])
    _grade(book, "ada", "cross_entropy", [])
    _grade(book, "bob", "jacobian", ["off_diagonal"])
    item, changed = book.set_rubric_item(
        "hw1", "jacobian", "diagonal", title="Diagonal", points=1.5, comment="", by="prof"
    )
    assert (item.points, changed) == (1.5, 1)  # bob does not have it
    ada = book.manual_grade("ada", "hw1", "jacobian")
    assert ada is not None and ada.score == 1.5
    entry = book.audit(student="ada")[-1]
    assert (entry.old, entry.new, entry.by) == (8, 7.5, "prof")
    assert "'Diagonal' 2 -> 1.5" in entry.reason
    assert not [e for e in book.audit(student="bob") if "rubric" in e.reason]


def test_a_grader_may_add_rubric_items_and_the_comment_bank_remembers(book: Coursebook) -> None:
    item, changed = book.set_rubric_item(
        "hw1", "jacobian", None, title="Used autograd to check", points=0.5, comment="", by="ta"
    )
    assert (item.id, item.from_spec, changed) == ("used_autograd_to_check", False, 0)
    _grade(book, "ada", "jacobian", [item.id], comment="show the steps")
    _grade(book, "bob", "jacobian", [], comment="show the steps")
    _grade(book, "ada", "cross_entropy", [], comment="neat")
    assert book.comment_bank("hw1", "jacobian") == ["show the steps"]
    with pytest.raises(CoursebookError, match="no rubric item 'diagonl'.*diagonal"):
        _grade(book, "ada", "jacobian", ["diagonl"])
    with pytest.raises(CoursebookError, match="0 or less"):
        book.set_rubric_item("hw1", "cross_entropy", None, title="x", points=1, comment="", by="")
    with pytest.raises(CoursebookError, match="no graded submission"):
        _grade(book, "cy", "jacobian", [])
    with pytest.raises(CoursebookError, match="free points"):
        _grade(book, "ada", "jacobian", [], adjustment=float("nan"))


def test_a_graders_rubric_edit_survives_the_next_sync_but_a_spec_edit_wins(
    book: Coursebook,
) -> None:
    book.set_rubric_item(
        "hw1", "jacobian", "diagonal", title="Diagonal!", points=1, comment="c", by=""
    )
    book.sync_manual("hw1", _items(JACOBIAN, CROSS_ENTROPY))  # the spec did not change
    kept = book.manual_question("hw1", "jacobian").rubric_item("diagonal")
    assert kept is not None and (kept.title, kept.points, kept.comment) == ("Diagonal!", 1, "c")

    edited = {**JACOBIAN, "rubric": [{**JACOBIAN["rubric"][0], "points": 3}]}
    book.sync_manual("hw1", _items(edited, CROSS_ENTROPY))
    question = book.manual_question("hw1", "jacobian")
    diagonal = question.rubric_item("diagonal")
    off = question.rubric_item("off_diagonal")
    assert diagonal is not None and diagonal.points == 3 and diagonal.title == "Diagonal!"
    assert off is not None and not off.from_spec  # the spec dropped it; grades keep it


def test_a_question_the_spec_drops_stops_counting_with_an_audit_entry(book: Coursebook) -> None:
    _grade(book, "ada", "jacobian", ["diagonal"])
    _grade(book, "ada", "cross_entropy", [])
    book.sync_manual("hw1", _items(CROSS_ENTROPY))
    row = book.grades(COURSE, "hw1").row("ada", "hw1")
    assert row is not None and (row.status, row.final, row.max_points) == ("graded", 6, 6)
    assert "assignment.toml changed" in book.audit(student="ada")[-1].reason
    with pytest.raises(CoursebookError, match="no question graded by hand 'jacobian'"):
        book.manual_question("hw1", "jacobian")


def test_an_override_stands_over_hand_grades(book: Coursebook) -> None:
    book.set_override("ada", "hw1", 9.5, "oral exam", "prof")  # within 0..10 with manual
    _grade(book, "ada", "jacobian", ["diagonal"])
    row = book.grades(COURSE, "hw1").row("ada", "hw1")
    assert row is not None and row.final == 9.5 and row.has_grade


def test_current_submission_carries_the_automatic_results(book: Coursebook, tmp_path: Path) -> None:
    current = book.current_submission("ada", "hw1")
    assert current is not None
    assert current.source == str(tmp_path / "subs" / "ada")
    assert [(c.name, c.points, c.max_points) for c in current.checks] == [("test_a", 4, 4)]
    assert [c.student for c in book.current_submissions("hw1")] == ["ada", "bob"]
    assert book.student_names()["ada"] == "Ada L"


def test_a_version_1_gradebook_is_brought_forward(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    schema.migrate(conn, path, schema.MIGRATIONS[:1])
    conn.close()
    with Coursebook.open(path) as book:
        book.set_assignment("hw1", "Homework 1", 4)
        book.sync_manual("hw1", _items(JACOBIAN))
        assert [q.id for q in book.manual_questions("hw1")] == ["jacobian"]


def test_release_puts_the_hand_grades_into_the_feedback_pages(
    book: Coursebook, tmp_path: Path
) -> None:
    from grader.coursebook.handback import hand_graded
    from grader.lane import write_result
    from grader.models import HandGraded
    from grader.release_feedback import release_feedback

    results = tmp_path / "results"
    for student, awarded in (("ada", 4.0), ("bob", 2.0)):
        graded = _result(student, awarded).model_copy(
            update={
                "hand": [
                    HandGraded(id="jacobian", title="The softmax Jacobian", max_points=4),
                    HandGraded(id="cross_entropy", title="Cross-entropy gradient", max_points=2),
                ]
            }
        )
        write_result(graded, results)
    page = (results / "ada" / "feedback.html").read_text()
    assert "not graded yet" in page and "6 points are still to be graded by hand" in page

    _grade(
        book, "ada", "jacobian", ["diagonal"], comment="Say why <the> off-diagonal is $-s_i s_j$"
    )
    _grade(book, "ada", "cross_entropy", ["sign"], adjustment=0.5)
    hand = hand_graded(book, "hw1")
    assert [q.graded for q in hand["bob"]] == [False, False]
    release_feedback(results, tmp_path / "out", hand=hand)
    html = (tmp_path / "out" / "ada" / "feedback.html").read_text()
    markdown = (tmp_path / "out" / "ada" / "feedback.md").read_text()
    assert "s_i(1 - s_i)" in html and "Say why &lt;the&gt; off-diagonal" in html
    assert "Points adjusted by the grader" in html
    assert "<math" in html and "<the>" not in html  # the grader's LaTeX drawn, HTML not run
    assert "7.5 / 10 (75.0%)" in html  # 4 from the checks, 2 + 1.5 by hand
    assert "still to be graded" not in html
    assert "### The softmax Jacobian: 2 / 4" in markdown
    assert "still to be graded" in (tmp_path / "out" / "bob" / "feedback.html").read_text()


def test_exports_and_the_course_page_leave_ungraded_questions_open(book: Coursebook) -> None:
    from grader.lmsexport import export_grades
    from grader.report.coursepage import render_course_page

    _grade(book, "ada", "jacobian", ["diagonal", "off_diagonal"])
    _grade(book, "ada", "cross_entropy", [])
    grades = book.grades(COURSE)
    out = export_grades("canvas", grades, book.path.parent / "canvas.csv")
    rows = {row[3]: row[-1] for row in csv.reader(out.read_text().splitlines())}
    assert float(rows["ada"]) == 20  # 10 of 10 -> the course's 20 points
    assert rows["bob"] == ""  # a question not graded by hand yet: no grade, an empty cell
    page = render_course_page(grades, generated=datetime(2026, 12, 5, tzinfo=UTC))
    assert "to grade by hand" in page and "2 so far" in page  # bob: 2 less 50% of 10 -> 2 of 20


def test_students_never_get_the_rubric() -> None:
    """The rubric's comments hold the answers: the template's spec has no [[manual]]."""
    from grader.course import load_assignment
    from grader.selfcheck.bundle import public_spec

    root = Path(__file__).resolve().parent.parent
    assignment = load_assignment(root, "backprop_torch")
    assert [m.id for m in assignment.spec.manual] == ["softmax_jacobian", "cross_entropy_gradient"]
    assert "manual" not in public_spec(assignment)
    shipped = root / "student_template" / "backprop_torch" / ".grader" / "assignment.toml"
    assert "rubric" not in shipped.read_text() and "diag(s)" not in shipped.read_text()


def test_unpack_reads_a_zipped_folder_as_grading_does(tmp_path: Path) -> None:
    from grader.course import load_assignment
    from grader.discover import submission_at
    from grader.load import unpack

    root = Path(__file__).resolve().parent.parent
    spec = load_assignment(root, "backprop_torch").spec
    ben = root / "examples" / "backprop_torch" / "submissions" / "ben.zip"
    assert unpack(submission_at(ben, "ben"), spec, tmp_path / "ben") is None
    assert (tmp_path / "ben" / "derivations.md").read_text().startswith("# Written questions")
    assert (tmp_path / "ben" / "network.py").is_file()  # hw1/ stripped, as in grading
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really")
    assert "zip" in (unpack(submission_at(bad, "bad"), spec, tmp_path / "bad") or "")
