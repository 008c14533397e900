"""grader new: a scaffolded assignment validates at once, and bad names are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.course import load_assignment
from grader.mutants import load_mutants
from grader.validate import validate
from tests.clirun import grader


def test_new_assignment_validates_at_once(tmp_path: Path) -> None:
    """Does `grader new` write an assignment whose reference scores 100%, whose released
    template scores 0%, and whose mutant the sample check catches?"""
    done = grader("new", "demo_conv", "--files", "conv.py", "--course", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "grader test -a demo_conv" in done.stdout
    template = (tmp_path / "student_template/demo_conv/conv.py").read_text()
    assert "NotImplementedError" in template and "k * x" not in template
    assert "# BEGIN SOLUTION" in (tmp_path / "reference/demo_conv/conv.py").read_text()
    assert (tmp_path / "assignments/demo_conv/checks/hidden").is_dir()
    check = (tmp_path / "assignments/demo_conv/checks/public/test_conv.py").read_text()
    assert "def test_scale_multiplies(submission, reference, rng)" in check
    assert '"""scale(x, k) must' in check  # a docstring: the sentence a student reads

    report = validate(tmp_path, "demo_conv", jobs=1, seed=3)
    rows = {r.name: r for r in report.rows}
    assert report.ok, [r.problem for r in report.rows]
    assert rows["reference"].score == rows["reference"].max_score == 1
    assert rows["template"].score == 0 and rows["scale_adds"].score == 0
    assert rows["sample"].kind == "alternative" and rows["sample"].score == 1
    assert not report.warnings, report.warnings


def test_new_assignment_with_several_files(tmp_path: Path) -> None:
    """Does each submitted file get a reference module and a template stub, listed in the spec?"""
    done = grader(
        "new",
        "two_files",
        "--files",
        "conv.py",
        "--files",
        "pool.py",
        "--course",
        str(tmp_path),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assignment = load_assignment(tmp_path, "two_files")
    assert assignment.spec.submission.files == ["conv.py", "pool.py"]
    assert [m.file for m in load_mutants(assignment)] == ["conv.py"]
    for file in ("conv.py", "pool.py"):
        assert "NotImplementedError" in (tmp_path / "student_template/two_files" / file).read_text()


def test_new_refuses_an_existing_assignment(tmp_path: Path) -> None:
    """Is an existing id refused with exit code 2, naming the folder and the fix, and left as it was?"""
    assert (
        grader("new", "demo", "--files", "a.py", "--course", str(tmp_path), cwd=tmp_path).returncode
        == 0
    )
    spec = tmp_path / "assignments/demo/assignment.toml"
    spec.write_text(spec.read_text() + "# mine\n")
    again = grader("new", "demo", "--files", "a.py", "--course", str(tmp_path), cwd=tmp_path)
    assert again.returncode == 2
    assert str(tmp_path / "assignments/demo") in again.stderr
    assert "choose another id" in again.stderr and "remove" in again.stderr
    assert spec.read_text().endswith("# mine\n")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["Demo", "--files", "a.py"], "not an assignment id"),
        (["1demo", "--files", "a.py"], "not an assignment id"),
        (["demo", "--files", "my-conv.py"], "not a submitted file name"),
        (["demo", "--files", "conv.txt"], "not a submitted file name"),
        (["demo", "--files", "sub/conv.py"], "not a submitted file name"),
        (["demo", "--files", "class.py"], "not a submitted file name"),
        (["demo", "--files", "a.py", "--files", "a.py"], "names a file twice"),
    ],
)
def test_new_refuses_bad_names(tmp_path: Path, args: list[str], said: str) -> None:
    """Are a bad id and a bad file name refused before anything is written?"""
    done = grader("new", *args, "--course", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 2 and said in done.stderr, done.stderr
    assert not (tmp_path / "assignments").exists()
