"""The pipeline for a whole class: discover -> lanes (load -> run checks -> score -> write)
-> class outputs.

:func:`grade` finds the submissions, makes one :class:`grader.lane.GradeTask` each, hands
them to an executor (:mod:`grader.executors`: lanes here, or Ray tasks on a cluster), makes
sure every submission got a result, and writes the class outputs of ``grader grade``
(:data:`grader.outputs.CLASS_OUTPUTS`: the gradebook). One submission's own pipeline
is :func:`grader.lane.grade_batch`.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from grader import atomic
from grader.checks.heldout import resolve_key
from grader.course import Assignment, load_assignment
from grader.coursebook.models import Change
from grader.coursebook.store import Coursebook
from grader.courserun import CourseRun
from grader.datasets import require
from grader.discover import discover
from grader.errors import InstructorError
from grader.executors import executor_named
from grader.lane import GradeTask, LaneResult, lane_died, write_result
from grader.models import GradeReport, RunInfo, Submission, SubmissionResult
from grader.outputs import write_class
from grader.procutil import usable_cores
from grader.report.results import ResultsFolder
from grader.run import resolve_device
from grader.spec import gpu_share
from grader.suggest import did_you_mean

__all__ = ["grade"]


def grade(
    course: Path,
    assignment_id: str,
    submissions_dir: Path,
    out_dir: Path,
    *,
    jobs: int = 1,
    seed: int | None = None,
    force: bool = False,
    sandbox: bool = True,
    device: str | None = None,
    on_result: Callable[[LaneResult], None] | None = None,
    executor: str = "local",
    address: str | None = None,
    course_run: CourseRun | None = None,
    only: list[str] | None = None,
    reason: str = "graded",
) -> GradeReport:
    """Grade every submission in ``submissions_dir``; results land in ``out_dir`` as they finish.

    ``executor`` names one of :data:`grader.executors.EXECUTORS`: "local" (a pool of lanes
    here) or "ray" (Ray tasks on the cluster at ``address``, or on a local Ray when it is
    None; see :mod:`grader.cluster`). With ``course_run`` (:mod:`grader.courserun`) each
    result carries its lateness and is recorded in the course gradebook as it comes back,
    with ``reason`` in the audit log ("graded", "regrade"). ``only`` grades just those
    students."""
    runner = executor_named(executor, jobs, address)
    started = time.monotonic()
    started_at = datetime.now(UTC)
    material = load_assignment(course, assignment_id)  # fail fast, before any lane starts
    require(material.spec.data.needs, material.data_roots())
    policy = device or material.spec.device.policy
    # a cluster's GPUs are on its nodes: grader.cluster checks "cuda" there, not here
    device_name = "cuda" if executor == "ray" and policy == "cuda" else resolve_device(policy)
    submissions = _only(discover(submissions_dir), only, submissions_dir)
    seed_given = seed is not None
    seed = secrets.randbits(31) if seed is None else seed
    threads = max(1, usable_cores() // max(jobs, 1))  # jobs x threads = the cores
    share = _gpu_share(material, jobs) if device_name == "cuda" else None
    out_dir.mkdir(parents=True, exist_ok=True)
    heldout_key = resolve_key(out_dir)  # $GRADER_HELDOUT_KEY or <out>/.heldout-key
    scratch = Path(tempfile.mkdtemp(prefix="grader-scratch-"))
    tasks = [
        GradeTask(
            course=course,
            assignment=assignment_id,
            submission=s,
            out_dir=out_dir,
            scratch_root=scratch,
            seed=seed,
            seed_given=seed_given,
            force=force,
            threads=threads,
            sandbox=sandbox,
            device=device_name,
            gpu_memory_fraction=share,
            heldout_key=heldout_key,
            late=course_run.lateness(assignment_id, s) if course_run is not None else None,
        )
        for s in submissions
    ]
    done: dict[str, LaneResult] = {}
    changes: list[Change] = []
    sources = {t.submission.student: t.submission.path for t in tasks}

    with _gradebook(course_run, material, submissions_dir, out_dir, reason) as book:

        def record(lane: LaneResult) -> None:
            done[lane.result.student] = lane
            if book is not None:  # in its own transaction: a kill loses at most this one
                change = book.record(lane.result, sources[lane.result.student])
                if change is not None:
                    changes.append(change)
            if on_result is not None:
                on_result(lane)

        try:
            for lane in runner.run(tasks):
                record(lane)
            for task in tasks:  # no executor may leave a submission without a result
                if task.submission.student not in done:
                    lost = lane_died(task, time.time(), "no result came back")
                    write_result(lost, out_dir)
                    record(LaneResult(result=lost))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
            finished = [
                done[t.submission.student].result for t in tasks if t.submission.student in done
            ]
            write_class(ResultsFolder.graded(out_dir, finished), "grade")
        info = _run_info(assignment_id, started_at, started, jobs, finished, done)
        if only is None:  # the class report's run: some students' regrade is not one
            atomic.write_text(out_dir / "run.json", info.model_dump_json(indent=2) + "\n")
        if book is not None:
            book.finish(info.wall_s, info.lane_s)
    return GradeReport(
        assignment=assignment_id,
        out_dir=out_dir,
        seed=seed,
        results=[done[t.submission.student].result for t in tasks],
        skipped_unchanged=sorted(s for s, r in done.items() if r.skipped),
        duration_s=info.wall_s,
        changes=changes,
    )


class _RunBook:
    """The course gradebook during one run: each result recorded under the run's id."""

    def __init__(self, book: Coursebook, run_id: int, reason: str) -> None:
        self._book, self._run_id, self._reason = book, run_id, reason

    def record(self, result: SubmissionResult, source: Path) -> Change | None:
        return self._book.record(self._run_id, result, source, reason=self._reason)

    def finish(self, wall_s: float, lane_s: float) -> None:
        self._book.finish_run(self._run_id, wall_s, lane_s)


