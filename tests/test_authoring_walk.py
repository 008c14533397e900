"""An instructor's own assignment, as docs/authoring.md walks it: `grader new`, a reference, an
unchanged plain-pytest file that imports the student module by name, mutants, then validate
and a graded class, with the reference on PYTHONPATH (the `PYTHONPATH=solution pytest`
habit) all along. The files the instructor adds are in tests/data/conv_walk/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.clirun import grader

WALK = Path(__file__).parent / "data" / "conv_walk"
ID = "conv_demo"


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`grader new`, then what the instructor writes: the reference, five plain pytest
    checks, their points, two mutants and an alternative; then `grader release`."""
    root = tmp_path_factory.mktemp("walk")
    made = grader("new", ID, "--files", "conv.py", "--course", str(root), cwd=root)
    assert made.returncode == 0, made.stdout + made.stderr
    folder = root / "assignments" / ID
    shutil.copy(WALK / "conv.py", root / "reference" / ID / "conv.py")
    shutil.copy(WALK / "plain_checks.py", folder / "checks" / "hidden" / "test_conv_plain.py")
    shutil.copy(WALK / "conv_alt.py", folder / "alternatives" / "sample" / "conv.py")
    for name in ("assignment.toml", "mutants/mutants.toml"):
        extra = (WALK / Path(name).name.replace("assignment", "parts")).read_text()
        with (folder / name).open("a") as spec:
            spec.write(extra)
    released = grader("release", "-a", ID, cwd=root)
    assert released.returncode == 0, released.stdout + released.stderr
    return root


def trap(course: Path) -> dict[str, str]:
    """The reference importable under the student's module name, as `PYTHONPATH=...` makes it."""
    return {"PYTHONPATH": str(course / "reference" / ID)}


def test_the_plain_pytest_file_validates(course: Path) -> None:
    """Reference 100%, template 0%, each mutant caught, the alternative 100%: with the
    reference on PYTHONPATH, `from conv import ...` still reaches the submission."""
    done = grader("validate", "-a", ID, "--seed", "3", cwd=course, env=trap(course))
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("│")]
    assert len(rows) == 6 and all(" ok " in row for row in rows), done.stdout
    assert "│ template     │ template    │ 0/8" in done.stdout


def test_the_class_is_graded_on_its_own_code(course: Path, tmp_path: Path) -> None:
    """A correct student, one with a wrong pooling and the untouched template get 8, 6 and 0
    of 8, and every plain check records the student function it called."""
    subs = tmp_path / "subs"
    template = course / "student_template" / ID / "conv.py"
    wrong = (WALK / "conv.py").read_text().replace(".max(axis=(3, 5))", ".mean(axis=(3, 5))")
    for student, text in {
        "ana": (WALK / "conv_alt.py").read_text(),
        "ben": wrong,
        "cleo": template.read_text(),
    }.items():
        (subs / student).mkdir(parents=True)
        (subs / student / "conv.py").write_text(text)
    out = tmp_path / "out"
    done = grader("grade", str(subs), "-a", ID, "--out", str(out), cwd=course, env=trap(course))
    assert done.returncode == 0, done.stdout + done.stderr
    results = {s: json.loads((out / s / "result.json").read_text()) for s in ("ana", "ben", "cleo")}
    assert {s: r["score"] for s, r in results.items()} == {"ana": 8, "ben": 6, "cleo": 0}
    checks = {c["name"]: c for c in results["ana"]["checks"]}
    assert checks["test_pool_values"]["uses"] == ["conv.maxpool2x2"]
    assert checks["test_conv_values"]["uses"] == ["conv.conv2d_forward"]
    failed = {c["name"] for c in results["ben"]["checks"] if c["status"] != "passed"}
    assert failed == {"test_pool_values"}


def test_a_check_that_grades_the_reference_fails_validate(course: Path, tmp_path: Path) -> None:
    """The trap the other way round: a check that loads the reference by its path would pass
    every student. validate refuses it and names it."""
    copy = tmp_path / "course"
    shutil.copytree(course, copy)
    hidden = copy / "assignments" / ID / "checks" / "hidden"
    shutil.copy(WALK / "by_path_checks.py", hidden / "test_by_path.py")
    spec = copy / "assignments" / ID / "assignment.toml"
    spec.write_text(spec.read_text() + "test_pool_by_path = 1\n")
    done = grader("validate", "-a", ID, "--seed", "3", cwd=copy, env=trap(copy))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "check test_pool_by_path never called the submission's code" in done.stdout
