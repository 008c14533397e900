"""The executor interface: is a new executor one class and one registry entry, and does
``grade()`` still give every submission a result whatever an executor yields?"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from grader import executors
from grader.errors import InstructorError
from grader.grade import grade
from grader.lane import GradeTask, LaneResult, grade_one
from tests.toycourse import make_course, solution


class InProcess:
    """Grades each task here, one by one: the smallest executor there is."""

    def __init__(self, jobs: int, address: str | None) -> None:
        self.seen: list[str] = []

    def run(self, tasks: list[GradeTask]) -> Iterator[LaneResult]:
        for task in tasks:
            self.seen.append(task.submission.student)
            yield grade_one(task)


class Forgetful(InProcess):
    """Drops the last submission: an executor must not be able to lose one."""

    def run(self, tasks: list[GradeTask]) -> Iterator[LaneResult]:
        yield from super().run(tasks[:-1])


def _class(root: Path) -> Path:
    subs = root / "subs"
    for name, text in {
        "alice": solution(),
        "bob": solution({"(x * x).sum(axis=1)": "(x * x).sum(axis=0)"}),
    }.items():
        (subs / name).mkdir(parents=True)
        (subs / name / "ops.py").write_text(text)
    return subs


@pytest.fixture
def course(tmp_path: Path) -> Path:
    return make_course(tmp_path)


def test_a_registered_executor_grades_the_class(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One class in EXECUTORS is all `--executor NAME` needs; results stream through it."""
    made: list[InProcess] = []

    def factory(jobs: int, address: str | None) -> InProcess:
        made.append(InProcess(jobs, address))
        return made[-1]

    monkeypatch.setitem(executors.EXECUTORS, "inprocess", factory)
    report = grade(course, "toy", _class(tmp_path), tmp_path / "out", seed=3, executor="inprocess")
    assert made and sorted(made[0].seen) == ["alice", "bob"]
    scores = {r.student: (r.score, r.max_score) for r in report.results}
    assert scores["alice"][0] == scores["alice"][1] > scores["bob"][0]
    assert (tmp_path / "out" / "alice" / "result.json").is_file()


def test_a_submission_an_executor_loses_still_gets_a_result(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """grade() closes the gap: the lost submission gets the grader-fault result, on disk too."""
    monkeypatch.setitem(executors.EXECUTORS, "forgetful", Forgetful)
    report = grade(course, "toy", _class(tmp_path), tmp_path / "out", seed=3, executor="forgetful")
    lost = {r.student: r for r in report.results}["bob"]
    assert lost.score == 0 and lost.grader_fault == "lane failed twice (no result came back)"
    assert (tmp_path / "out" / "bob" / "result.json").is_file()


def test_an_unknown_executor_is_an_instructor_error() -> None:
    with pytest.raises(InstructorError, match="--executor must be local or ray, given: 'slurm'"):
        executors.executor_named("slurm", 1, None)