@contextmanager
def _gradebook(
    course_run: CourseRun | None,
    material: Assignment,
    submissions_dir: Path,
    out_dir: Path,
    reason: str,
) -> Iterator[_RunBook | None]:
    """The course gradebook, open for this run (None without a course file)."""
    if course_run is None:
        yield None
        return
    with Coursebook.open(course_run.gradebook) as book:
        book.sync_course(course_run.course)
        spec = material.spec
        book.set_assignment(spec.id, spec.title, spec.max_points)
        book.sync_manual(spec.id, spec.manual)
        kind = "regrade" if reason == "regrade" else "grade"
        run_id = book.begin_run(spec.id, submissions_dir.resolve(), out_dir.resolve(), kind)
        yield _RunBook(book, run_id, reason)


def _run_info(
    assignment: str,
    started_at: datetime,
    started: float,
    jobs: int,
    finished: list[SubmissionResult],
    done: dict[str, LaneResult],
) -> RunInfo:
    return RunInfo(
        assignment=assignment,
        started_at=started_at,
        wall_s=round(time.monotonic() - started, 3),
        lane_s=round(sum(r.duration_s for r in finished), 3),
        jobs=jobs,
        submissions=len(finished),
        skipped_unchanged=sum(1 for r in done.values() if r.skipped),
    )


def _only(submissions: list[Submission], only: list[str] | None, folder: Path) -> list[Submission]:
    """The submissions of the students in ``only`` (all of them when None); a name with no
    submission is the instructor's typo and fails fast."""
    if only is None:
        return submissions
    names = [s.student for s in submissions]
    for name in only:
        if name not in names:
            raise InstructorError(
                f"no submission for {name!r} in {folder}{did_you_mean(name, names)}; "
                "give a student who has a folder or file there"
            )
    return [s for s in submissions if s.student in only]


def _gpu_share(assignment: Assignment, lanes: int) -> float:
    """Each worker's share of the GPU's memory; lanes x share may not exceed the GPU."""
    configured = assignment.spec.device.gpu_memory_fraction
    share = gpu_share(configured, lanes)
    if share * lanes > 1.0:
        raise InstructorError(
            f"{assignment.dir / 'assignment.toml'}: [device] gpu_memory_fraction = {configured} "
            f"with --jobs {lanes} gives the lanes more than the whole GPU; lower one of them "
            f"(at most {1.0 / lanes:.3f} for {lanes} lanes) or leave the fraction out"
        )
    return share
