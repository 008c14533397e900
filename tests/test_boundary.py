"""Does a failure of the grader's own code on one submission cost only that submission?

The code that reads student input refuses what it can with a plain reason; these tests make
it miss (a fault injected at each stage of one student's grading) and check what stands
behind it: the student gets a result saying the grader could not process it, with
``grader_fault`` set, and the students graded after it in the same batch get their full score.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import grader.lane as grade_module
from grader.boundary import GraderFault, contained, fault_of
from grader.errors import InstructorError
from grader.lane import GradeTask, grade_batch, lane_died
from grader.models import CheckOutcome, Submission, SubmissionResult
from tests.toycourse import make_course, solution

STUDENTS = ("alice", "mallory", "zoe")


def tasks(tmp_path: Path) -> list[GradeTask]:
    course = make_course(tmp_path / "course")
    subs, out, scratch = tmp_path / "subs", tmp_path / "out", tmp_path / "scratch"
    scratch.mkdir()
    made = []
    for name in STUDENTS:
        (subs / name).mkdir(parents=True)
        (subs / name / "ops.py").write_text(solution())
        made.append(
            GradeTask(
                course=course,
                assignment="toy",
                submission=Submission(student=name, path=subs / name, kind="directory"),
                out_dir=out,
                scratch_root=scratch,
                seed=7,
            )
        )
    return made


def fails_for_mallory(real: Callable[..., Any], exc: Exception) -> Callable[..., Any]:
    """``real``, except that it raises ``exc`` when any argument mentions mallory."""

    def patched(*args: Any, **kwargs: Any) -> Any:
        if "mallory" in repr(args)[:5000]:
            raise exc
        return real(*args, **kwargs)

    return patched


def graded(batch: list[GradeTask]) -> dict[str, SubmissionResult]:
    return {lane.result.student: lane.result for lane in grade_batch(batch)}


@pytest.mark.parametrize(
    ("stage", "target", "exc"),
    [
        ("reading the submission", "load", RecursionError("maximum recursion depth exceeded")),
        ("scoring", "scored", ValueError("Exceeds the limit (4300 digits) for integer string")),
        ("writing the results", "write_result", UnicodeEncodeError("utf-8", "\udc80", 0, 1, "x")),
    ],
)
def test_a_fault_at_any_stage_costs_only_that_submission(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str, target: str, exc: Exception
) -> None:
    """Is the faulty student's result a plain "could not process", and does everyone
    before and after it in the batch earn full marks?"""
    monkeypatch.setattr(grade_module, target, fails_for_mallory(getattr(grade_module, target), exc))

    results = graded(tasks(tmp_path))

    assert set(results) == set(STUDENTS)
    for name in ("alice", "zoe"):
        assert results[name].score == results[name].max_score == 6, results[name]
        assert results[name].grader_fault is None
    faulty = results["mallory"]
    assert faulty.score == 0 and not faulty.gradable
    assert (faulty.not_gradable_reason or "").startswith(
        f"the grader could not process this submission ({stage}: {type(exc).__name__}"
    )
    assert faulty.grader_fault is not None and faulty.grader_fault.startswith(stage)
    assert faulty.content_hash == "", "a re-run must grade it again"
    saved = tmp_path / "out" / "mallory" / "result.json"
    assert SubmissionResult.model_validate_json(saved.read_text()) == faulty


def test_an_instructor_error_still_stops_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An instructor's mistake is the same for every student: it is raised, not contained."""
    wrong = InstructorError("assignment.toml: no such part")
    monkeypatch.setattr(grade_module, "load", fails_for_mallory(grade_module.load, wrong))

    with pytest.raises(InstructorError, match="no such part"):
        grade_batch(tasks(tmp_path))


def test_a_fault_is_described_briefly_and_without_control_characters() -> None:
    """A hostile exception message (huge, with escape sequences) is cut and cleaned."""
    fault = contained("scoring", lambda: (_ for _ in ()).throw(ValueError("\x1b[2J" + "9" * 10**6)))

    assert isinstance(fault, GraderFault)
    assert "\x1b" not in fault.error and len(fault.error) < 400
    assert fault.error.startswith("ValueError: 999") and "1,000,004 characters" in fault.error


def test_a_lane_that_fails_twice_says_what_it_raised(tmp_path: Path) -> None:
    """The pool's last resort: the result names the failure and is marked a grader fault."""
    task = tasks(tmp_path)[1]
    why = fault_of("grading", KeyError("mallory")).error

    result = lane_died(task, since=0.0, why=why)

    assert "failed twice (KeyError: 'mallory')" in (result.not_gradable_reason or "")
    assert result.grader_fault == "lane failed twice (KeyError: 'mallory')"
    assert lane_died(task, since=0.0).grader_fault == "lane crashed twice"


def test_grade_exits_3_naming_each_submission_the_grader_failed_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Does the command say which submissions hit a grader fault, and exit 3 (not 0)?"""
    import typer

    from grader.cli import _exit_on_grader_faults

    task = tasks(tmp_path)[1]
    failed = lane_died(task, since=0.0, why="RecursionError: \x1b[2Jdeep")
    fine = failed.model_copy(update={"student": "alice", "grader_fault": None})

    _exit_on_grader_faults([fine])  # no fault: returns
    with pytest.raises(typer.Exit) as stopped:
        _exit_on_grader_faults([fine, failed])

    assert stopped.value.exit_code == 3
    err = capsys.readouterr().err
    assert "could not process 1 submission(s)" in err and "mallory: lane failed twice" in err
    assert "\x1b" not in err


def test_no_conftest_above_the_checks_runs_in_the_trusted_process(tmp_path: Path) -> None:
    """A conftest.py in a folder above the course (``/tmp`` on a shared machine) is not
    loaded by the checks' pytest session."""
    marker = tmp_path / "planted-ran"
    (tmp_path / "conftest.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")

    results = graded(tasks(tmp_path))

    assert not marker.exists()
    assert all(r.score == 6 for r in results.values())


def test_a_fault_while_the_checks_run_costs_only_that_submission(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Does a fault of the grader's own code in the middle of one submission's checks (here,
    streaming an outcome to its progress file) give that submission a "could not process"
    result, and do the next ones still run every check in the same pytest session?"""
    from grader.progress import ProgressWriter

    real = ProgressWriter.record

    def record(self: ProgressWriter, outcome: CheckOutcome) -> None:
        # mid-turn: a check of the second file is next, whose fixtures are set up
        if "mallory" in str(self.path) and outcome.name == "test_scale_matches_reference":
            raise OSError("No space left on device")
        real(self, outcome)

    monkeypatch.setattr(ProgressWriter, "record", record)

    results = graded(tasks(tmp_path))

    assert set(results) == set(STUDENTS)
    for name in ("alice", "zoe"):
        assert results[name].score == results[name].max_score == 6, results[name]
        assert results[name].grader_fault is None
    faulty = results["mallory"]
    assert faulty.score == 0 and not faulty.gradable
    assert (faulty.grader_fault or "").startswith("grading: OSError: No space left on device")
    assert (faulty.not_gradable_reason or "").startswith(
        "the grader could not process this submission (grading: OSError"
    )
