"""`grader ci`: the job summary, annotations, JUnit XML and exit code, run as CI runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from grader.ci import workflow
from grader.ci.guard import private_course_allowed, private_tmp
from grader.ci.outputs import locate
from grader.ci.run import run_ci
from grader.errors import InstructorError
from grader.models import CheckResult
from grader.worker import landlock
from tests.test_selfcheck import make_toy, student
from tests.toycourse import solution


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The released toy course; its spec sets `[ci] pass_percent = 60`."""
    return make_toy(tmp_path_factory.mktemp("course"))


def grader_ci(folder: Path, summary: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`grader ci` in ``folder`` with the environment GitHub Actions gives a job."""
    env = {
        **os.environ,
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": str(folder),
    }
    env.pop("GRADER_COURSE", None)
    return subprocess.run(
        [sys.executable, "-c", "from grader.cli import main; main()", "ci", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_ci_passing_submission(toy: Path, tmp_path: Path) -> None:
    """Does a passing submission exit 0 with a summary table, JUnit XML and no annotations?"""
    folder = student(toy, tmp_path / "repo", solution())
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    proc = grader_ci(folder, summary, "--assignment", "toy")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "::error" not in proc.stdout
    text = summary.read_text()
    assert text.startswith("earlier step\n")  # appended, not overwritten
    assert "### ✅ toy: 2 / 2 points, 100% (passes the threshold of 60%)" in text
    assert "| ✅ passed | `test_scale_public` | Scaling | 1/1 |  |" in text
    root = ET.parse(folder / "grader-junit.xml").getroot()
    assert root.tag == "testsuites" and root.get("tests") == "2" and root.get("failures") == "0"
    assert [s.get("name") for s in root.iter("testsuite")] == ["Scaling"]
    assert [c.get("name") for c in root.iter("testcase")] == [
        "test_scale_public",
        "test_scale_roundtrip_public",
    ]


def test_ci_failing_submission(toy: Path, tmp_path: Path) -> None:
    """Does the template exit 1, with an ::error on the failing function's line, an <error>
    per check in the JUnit XML and a summary saying it is below the threshold?"""
    template = (toy / "student_template/toy/ops.py").read_text()
    folder = student(toy, tmp_path / "repo", template)
    summary = tmp_path / "summary.md"
    proc = grader_ci(folder, summary, "--junit", "out/junit.xml")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    line = template.splitlines().index('    raise NotImplementedError("scale: your code here")') + 1
    errors = [x for x in proc.stdout.splitlines() if x.startswith("::error ")]
    assert len(errors) == 2
    assert errors[0].startswith(
        f"::error file=ops.py,line={line},title=test_scale_public (error)::ops.scale(...) raised"
    )
    text = summary.read_text()
    assert "### ❌ toy: 0 / 2 points, 0% (**below the threshold of 60%**)" in text
    assert (
        "| ❌ error | `test_scale_public` | Scaling | 0/1 | ops\\.scale\\(\\.\\.\\.\\) raised"
        in text
    )
    root = ET.parse(folder / "out/junit.xml").getroot()
    assert root.get("errors") == "2"
    case = next(c for c in root.iter("testcase") if c.get("name") == "test_scale_public")
    error = case.find("error")
    assert error is not None and error.get("type") == "error"
    assert "NotImplementedError" in (error.text or "")


def test_threshold_option_and_spec(toy: Path, tmp_path: Path) -> None:
    """Does --threshold override the spec's pass_percent, a check that could not run count
    neither way in public mode, and outside CI no summary or annotation appear?"""
    off = solution({"return k * x": "return k * x + 1e-3"})  # one failed, one not run
    folder = student(toy, tmp_path / "repo", off)
    junit = tmp_path / "junit.xml"
    spec = run_ci(folder, "toy", env={}, junit=junit)
    assert spec.threshold == 60 and spec.percent == 0 and not spec.passed
    assert spec.summary is None and spec.annotations == []
    lenient = run_ci(folder, None, env={}, junit=junit, threshold=0)
    assert lenient.passed and lenient.threshold == 0
    assert ET.parse(junit).getroot().get("skipped") == "1"
    good = run_ci(student(toy, tmp_path / "good", solution()), "toy", env={}, junit=junit)
    assert good.passed and good.percent == 100


NO_LANDLOCK = pytest.mark.skipif(
    not landlock.abi_version() or not private_tmp(),
    reason="a private course under /tmp is graded only under Landlock, with a private /tmp",
)


@NO_LANDLOCK
def test_ci_with_the_course_grades_every_check(toy: Path, tmp_path: Path) -> None:
    """With GRADER_COURSE (the private bundle), are the hidden checks graded too?"""
    folder = student(toy, tmp_path / "repo", solution())
    outcome = run_ci(
        folder, "toy", env={"GRADER_COURSE": str(toy)}, junit=tmp_path / "j.xml", seed=3
    )
    names = {c.name for c in outcome.report.result.checks}
    assert {"test_norm_rows", "test_scale_matches_reference"} <= names
    assert outcome.report.mode == "all checks" and outcome.percent == 100


def test_print_workflow_fills_in_the_assignment() -> None:
    """Is the workflow a complete job for one assignment, with nothing left to fill but the source?"""
    text = workflow("nn_numpy", "dl-grader @ git+https://github.com/c/g@v1")
    for needed in (
        "actions/checkout@v4",
        "persist-credentials: false",
        'python-version: "3.11"',
        'GRADER_SOURCE: "dl-grader @ git+https://github.com/c/g@v1"',
        'python -I -m pip install --disable-pip-version-check "$GRADER_SOURCE"',
        "python -I -m grader.ci",
        "--assignment nn_numpy",
        "actions/upload-artifact@v4",
        "GRADER_COURSE_TGZ: ${{ secrets.GRADER_COURSE_TGZ }}",
    ):
        assert needed in text, needed
    assert "{{assignment}}" not in text and "{{grader_source}}" not in text and "\t" not in text


def test_workflow_keeps_the_secret_in_the_grading_step() -> None:
    """Is the secret in no job-level env (only whether it is set, as a flag for the pip
    cache) and in exactly one step, which unpacks it outside
    the checkout and replaces itself with `python -I -m grader.ci` without it; does every
    step that runs a command start outside the checkout with an isolated Python; and does
    the checkout keep no credentials?"""
    job = yaml.safe_load(workflow("toy", "dl-grader"))["jobs"]["grade"]
    assert job["env"] == {
        "GRADER_PUBLIC_ONLY": "${{ secrets.GRADER_COURSE_TGZ == '' && 'yes' || '' }}"
    }
    steps = job["steps"]
    with_secret = [s for s in steps if "secrets." in yaml.safe_dump(s)]
    assert len(with_secret) == 1 and with_secret[0]["env"] == {
        "GRADER_COURSE_TGZ": "${{ secrets.GRADER_COURSE_TGZ }}"
    }
    grading = with_secret[0]["run"]
    assert "tar -xz -C course" in grading
    last = grading[grading.index("exec ") :]
    assert last.startswith("exec env -u GRADER_COURSE_TGZ python -I -m grader.ci ")
    for step in (s for s in steps if "run" in s):
        first = step["run"].splitlines()[0]
        assert first == 'cd "$RUNNER_TEMP"', step
        assert re.findall(r"\bpython\b(?! -I )", step["run"]) == [], step  # -I: no cwd
    assert steps[0]["uses"].startswith("actions/checkout@")
    assert steps[0]["with"]["persist-credentials"] is False
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert "cache" not in setup["with"]  # a cache any workflow run may write: see docs/ci.md


def test_course_inside_the_checkout_or_without_sandbox_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Does grading with the private course refuse a course inside the student's folder (or
    holding it), --no-sandbox, a course or runner file that a worker without a private /tmp
    could reach, and a machine without Landlock, saying why?"""
    work = Path("/home/runner/work")  # GitHub's layout; nothing here needs to exist
    repo, course = work / "hw/hw", work / "_temp/course"
    monkeypatch.setattr("grader.ci.guard.landlock.abi_version", lambda: 6)
    monkeypatch.setattr("grader.ci.guard.private_tmp", lambda: False)  # no user namespaces
    private_course_allowed(repo, course, sandbox=True, env={"GITHUB_ENV": str(work / "_temp/e")})
    for inside in (repo / "course", repo, work):
        with pytest.raises(InstructorError, match="overlap"):
            private_course_allowed(repo, inside, sandbox=True)
    with pytest.raises(InstructorError, match="--no-sandbox"):
        private_course_allowed(repo, course, sandbox=False)
    for where, env in ((Path("/tmp/course"), {}), (course, {"GITHUB_ENV": "/dev/shm/env"})):
        with pytest.raises(InstructorError, match="under /tmp or /dev/shm"):
            private_course_allowed(repo, where, sandbox=True, env=env)
    monkeypatch.setattr("grader.ci.guard.private_tmp", lambda: True)  # a private /tmp hides it
    private_course_allowed(repo, Path("/tmp/course"), sandbox=True, env={"GITHUB_ENV": "/tmp/e"})
    monkeypatch.setattr("grader.ci.guard.landlock.abi_version", lambda: 0)
    with pytest.raises(InstructorError, match="no Landlock"):
        private_course_allowed(repo, course, sandbox=True)


def result(name: str, traceback: str = "") -> CheckResult:
    return CheckResult(
        name=name,
        visibility="public",
        status="failed",
        part="p",
        points=0,
        max_points=1,
        student_traceback=traceback,
    )


def test_locate_prefers_the_traceback_then_the_def(tmp_path: Path) -> None:
    """Is the annotation's line the student's last frame, else the def named in the check?"""
    (tmp_path / "nn.py").write_text(
        "def sigmoid(x):\n    return x\n\n\ndef sigmoid_deriv(x):\n    return x\n\n\nclass BudgetCNN:\n    pass\n"
    )
    frames = 'File "nn.py", line 2, in sigmoid\nFile "nn.py", line 6, in sigmoid_deriv\nFile "/usr/lib/x.py", line 9'
    assert locate(result("test_sigmoid_values", frames), tmp_path, ["nn.py"]) == ("nn.py", 6)
    assert locate(result("test_sigmoid_values"), tmp_path, ["nn.py"]) == ("nn.py", 1)
    assert locate(result("test_sigmoid_deriv_values"), tmp_path, ["nn.py"]) == ("nn.py", 5)
    assert locate(result("test_budget_cnn_output_shape"), tmp_path, ["nn.py"]) == ("nn.py", 9)
    assert locate(result("test_relu_values"), tmp_path, ["nn.py"]) is None


def test_locate_ignores_links_outside_files_and_huge_line_numbers(tmp_path: Path) -> None:
    """Does an annotation never come from a linked file (a link to the reference would give
    away its definitions), a frame outside the folder, or a 5,000-digit line number?"""
    course, folder = tmp_path / "course", tmp_path / "repo"
    course.mkdir()
    folder.mkdir()
    (course / "ref.py").write_text("def sigmoid(x):\n    return x\n")
    (folder / "ref.py").symlink_to(course / "ref.py")
    (tmp_path / "outside.py").write_text("x = 1\n")
    (folder / "nn.py").write_text("y = 2\n")
    frames = f'File "../outside.py", line 1\nFile "nn.py", line {"9" * 5000}\nFile "ref.py", line 1'
    assert locate(result("test_sigmoid_values", frames), folder, ["ref.py", "nn.py"]) is None
