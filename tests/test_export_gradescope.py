"""``grader export gradescope``: the zip, and its run_autograder end to end in a fake /autograder."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from grader.cli import app
from grader.course import load_assignment
from grader.errors import InstructorError
from grader.export.gradescope import (
    export_gradescope,
    grader_requirement,
)
from grader.needs import TORCH_CPU_INDEX, extras_for
from tests.toycourse import make_course, solution

METADATA = {
    "id": 123456,
    "created_at": "2026-12-01T22:00:00.000000-08:00",
    "assignment": {"due_date": "2026-12-01T23:00:00.000000-08:00", "late_due_date": None},
    "users": [{"email": "s@example.com", "id": 1, "name": "A Student"}],
    "previous_submissions": [],
}


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The toy course, with what must never ship beside it."""
    root = make_course(tmp_path_factory.mktemp("course"))
    extras = {
        "student_template/toy/ops.py": "def scale(x, k):\n    raise NotImplementedError\n",
        ".git/config": "[core]\n",
        "assignments/toy/.git/HEAD": "ref: refs/heads/main\n",
        "assignments/toy/checks/public/__pycache__/test_public.cpython-311.pyc": "",
        "results/alice/results.json": "{}",
        "assignments/toy/checks/helpers/shared.py": "SCALE = 3.0\n",
    }
    for rel, text in extras.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@pytest.fixture(scope="module")
