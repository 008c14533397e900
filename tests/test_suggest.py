"""Misspelt names in the material say which name was meant ("did you mean ...?")."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.course import load_assignment
from grader.errors import MaterialError
from grader.mutants import load_mutants
from grader.suggest import closest, did_you_mean
from tests.toycourse import make_course


def test_closest_guesses_only_near_names() -> None:
    assert closest("test_sofmax_rows", ["test_softmax_rows", "test_relu"]) == "test_softmax_rows"
    assert closest("zzz", ["test_softmax_rows"]) is None
    assert did_you_mean("nn.pyy", ["nn.py", "data.pt"]) == " (did you mean nn.py?)"
    assert did_you_mean("nn.py", ["nn.py"]) == ""


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def test_a_misspelt_check_name_in_the_spec_names_the_real_one(tmp_path: Path) -> None:
    """The spec lists test_norm_row; the file defines test_norm_rows: is the misspelling the
    error, with the real name offered (not only "checks with no points: test_norm_rows")?"""
    course = make_course(tmp_path)
    spec = course / "assignments/toy/assignment.toml"
    _edit(spec, "test_norm_rows = {", "test_norm_row = {")
    with pytest.raises(MaterialError) as info:
        load_assignment(course, "toy")
    assert str(spec) in str(info.value)
    assert "no test file defines: test_norm_row (did you mean test_norm_rows?)" in str(info.value)


def test_a_check_with_no_points_is_still_named(tmp_path: Path) -> None:
    course = make_course(tmp_path)
    spec = course / "assignments/toy/assignment.toml"
    _edit(
        spec,
        "checks = { test_norm_rows = { points = 3, seconds = 2 } }",
        "checks = { test_scale_public = 1 }",
    )
    _edit(spec, "checks = { test_scale_public = 1, ", "checks = { ")
    with pytest.raises(MaterialError, match="checks with no points: test_norm_rows"):
        load_assignment(course, "toy")


def test_a_misspelt_submitted_file_names_the_reference_file(tmp_path: Path) -> None:
    course = make_course(tmp_path)
    _edit(course / "assignments/toy/assignment.toml", 'files = ["ops.py"]', 'files = ["op.py"]')
    with pytest.raises(MaterialError, match=r"missing op\.py \(did you mean ops\.py\?\)"):
        load_assignment(course, "toy")


def test_a_misspelt_provided_file_names_the_one_there(tmp_path: Path) -> None:
    course = make_course(tmp_path)
    (course / "assignments/toy/provided").mkdir()
    (course / "assignments/toy/provided/utils.py").write_text("X = 1\n")
    _edit(
        course / "assignments/toy/assignment.toml",
        'files = ["ops.py"]',
        'files = ["ops.py"]\nprovided = ["util.py"]',
    )
    with pytest.raises(
        MaterialError, match=r"provided lists util\.py \(did you mean utils\.py\?\)"
    ):
        load_assignment(course, "toy")


@pytest.mark.parametrize(
    "old, new, words",
    [
        ('file = "ops.py"', 'file = "opz.py"', "patches opz.py (did you mean ops.py?)"),
        (
            'targets = ["test_norm_rows"]',
            'targets = ["test_norm_row"]',
            "targets unknown checks: test_norm_row (did you mean test_norm_rows?)",
        ),
        (
            'description = "norm',
            'descripton = "x"\ndescription = "norm',
            "mutant.0.descripton: unknown field; did you mean description?",
        ),
    ],
)
def test_a_misspelt_mutant_names_the_real_name(
    tmp_path: Path, old: str, new: str, words: str
) -> None:
    course = make_course(tmp_path)
    _edit(course / "assignments/toy/mutants/mutants.toml", old, new)
    with pytest.raises(MaterialError) as info:
        load_mutants(load_assignment(course, "toy"))
    assert words in str(info.value)
