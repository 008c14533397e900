"""Partial submissions: a file left out costs only the checks that use it.

The toy assignment here takes two modules, ops.py and extra.py. Each case is graded end to
end (loader, worker, checks, scoring, feedback)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader.course import load_assignment
from grader.grade import grade
from grader.models import GradeReport, SubmissionResult
from grader.release import release
from grader.selfcheck.run import self_check
from grader.validate import validate
from tests.test_notebook_grading import NORM, SCALE, notebook
from tests.toycourse import add_second_module, make_course, solution

NOT_HANDED_IN = "extra.py was not handed in; this check uses it"


def _write(folder: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GradeReport]:
    root = tmp_path_factory.mktemp("partial")
    course = add_second_module(make_course(root / "course"), notebook=True)
    extra = "import numpy as np\n\n\ndef double(x):\n    return 2 * np.asarray(x)\n"
    _write(
        root / "subs",
        {
            "ann/ops.py": solution(),  # extra.py left out
            "bob/extra.py": extra,  # ops.py left out
            "cat/notes.txt": "nothing",  # none of the files
            "dan/hw/ops.py": solution(),  # zipped the folder, extra.py left out
            "eve/toy.ipynb": notebook("import numpy as np", SCALE, NORM),  # no double()
            "fay/ops.py": solution(),
            "fay/Extra.py": extra,  # a near miss
        },
    )
    report = grade(course, "toy", root / "subs", root / "out", jobs=2, seed=3)
    return root, report


def _result(report: GradeReport, student: str) -> SubmissionResult:
    return next(r for r in report.results if r.student == student)


def _checks(result: SubmissionResult) -> dict[str, tuple[str, float, str]]:
    return {c.name: (c.status, c.points, c.message) for c in result.checks}


def test_a_missing_module_costs_only_its_checks(graded: tuple[Path, GradeReport]) -> None:
    """Is ops.py graded in full when extra.py is left out, and does the extra check fail
    (not error) with a plain message and 0 points?"""
    result = _result(graded[1], "ann")
    assert result.gradable and result.score == 6 and result.max_score == 7
    assert _checks(result)["test_double_public"] == ("failed", 0, NOT_HANDED_IN)
    assert any(n.startswith("extra.py was not handed in, so the checks") for n in result.notes)


def test_the_other_module_missing(graded: tuple[Path, GradeReport]) -> None:
    """With only extra.py handed in, does its check pass and every ops check fail plainly?"""
    checks = _checks(_result(graded[1], "bob"))
    assert checks["test_double_public"][:2] == ("passed", 1)
    for name in ("test_scale_public", "test_scale_matches_reference", "test_norm_rows"):
        assert checks[name] == ("failed", 0, "ops.py was not handed in; this check uses it")


def test_none_of_the_files_is_not_gradable(graded: tuple[Path, GradeReport]) -> None:
    result = _result(graded[1], "cat")
    assert not result.gradable
    assert result.not_gradable_reason is not None
    assert result.not_gradable_reason.startswith("ops.py and extra.py are missing")


def test_a_folder_holding_some_files_is_the_root(graded: tuple[Path, GradeReport]) -> None:
    """Is hw/ used as the root although it holds only one of the two files?"""
    result = _result(graded[1], "dan")
    assert "used the files inside hw/" in result.notes and result.score == 6


def test_a_notebook_without_a_function_fails_only_that_check(
    graded: tuple[Path, GradeReport],
) -> None:
    """Does a notebook that lacks double() fail the check that uses it with a plain message,
    while the functions it defines are graded?"""
    result = _result(graded[1], "eve")
    assert result.notebook == "toy.ipynb" and result.score == 6
    status, points, message = _checks(result)["test_double_public"]
    assert (status, points) == ("failed", 0)
    assert message.startswith("double is not defined in your notebook toy.ipynb")
    assert "extra.double" in message and "AttributeError" not in message


def test_a_near_miss_is_named_in_the_note(graded: tuple[Path, GradeReport]) -> None:
    result = _result(graded[1], "fay")
    assert result.score == 6
    assert any("Found 'Extra.py': rename it to extra.py." in n for n in result.notes)


def test_feedback_names_what_was_missing(graded: tuple[Path, GradeReport]) -> None:
    """Do feedback.md, feedback.html and result.json say which file was not handed in?"""
    out = graded[0] / "out" / "ann"
    for name in ("feedback.md", "feedback.html"):
        assert "extra.py was not handed in" in (out / name).read_text(), name
    notes = json.loads((out / "result.json").read_text())["notes"]
    assert any("extra.py was not handed in" in n for n in notes)


def test_validate_and_self_check_with_two_modules(tmp_path: Path) -> None:
    """Does validate (whose template has every file) still pass, and does `grader check` on a
    folder without extra.py check the rest?"""
    course = add_second_module(make_course(tmp_path / "course"))
    report = validate(course, "toy", jobs=2, seed=4)
    assert report.ok, [(r.name, r.problem) for r in report.rows]
    release(load_assignment(course, "toy"))
    folder = tmp_path / "student"
    shutil.copytree(course / "student_template/toy", folder)
    (folder / "ops.py").write_text(solution())
    (folder / "extra.py").unlink()
    result = self_check(folder).result
    assert result.gradable
    assert _checks(result)["test_double_public"] == ("failed", 0, NOT_HANDED_IN)
    assert _checks(result)["test_scale_public"][0] == "passed"
