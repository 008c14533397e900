"""Course-provided files: ``[submission] provided = ["util.py"]`` puts the course's util.py
beside every submission (and in the template), as the CMU homework's ``from util import *``
needs. Graded end to end on the toy course."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader.course import load_assignment
from grader.errors import MaterialError, SpecError
from grader.grade import grade
from grader.models import GradeReport
from grader.release import release, stale_files
from grader.selfcheck.run import self_check
from grader.validate import validate
from tests.toycourse import make_course, solution

UTIL = '''"""Helpers every student gets, unchanged."""


def square(x):
    return x * x
'''
TAMPERED = "def square(x):\n    return 0 * x\n"


def with_util(root: Path) -> Path:
    """The toy course whose ops.py starts with ``from util import *`` (the course's util.py)."""
    course = make_course(root)
    spec = course / "assignments/toy/assignment.toml"
    spec.write_text(
        spec.read_text().replace('files = ["ops.py"]', 'files = ["ops.py"]\nprovided = ["util.py"]')
    )
    (course / "assignments/toy/provided").mkdir()
    (course / "assignments/toy/provided/util.py").write_text(UTIL)
    for ops in [
        course / "reference/toy/ops.py",
        *course.glob("assignments/toy/alternatives/*/ops.py"),
    ]:
        ops.write_text("from util import *\n" + ops.read_text().replace("(x * x)", "square(x)"))
    mutants = course / "assignments/toy/mutants/mutants.toml"
    mutants.write_text(mutants.read_text().replace("(x * x)", "square(x)"))
    return course


def student_ops() -> str:
    return "from util import *\n" + solution({"(x * x)": "square(x)"})


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GradeReport]:
    root = tmp_path_factory.mktemp("provided")
    course = with_util(root / "course")
    subs = root / "subs"
    for name, util in [("ann", None), ("bob", TAMPERED), ("cat", UTIL)]:
        (subs / name).mkdir(parents=True)
        (subs / name / "ops.py").write_text(student_ops())
        if util is not None:
            (subs / name / "util.py").write_text(util)
    return root, grade(course, "toy", subs, root / "out", jobs=2, seed=9)


def test_from_util_import_star_without_handing_util_in(graded: tuple[Path, GradeReport]) -> None:
    """Is a submission that does `from util import *` graded in full without util.py?"""
    result = next(r for r in graded[1].results if r.student == "ann")
    assert result.score == result.max_score == 6, [c.message for c in result.checks]
    assert not any("util.py" in note for note in result.notes)


def test_a_tampered_util_is_replaced_with_a_note(graded: tuple[Path, GradeReport]) -> None:
    """Is a student's changed util.py replaced by the course's, and does the feedback say so?"""
    result = next(r for r in graded[1].results if r.student == "bob")
    assert result.score == 6, [c.message for c in result.checks]
    assert any(
        "util.py is provided by the course, so your copy was replaced" in n for n in result.notes
    )
    feedback = (graded[0] / "out" / "bob" / "feedback.md").read_text()
    assert "util.py is provided by the course" in feedback
    same = next(r for r in graded[1].results if r.student == "cat")  # an unchanged copy: no note
    assert same.score == 6 and not any("util.py" in n for n in same.notes)


def test_release_ships_util_and_grader_check_uses_it(tmp_path: Path) -> None:
    """Does release copy util.py into the template and the self-check bundle, and does
    `grader check` run a student's code beside the course's util.py?"""
    course = with_util(tmp_path / "course")
    assignment = load_assignment(course, "toy")
    release(assignment)
    template = course / "student_template/toy"
    assert (template / "util.py").read_text() == UTIL
    assert (template / ".grader/provided/util.py").read_text() == UTIL
    assert "provided/util.py" in json.loads((template / ".grader/bundle.json").read_text())["files"]
    assert stale_files(assignment) == []
    (template / "util.py").write_text(TAMPERED)
    assert stale_files(assignment) == ["util.py"]
    folder = tmp_path / "student"
    shutil.copytree(template, folder)
    (folder / "ops.py").write_text(student_ops())
    (folder / "util.py").unlink()
    result = self_check(folder).result
    assert all(c.status == "passed" for c in result.checks), [c.message for c in result.checks]


def test_validate_places_util_in_every_copy(tmp_path: Path) -> None:
    """Do the reference, template, mutant and alternative copies all get util.py?"""
    report = validate(with_util(tmp_path / "course"), "toy", jobs=2, seed=2)
    assert report.ok, [(r.name, r.problem) for r in report.rows]


def test_a_provided_file_that_does_not_exist_fails_fast(tmp_path: Path) -> None:
    course = with_util(tmp_path / "course")
    (course / "assignments/toy/provided/util.py").unlink()
    with pytest.raises(MaterialError) as info:
        load_assignment(course, "toy")
    message = str(info.value)
    assert "assignment.toml" in message and "provided lists util.py" in message
    assert str(course / "assignments/toy/provided/util.py") in message


def test_a_file_both_submitted_and_provided_is_a_spec_error(tmp_path: Path) -> None:
    course = with_util(tmp_path / "course")
    spec = course / "assignments/toy/assignment.toml"
    spec.write_text(spec.read_text().replace('provided = ["util.py"]', 'provided = ["ops.py"]'))
    with pytest.raises(SpecError, match="both submitted"):
        load_assignment(course, "toy")
