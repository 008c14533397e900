"""The command line: instructor mistakes exit 2 with a message that names the fix."""

from __future__ import annotations

from pathlib import Path

from tests.clirun import grader
from tests.toycourse import make_course


def test_unknown_assignment_lists_the_known_ones(tmp_path: Path) -> None:
    make_course(tmp_path)
    (tmp_path / "subs").mkdir()
    proc = grader("grade", "subs", "--assignment", "nope", cwd=tmp_path)
    assert proc.returncode == 2
    assert "unknown assignment 'nope'" in proc.stderr and "toy" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_spec_names_file_and_field(tmp_path: Path) -> None:
    course = make_course(tmp_path)
    spec = course / "assignments/toy/assignment.toml"
    spec.write_text(spec.read_text().replace("memory_mb = 1024", "memory_mb = 'lots'"))
    proc = grader("validate", "--assignment", "toy", cwd=tmp_path)
    assert proc.returncode == 2
    assert "assignment.toml" in proc.stderr and "limits.memory_mb" in proc.stderr


def test_missing_submissions_folder(tmp_path: Path) -> None:
    make_course(tmp_path)
    proc = grader("grade", "nowhere", "--assignment", "toy", cwd=tmp_path)
    assert proc.returncode == 2 and "nowhere" in proc.stderr and "Traceback" not in proc.stderr


def test_grade_prints_the_class_and_writes_results(tmp_path: Path) -> None:
    make_course(tmp_path)
    (tmp_path / "subs" / "amy").mkdir(parents=True)
    (tmp_path / "subs" / "amy" / "ops.py").write_text("def scale(x, k):\n    return k * x\n")
    proc = grader(
        "grade", "subs", "--assignment", "toy", "--out", "res", "--seed", "3", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert "amy" in proc.stdout and "seed 3" in proc.stdout
    assert (tmp_path / "res" / "amy" / "feedback.html").is_file()
    assert (tmp_path / "res" / "gradebook.csv").is_file()


def test_release_check_reports_stale_template(tmp_path: Path) -> None:
    make_course(tmp_path)
    proc = grader("release", "--assignment", "toy", "--check", cwd=tmp_path)
    assert proc.returncode == 1 and "stale" in proc.stdout
    assert grader("release", "--assignment", "toy", cwd=tmp_path).returncode == 0
    assert grader("release", "--assignment", "toy", "--check", cwd=tmp_path).returncode == 0