def autograder_zip(course: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("zip") / "autograder.zip"
    export_gradescope(load_assignment(course, "toy"), out, source=None)
    return out


def fake_autograder(zip_path: Path, root: Path, files: dict[str, str]) -> Path:
    """``root`` laid out like Gradescope's /autograder: source/ (the zip), submission/,
    results/ and submission_metadata.json."""
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    for rel in ("submission", "results"):
        (root / rel).mkdir()
    for name, text in files.items():
        (root / "submission" / name).write_text(text)
    (root / "submission_metadata.json").write_text(json.dumps(METADATA))
    return root


def run_script(root: Path, script: str, **env: str) -> subprocess.CompletedProcess[str]:
    """One of the zip's scripts, as Gradescope runs it, with this interpreter as the image's."""
    environ = {**os.environ, "AUTOGRADER_ROOT": str(root), "GRADER_PYTHON": sys.executable}
    return subprocess.run(
        ["bash", str(root / "source" / script)],
        cwd=root,
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def results_of(root: Path) -> dict[str, object]:
    data = json.loads((root / "results" / "results.json").read_text())
    assert isinstance(data, dict)
    return data


def test_zip_holds_scripts_and_course_material_only(autograder_zip: Path) -> None:
    """Does the zip hold setup.sh, run_autograder (executable), the checks, helpers and
    reference, and never the template, .git, results, mutants or alternatives?"""
    with zipfile.ZipFile(autograder_zip) as archive:
        infos = {info.filename: info for info in archive.infolist()}
    names = set(infos)
    assert {"setup.sh", "run_autograder"} <= names
    for script in ("setup.sh", "run_autograder"):
        assert stat.S_IMODE(infos[script].external_attr >> 16) & 0o111
    assert {
        "course/assignments/toy/assignment.toml",
        "course/assignments/toy/checks/public/test_public.py",
        "course/assignments/toy/checks/hidden/test_hidden.py",
        "course/assignments/toy/checks/helpers/shared.py",
        "course/reference/toy/ops.py",
        "grader-src/pyproject.toml",
        "grader-src/grader/export/autograder.py",
    } <= names
    for name in names:
        parts = name.split("/")
        assert "student_template" not in parts and ".git" not in parts, name
        assert "results" not in parts[:2] and "__pycache__" not in parts, name
        assert "mutants" not in parts and "alternatives" not in parts, name


def test_correct_submission_gets_full_score(autograder_zip: Path, tmp_path: Path) -> None:
    """Does run_autograder grade a correct submission with every check, public and hidden,
    and write a results.json with per-check visibility, the times and no leaderboard?"""
    root = fake_autograder(autograder_zip, tmp_path, {"ops.py": solution()})
    proc = run_script(root, "run_autograder")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = results_of(root)
    assert results["score"] == 6.0
    tests = results["tests"]
    assert isinstance(tests, list)
    visibility = {t["name"]: t["visibility"] for t in tests}
    assert visibility == {
        "test_scale_public": "visible",
        "test_scale_matches_reference": "after_published",
        "test_norm_rows": "after_published",
    }
    assert all(t["status"] == "passed" and t["output"] for t in tests)
    assert "leaderboard" not in results
    extra = results["extra_data"]
    assert isinstance(extra, dict)
    assert extra["submitted_at"] == METADATA["created_at"]
    assert extra["due_date"] == "2026-12-01T23:00:00.000000-08:00"
    assert extra["late"] is False and extra["isolation"]
    assert "after the due date" not in str(results["output"])


def test_broken_submission_gets_zero_with_a_plain_reason(
    autograder_zip: Path, tmp_path: Path
) -> None:
    """Does a submission with a syntax error get 0 and a plain reason in a valid results.json?"""
    broken = solution().replace("return k * x", "return k * x)")
    root = fake_autograder(autograder_zip, tmp_path, {"ops.py": broken})
    proc = run_script(root, "run_autograder")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = results_of(root)
    assert results["score"] == 0.0
    output = str(results["output"])
    assert "could not be graded" in output and "ops.py" in output
    assert "Traceback" not in output


def test_late_submission_says_so(autograder_zip: Path, tmp_path: Path) -> None:
    """Is a submission made after its due date marked late, in extra_data and the output?"""
    root = fake_autograder(autograder_zip, tmp_path, {"ops.py": solution()})
    late = {**METADATA, "created_at": "2026-12-02T09:30:00-08:00"}
    (root / "submission_metadata.json").write_text(json.dumps(late))
    assert run_script(root, "run_autograder").returncode == 0
    results = results_of(root)
    extra = results["extra_data"]
    assert isinstance(extra, dict) and extra["late"] is True
    assert "after the due date" in str(results["output"])


def test_grader_failure_still_writes_valid_results(autograder_zip: Path, tmp_path: Path) -> None:
    """When the grader stops without a result (a broken course), does the student get a valid
    results.json that blames the course, not their code?"""
    root = fake_autograder(autograder_zip, tmp_path, {"ops.py": solution()})
    (root / "source/course/reference/toy/ops.py").unlink()
    proc = run_script(root, "run_autograder")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = results_of(root)
    assert results["score"] == 0.0
    assert "not in your code" in str(results["output"])
    extra = results["extra_data"]
    assert isinstance(extra, dict) and "exit code 2" in str(extra["grader_error"])
    assert "reference solution is missing" in proc.stderr


def test_setup_sh_skips_install_when_asked(autograder_zip: Path, tmp_path: Path) -> None:
    """Does setup.sh parse, and with GRADER_SKIP_INSTALL=1 install nothing but name what it
    would install (the bundled grader source)?"""
    root = fake_autograder(autograder_zip, tmp_path, {})
    assert (
        subprocess.run(["bash", "-n", str(root / "source/setup.sh")], check=False).returncode == 0
    )
    proc = run_script(root, "setup.sh", GRADER_SKIP_INSTALL="1")
    assert proc.returncode == 0, proc.stderr
    assert f"{root}/source/grader-src" in proc.stdout
    assert not (root / "venv").exists()


def test_torch_assignment_installs_torch_extra_from_cpu_index(course: Path, tmp_path: Path) -> None:
    """Does an assignment whose worker preloads torch install the [torch] extra with torch's
    CPU index, and one that needs sklearn's digits the [data] extra?"""
    spec = course / "assignments/toy/assignment.toml"
    original = spec.read_text()
    try:
        spec.write_text(
            original.replace('preload = ["numpy"]', 'preload = ["numpy", "torch"]')
            + '\n[data]\nneeds = ["sklearn-digits"]\n'
        )
        material = load_assignment(course, "toy")
        assert extras_for(material) == ["data", "torch"]
        source = "dl-grader @ git+https://github.com/my-course/dl-grader@v0.1.0"
        made = export_gradescope(material, tmp_path / "a.zip", source=source)
    finally:
        spec.write_text(original)
    assert made.requirement.startswith("dl-grader[data,torch] @ git+https://github.com/my-course")
    assert made.index_options == ["--extra-index-url", TORCH_CPU_INDEX]
    with zipfile.ZipFile(made.path) as archive:
        setup = archive.read("setup.sh").decode()
        assert not any(n.startswith("grader-src/") for n in archive.namelist())
    assert f"--extra-index-url {TORCH_CPU_INDEX}" in setup
    assert "'dl-grader[data,torch] @ git+https://github.com/my-course/dl-grader@v0.1.0'" in setup


def test_numpy_assignment_installs_the_core_only(course: Path) -> None:
    """Does the toy assignment (numpy only) install the grader with no extras?"""
    assert extras_for(load_assignment(course, "toy")) == []


def test_grader_source_must_name_a_requirement() -> None:
    """Is a --grader-source that is not a pip requirement refused with the fix?"""
    with pytest.raises(InstructorError, match="--grader-source must be a pip requirement"):
        grader_requirement("git+https://github.com/x/y", ["torch"], bundled="b")
    assert grader_requirement("dl-grader==0.1.0", [], bundled="b") == "dl-grader==0.1.0"


def test_cli_writes_the_zip(course: Path, tmp_path: Path) -> None:
    """Does `grader export gradescope -a toy -o PATH` write the zip and say what it installs?"""
    out = tmp_path / "ag.zip"
    result = CliRunner().invoke(
        app, ["export", "gradescope", "-a", "toy", "-o", str(out), "--course", str(course)]
    )
    assert result.exit_code == 0, result.output
    assert zipfile.is_zipfile(out)
    assert "setup.sh installs" in result.output


REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("assignment", "extras"),
    [("nn_numpy", ["data"]), ("backprop_torch", ["data", "torch"]), ("cnn_classifiers", ["torch"])],
)
def test_course_assignments_get_their_extras(assignment: str, extras: list[str]) -> None:
    """Does each of the course's assignments install the extras it needs, and no more?"""
    assert extras_for(load_assignment(REPO, assignment)) == extras


def test_data_root_outside_the_course_is_refused(course: Path, tmp_path: Path) -> None:
    """Is a [data] root outside the course refused, naming it, since the zip holds only the
    course?"""
    spec = course / "assignments/toy/assignment.toml"
    original = spec.read_text()
    try:
        spec.write_text(original + f'\n[data]\nroots = {{ mnist = "{tmp_path}" }}\n')
        material = load_assignment(course, "toy")
        with pytest.raises(InstructorError, match="outside the course"):
            export_gradescope(material, tmp_path / "a.zip", source="dl-grader")
    finally:
        spec.write_text(original)
    assert not (tmp_path / "a.zip").exists()
