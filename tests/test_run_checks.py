"""The run stage as a plain call: one check session (pytest started, the checks collected
once) and :meth:`grader.run.CheckSession.run_checks` per submission, returning its outcome."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from grader.course import Assignment, load_assignment
from grader.errors import MaterialError
from grader.load import load
from grader.models import CheckOutcome, LoadedSubmission, Submission
from grader.remote import SubmissionSession
from grader.run import check_session
from grader.selfcheck.fresh import forget_check_modules
from tests.toycourse import make_course, solution

SEED_CHECK = '''
def test_norm_rows(submission, seed):
    """The check sees the submission's seed."""
    expect.that(seed == 11, f"ran at seed {seed}")  # a bare assert's value would be redacted
'''


def _course(root: Path, hidden_extra: str = "") -> Assignment:
    forget_check_modules()  # each test's checks, not an earlier test's of the same name
    course = make_course(root / "course")
    if hidden_extra:
        hidden = course / "assignments/toy/checks/hidden/test_hidden.py"
        text = hidden.read_text()
        cut = text.index("def test_norm_rows")
        hidden.write_text(text[:cut] + hidden_extra)
    return load_assignment(course, "toy")


def _loaded(root: Path, assignment: Assignment, student: str, code: str) -> LoadedSubmission:
    folder = root / "subs" / student
    folder.mkdir(parents=True)
    (folder / "ops.py").write_text(code)
    scratch = root / "scratch" / student
    scratch.mkdir(parents=True)
    submission = Submission(student=student, path=folder, kind="directory")
    return load(submission, assignment.spec, scratch, provided=assignment.provided_files())


def _statuses(outcomes: list[CheckOutcome]) -> dict[str, str]:
    return {o.name: o.status for o in outcomes}


def test_one_session_runs_each_submission_at_its_own_seed(tmp_path: Path) -> None:
    """Does one session run every check on one submission after another, returning each
    one's outcome, at the seed given for that submission (the run's seed otherwise)?"""
    assignment = _course(tmp_path, SEED_CHECK)
    right = _loaded(tmp_path, assignment, "ann", solution())
    wrong = _loaded(tmp_path, assignment, "bob", solution({"return k * x": "return x"}))

    with check_session(assignment, seed=7) as checks:
        first = checks.run_checks(right, output_path=tmp_path / "ann.out", seed=11)
        second = checks.run_checks(wrong, output_path=tmp_path / "bob.out")

    assert _statuses(first.outcomes) == {
        "test_scale_public": "passed",
        "test_scale_matches_reference": "passed",
        "test_norm_rows": "passed",
    }
    assert _statuses(second.outcomes) == {
        "test_scale_public": "failed",
        "test_scale_matches_reference": "failed",
        "test_norm_rows": "failed",
    }
    norm = next(o for o in second.outcomes if o.name == "test_norm_rows")
    assert "ran at seed 7" in norm.message
    assert first.workers_started == second.workers_started == 1


def test_resumed_checks_are_kept_and_not_run_again(tmp_path: Path) -> None:
    """Is a check an interrupted run finished returned as it was, without running again, while
    each check that does run is streamed to ``on_check`` as soon as it is known?"""
    assignment = _course(tmp_path)
    wrong = _loaded(tmp_path, assignment, "bob", solution({"return k * x": "return x"}))
    kept = CheckOutcome(
        name="test_scale_public", visibility="public", status="passed", message="from before"
    )
    streamed: list[str] = []

    with check_session(assignment, seed=7) as checks:
        run = checks.run_checks(
            wrong,
            output_path=tmp_path / "bob.out",
            resumed={kept.name: kept},
            on_check=lambda outcome: streamed.append(outcome.name),
        )

    assert streamed == ["test_scale_matches_reference", "test_norm_rows"]
    outcomes = {o.name: o for o in run.outcomes}
    assert outcomes["test_scale_public"] == kept
    assert outcomes["test_scale_matches_reference"].status == "failed"


def test_an_instructor_error_raises_and_the_worker_is_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Is an InstructorError in a check raised as a MaterialError (the checks are broken, not
    the submission), with the submission's worker closed, and does the session refuse to go on?"""
    broken = '''
def test_norm_rows(submission):
    """A check whose data is missing."""
    from grader.errors import MaterialError

    raise MaterialError("norms.npz is missing")
'''
    assignment = _course(tmp_path, broken)
    right = _loaded(tmp_path, assignment, "ann", solution())
    closed: list[SubmissionSession] = []
    real_close = SubmissionSession.close

    def close(self: SubmissionSession) -> None:
        closed.append(self)
        real_close(self)

    monkeypatch.setattr(SubmissionSession, "close", close)

    with check_session(assignment, seed=7) as checks:
        with pytest.raises(MaterialError, match="norms.npz is missing"):
            checks.run_checks(right, output_path=tmp_path / "ann.out")
        assert closed, "the worker was left running"
        with pytest.raises(MaterialError, match="norms.npz is missing"):
            checks.run_checks(right, output_path=tmp_path / "ann.out")


def test_a_check_file_that_cannot_be_collected_stops_before_any_submission(
    tmp_path: Path,
) -> None:
    """Is a collection error raised when the session starts, naming the file?"""
    assignment = _course(tmp_path)
    hidden = assignment.checks_dir("hidden") / "test_hidden.py"
    hidden.write_text("import no_such_module\n" + hidden.read_text())
    entered = False

    with pytest.raises(MaterialError, match=r"test_hidden\.py: the check file cannot be collected"):
        with check_session(assignment, seed=7):
            entered = True

    assert not entered


def test_the_session_is_quiet_and_leaves_the_process_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Does pytest print nothing of its own, load no third-party plugin, and give back
    stdout, the environment and the working folder as they were?"""
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    assignment = _course(tmp_path)
    right = _loaded(tmp_path, assignment, "ann", solution())
    stdout, cwd = sys.stdout, os.getcwd()

    with check_session(assignment, seed=7) as checks:
        assert os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] == "1"
        run = checks.run_checks(right, output_path=tmp_path / "ann.out")

    assert {o.status for o in run.outcomes} == {"passed"}
    assert capsys.readouterr() == ("", "")
    assert sys.stdout is stdout and os.getcwd() == cwd
    assert "PYTEST_DISABLE_PLUGIN_AUTOLOAD" not in os.environ
