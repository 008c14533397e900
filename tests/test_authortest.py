"""grader test: the checks in the foreground, on the reference, a folder or a mutant."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.clirun import grader
from tests.toycourse import make_course, solution

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_course(tmp_path_factory.mktemp("course"))
    wrong = root / "wrong_scale"  # both scale checks fail, norm_rows passes
    wrong.mkdir()
    (wrong / "ops.py").write_text(solution({"return k * x": "return k + x"}))
    return root


def run_test(course: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``grader test -a toy ARGS`` in the course folder."""
    return grader("test", "-a", "toy", *args, cwd=course)


def test_reference_passes_every_check(course: Path) -> None:
    """Does the default run (the reference) pass all three checks, public and hidden, exit 0?"""
    done = run_test(course)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "test_public.py ." in done.stdout and "test_hidden.py .." in done.stdout
    assert "3 passed" in done.stdout


def test_a_mutant_fails_its_target_with_a_traceback(course: Path) -> None:
    """Does --mutant run the mutated reference: its target fails with pytest's own traceback
    (the check's line and the message), the others pass, exit 1?"""
    done = run_test(course, "--mutant", "norm_wrong_axis")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED" in done.stdout and "test_hidden.py::test_norm_rows" in done.stdout
    assert "expect.close(submission.ops.norm_rows(x)" in done.stdout  # the failing line
    assert "should have shape (6,)" in done.stdout
    assert "1 failed, 2 passed" in done.stdout


def test_k_selects_checks(course: Path) -> None:
    """Does -k run only the matching checks (exit 5 when none match)?"""
    done = run_test(course, "--mutant", "norm_wrong_axis", "-k", "scale")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed, 1 deselected" in done.stdout
    none = run_test(course, "-k", "no_such_check")
    assert none.returncode == 5 and "3 deselected" in none.stdout


def test_a_submission_folder_and_x(course: Path) -> None:
    """Does --submission grade a folder, and -x stop at its first failing check?"""
    done = run_test(course, "--submission", str(course / "wrong_scale"))
    assert done.returncode == 1 and "2 failed, 1 passed" in done.stdout, done.stdout
    first = run_test(course, "--submission", str(course / "wrong_scale"), "-x")
    assert first.returncode == 1 and "1 failed in" in first.stdout, first.stdout
    assert "test_norm_rows" not in first.stdout.split("short test summary")[0].split("FAILURES")[0]


def test_pytest_options_pass_through(course: Path) -> None:
    """Do options after `--` reach pytest (-v names each check and its result)?"""
    done = run_test(course, "--", "-v", "--tb=line")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "test_public.py::test_scale_public PASSED" in done.stdout


def test_pdb_stops_at_the_failure(course: Path) -> None:
    """Does --pdb open the debugger in the failing check, in the trusted process?"""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from grader.cli import main; main()",
            "test",
            "-a",
            "toy",
            "--mutant",
            "norm_wrong_axis",
            "--pdb",
        ],
        cwd=course,
        input="up\nup\np x.shape\nq\n",
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "test_norm_rows()" in done.stdout and "(Pdb) (6, 5)\n" in done.stdout, done.stdout
    assert "Quitting debugger" in done.stdout and done.returncode == 2


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["--mutant", "norm_wrong_axes"],
            "no mutant named 'norm_wrong_axes' (did you mean norm_wrong_axis?)",
        ),
        (["--submission", "missing"], "no such submission folder"),
        (["--submission", "wrong_scale", "--mutant", "norm_wrong_axis"], "not both"),
    ],
)
def test_bad_targets_say_the_fix(course: Path, args: list[str], said: str) -> None:
    done = run_test(course, *args)
    assert done.returncode == 2 and said in done.stderr, done.stderr


def test_plain_pytest_points_to_grader_test(course: Path) -> None:
    """Does plain `pytest assignments/toy/checks` say to run `grader test -a toy`, not only
    "fixture 'submission' not found"? (The stub is the package's pytest11 plugin.)"""
    entry = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]
    assert entry["pytest11"] == {"grader-checks": "grader.pytest_stub"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "grader.pytest_stub", "assignments/toy/checks"],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )
    assert done.returncode == 1, done.stdout
    assert "run them with `grader test -a toy`" in done.stdout
    assert "3 errors" in done.stdout
