"""The command line: instructor mistakes exit 2 with a message that names the fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from grader.cli import PIPED_WIDTH, app
from tests.clirun import CODE, grader
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


def test_piped_output_keeps_long_names_whole(tmp_path: Path) -> None:
    """Piped (not a terminal), is a 110-character student name printed whole on one line?"""
    make_course(tmp_path)
    name = "student_" + "x" * 110
    (tmp_path / "subs" / name).mkdir(parents=True)
    (tmp_path / "subs" / name / "ops.py").write_text("def scale(x, k):\n    return k * x\n")
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    proc = subprocess.run(
        [sys.executable, "-c", CODE, "grade", "subs", "-a", "toy", "-o", "res", "--seed", "3"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    row = next(line for line in proc.stdout.splitlines() if "student_x" in line)
    assert name in row and "50" in row and "graded" in row
    assert max(len(line) for line in proc.stdout.splitlines()) <= PIPED_WIDTH


def _help_texts() -> list[tuple[str, str]]:
    """(command, help text) of every option and argument of every subcommand."""
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    return [
        (name, param.help)
        for name, command in commands.items()
        for param in command.params
        if getattr(param, "help", None)
    ]


def test_help_shows_square_brackets() -> None:
    """Does `validate --help` say "the spec's [device] policy" (rich markup must not eat it)?"""
    result = CliRunner().invoke(app, ["validate", "--help"], env={"COLUMNS": "300"})
    assert result.exit_code == 0
    assert "the spec's [device] policy" in result.output


def test_every_help_text_is_shown_as_written() -> None:
    """Is every option's help printed in full, brackets included, by its command's --help?"""
    runner = CliRunner()
    texts = _help_texts()
    assert any("[" in text for _, text in texts)
    for command, text in texts:
        shown = runner.invoke(app, [command, "--help"], env={"COLUMNS": "400"}).output
        flat = " ".join(shown.replace("│", " ").split())
        assert " ".join(text.replace("\\[", "[").split()) in flat, (command, text)


def test_a_quoted_number_of_points_says_the_fix(tmp_path: Path) -> None:
    """`test_scale_public = "1"`: does the command say the file, key, value, rule and fix?"""
    course = make_course(tmp_path)
    spec = course / "assignments/toy/assignment.toml"
    spec.write_text(spec.read_text().replace("test_scale_public = 1", 'test_scale_public = "1"'))
    proc = grader("validate", "--assignment", "toy", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{spec}: the assignment spec is invalid." in proc.stderr
    assert "parts.0.checks.test_scale_public: a check's entry is its points" in proc.stderr
    assert 'given "1" (text, in quotes); write test_scale_public = 1, without the quotes' in (
        proc.stderr
    )
    assert "CheckConfig" not in proc.stderr
