"""One lane: the trusted helper process that grades submissions, one after another.

:func:`grade_batch` opens one check session (:func:`grader.run.check_session`: pytest started
and the checks collected once) and takes each submission through :func:`_grade`, a plain loop
body that reads top to bottom:

1. load: :func:`_load` (:func:`grader.load.load`) -> a :class:`LoadedSubmission`; a submission
   :func:`unchanged` since its last result is skipped, one that cannot be graded is scored as is;
2. resume: :func:`_resume` keeps the checks an interrupted run finished;
3. run the checks: :func:`_run_checks` (:meth:`grader.run.CheckSession.run_checks`) -> a
   :class:`grader.run.RunOutcome`;
4. score: :func:`scored` (:func:`grader.score.score`) -> a :class:`SubmissionResult`;
5. write: :func:`_write` (:func:`write_result`, result.json last).

:func:`grade_one` is a batch of one. The student's code runs one level further down, in the
worker. Each stage runs under :func:`grader.boundary.contained`, so the grader failing on one
student's input costs only that student (:func:`faulted`). An executor
(:mod:`grader.executors`) decides which lane grades which batch; :func:`grader.grade.grade`
composes the whole class.
"""

from __future__ import annotations

import functools
import shutil
import time
from pathlib import Path
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

import grader
from grader.boundary import GraderFault, contained, fault_reason
from grader.course import Assignment, load_assignment
from grader.load import load
from grader.models import (
    CheckOutcome,
    Lateness,
    LoadedSubmission,
    Submission,
    SubmissionResult,
)
from grader.notebook.cells import outcomes_in_cells, unit_notes
from grader.outputs import STUDENT_OUTPUTS
from grader.outputs.result_json import ResultJson
from grader.procutil import limit_threads
from grader.progress import (
    ProgressHeader,
    ProgressWriter,
    Resumed,
    progress_path,
    read_progress,
    resume,
)
from grader.run import CheckSession, RunOutcome, check_session
from grader.score import score

__all__ = [
    "GradeTask",
    "LaneResult",
    "faulted",
    "grade_batch",
    "grade_one",
    "lane_died",
    "output_tail",
    "previous_result",
    "result_path",
    "scored",
    "unchanged",
    "write_result",
    "write_summary",
]

_STDOUT_TAIL = 4000


class GradeTask(BaseModel):
    """Everything a lane needs to grade one submission (crosses between trusted processes)."""

    model_config = ConfigDict(extra="forbid")

    course: Path
    assignment: str
    submission: Submission
    out_dir: Path
    scratch_root: Path
    seed: int
    seed_given: bool = False
    force: bool = False
    threads: int = 1
    sandbox: bool = True
    device: str = "cpu"
    gpu_memory_fraction: float | None = None  # each worker's share of the GPU (cuda runs)
    # the held-out data's secret (grader.checks.heldout); kept out of repr, hence out of logs
    heldout_key: str | None = Field(default=None, repr=False)
    late: Lateness | None = None  # from the course file (grader.courserun); on the result as is


class LaneResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result: SubmissionResult
    skipped: bool = False


@functools.lru_cache(maxsize=8)
def _assignment(course: Path, assignment_id: str) -> Assignment:
    return load_assignment(course, assignment_id)


def result_path(out_dir: Path, student: str) -> Path:
    return out_dir / student / "result.json"


def previous_result(out_dir: Path, student: str) -> SubmissionResult | None:
    path = result_path(out_dir, student)
    try:
        return SubmissionResult.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def grade_one(task: GradeTask) -> LaneResult:
    """Load, check, score and write one submission. Student faults end up in the result."""
    return grade_batch([task])[0]


def grade_batch(tasks: list[GradeTask]) -> list[LaneResult]:
    """Grade several submissions of one assignment, one after another, with the checks collected
    once; each result is written as soon as it is known. Returns them in the tasks' order.

    An instructor's mistake (a check file that cannot be collected, an InstructorError in a
    check) stops the batch; anything the grader's own code raises on one submission's input
    costs only that submission (:func:`_grade`)."""
    first = tasks[0]
    limit_threads(first.threads)  # the lane's share of the cores, the same as its workers'
    assignment = _assignment(first.course, first.assignment)
    material = assignment.material_hash()
    with check_session(
        assignment, seed=first.seed, device=first.device, heldout_key=first.heldout_key
    ) as checks:
        return [_grade(task, assignment, material, checks) for task in tasks]


def _grade(
    task: GradeTask, assignment: Assignment, material: str, checks: CheckSession
) -> LaneResult:
    """One submission, top to bottom: load -> run the checks -> score -> write.

    Each stage runs under :func:`contained`: when the grader's code fails on this submission's
    input, it gets a result saying so (:func:`faulted`) and the batch goes on."""
    started = time.monotonic()
    loaded = contained("reading the submission", _load, task, assignment, material)
    if isinstance(loaded, GraderFault):
        return _write(assignment, task, faulted(assignment, task, loaded, started), started)
    try:
        before = None if task.force else unchanged(task, loaded)
        if before is not None and before.late == task.late:
            return LaneResult(result=before, skipped=True)
        if before is not None:  # the same work, a new submission time or deadline: rewrite
            lane = _write(assignment, task, before, started, before.seed)
            return lane.model_copy(update={"skipped": True})
        if loaded.workdir is None or not loaded.gradable:
            return _score_and_write(assignment, task, loaded, None, started=started, seed=task.seed)
        turn = contained("resuming", _resume, task, loaded)
        if isinstance(turn, GraderFault):
            return _write(assignment, task, faulted(assignment, task, turn, started), started)
        run = contained("grading", _run_checks, checks, task, turn)
        if isinstance(run, GraderFault):
            result = faulted(assignment, task, run, started, turn.seed)
            return _write(assignment, task, result, started, turn.seed)
        tail = output_tail(turn.output)
        lane = _score_and_write(
            assignment, task, turn.loaded, run, started=started, seed=turn.seed, stdout_tail=tail
        )
        turn.progress.finish()
        return lane
    finally:
        _cleanup(loaded)


def _run_checks(checks: CheckSession, task: GradeTask, turn: _Turn) -> RunOutcome:
    """The run stage: every check not kept from an interrupted run, each outcome streamed to
    the progress file as soon as it is known."""
    return checks.run_checks(
        turn.loaded,
        output_path=turn.output,
        seed=turn.seed,
        resumed=turn.resumed,
        on_check=turn.progress.record,
        threads=task.threads,
        sandbox=task.sandbox,
        gpu_memory_fraction=task.gpu_memory_fraction,
    )


def _score_and_write(
    assignment: Assignment,
    task: GradeTask,
    loaded: LoadedSubmission,
    run: RunOutcome | None,
    *,
    started: float,
    seed: int,
    stdout_tail: str = "",
) -> LaneResult:
    """Score a submission and write its result; a fault while scoring becomes its result."""
    result = contained(
        "scoring",
        scored,
        assignment,
        loaded,
        run,
        seed=seed,
        started=started,
        stdout_tail=stdout_tail,
    )
    if isinstance(result, GraderFault):
        result = faulted(assignment, task, result, started, seed)
    return _write(assignment, task, result, started, seed)


def _write(
    assignment: Assignment,
    task: GradeTask,
    result: SubmissionResult,
    started: float,
    seed: int | None = None,
) -> LaneResult:
    """Write the result, with the task's lateness; if writing it fails, the fault's result is
    written instead (the grader's own words), result.json alone at worst."""
    result = result.model_copy(update={"late": task.late})
    written = contained("writing the results", write_result, result, task.out_dir)
    if isinstance(written, GraderFault):
        result = faulted(assignment, task, written, started, seed)
        again = contained("writing the results", write_result, result, task.out_dir)
        if isinstance(again, GraderFault):
            contained("writing the results", write_summary, result, task.out_dir)
    return LaneResult(result=result)


def _load(task: GradeTask, assignment: Assignment, material: str) -> LoadedSubmission:
    return load(
        task.submission,
        assignment.spec,
        task.scratch_root,
        extra_hash=material,
        provided=assignment.provided_files(),
    )


def faulted(
    assignment: Assignment,
    task: GradeTask,
    fault: GraderFault,
    started: float,
    seed: int | None = None,
) -> SubmissionResult:
    """The result of a submission the grader's own code failed on: 0 points, not gradable,
    the reason in plain words, and ``grader_fault`` set so the run's exit code says so. It
    has no content hash, so the next run grades the submission again."""
    loaded = LoadedSubmission(
        student=task.submission.student,
        source=task.submission.path,
        not_gradable=fault_reason(fault),
    )
    result = score(
        assignment,
        loaded,
        [],
        seed=task.seed if seed is None else seed,
        duration_s=time.monotonic() - started,
        isolation="not started",
        grader_version=grader.__version__,
    )
    detail = f"{fault.stage}: {fault.error}" + (f" (at {fault.where})" if fault.where else "")
    return result.model_copy(update={"grader_fault": detail, "late": task.late})


class _Turn(NamedTuple):
    """A gradable submission, ready for the checks: where its worker's output goes, the seed
    its checks run at, the checks an interrupted run finished, and its progress file."""

    loaded: LoadedSubmission  # with a note when checks are kept from an interrupted run
    output: Path
    seed: int
    resumed: dict[str, CheckOutcome]
    progress: ProgressWriter


def _resume(task: GradeTask, loaded: LoadedSubmission) -> _Turn:
    """Each check's outcome will stream to the progress file; the checks an interrupted run of
    the same submission finished are kept, with its seed."""
    assert loaded.workdir is not None
    output = loaded.workdir.parent / f"{loaded.student}.stdout"
    student_dir = task.out_dir / loaded.student
    header = ProgressHeader(
        assignment=task.assignment,
        content_hash=loaded.content_hash,
        seed=task.seed,
        grader_version=grader.__version__,
    )
    kept = (
        Resumed(seed=task.seed)
        if task.force
        else resume(student_dir, header, seed_given=task.seed_given)
    )
    header = header.model_copy(update={"seed": kept.seed})
    writer = ProgressWriter(student_dir, header, kept=len(kept.outcomes))
    if kept.outcomes:
        loaded = loaded.model_copy(
            update={
                "notes": [
                    *loaded.notes,
                    f"{len(kept.outcomes)} checks were graded by an earlier run that was "
                    f"interrupted; their results are kept (seed {kept.seed})",
                ]
            }
        )
    return _Turn(loaded, output, kept.seed, kept.outcomes, writer)


def unchanged(task: GradeTask, loaded: LoadedSubmission) -> SubmissionResult | None:
    """The previous result, if it was made from the same submission, material and seed."""
    before = previous_result(task.out_dir, loaded.student)
    if before is None or before.content_hash != loaded.content_hash:
        return None
    return before if not task.seed_given or before.seed == task.seed else None


def scored(
    assignment: Assignment,
    loaded: LoadedSubmission,
    run: RunOutcome | None,
    *,
    seed: int,
    started: float,
    stdout_tail: str = "",
) -> SubmissionResult:
    """Score a submission from its run (None for one that could not be graded)."""
    outcomes: list[CheckOutcome] = []
    isolation = "not started"
    if run is not None:
        outcomes, isolation = run.outcomes, "; ".join(run.isolation) or isolation
        notes = list(loaded.notes)
        if run.import_error:  # said once at the top, not only under every check
            notes.append(
                f"No check could run because your code failed to import: {run.import_error}"
            )
        if loaded.notebook is not None:
            notes += unit_notes(run.import_problems, loaded.notebook)
            outcomes = outcomes_in_cells(outcomes, loaded.notebook)
        loaded = loaded.model_copy(update={"notes": notes})
    return score(
        assignment,
        loaded,
        outcomes,
        seed=seed,
        duration_s=time.monotonic() - started,
        stdout_tail=stdout_tail,
        isolation=isolation,
        grader_version=grader.__version__,
    )


def write_result(result: SubmissionResult, out_dir: Path) -> list[Path]:
    """Every file of :data:`grader.outputs.STUDENT_OUTPUTS` in ``<out>/<student>/``, in the
    list's order (result.json last), each written atomically; their paths."""
    folder = out_dir / result.student
    return [path for writer in STUDENT_OUTPUTS for path in writer.write(result, folder)]


def write_summary(result: SubmissionResult, out_dir: Path) -> list[Path]:
    """``<out>/<student>/result.json`` alone: the last resort when the other files fail."""
    return ResultJson().write(result, out_dir / result.student)


def output_tail(path: Path) -> str:
    """The last few KB of a worker's output file (empty when there is none)."""
    try:
        with path.open("rb") as handle:
            handle.seek(max(path.stat().st_size - _STDOUT_TAIL, 0))
            return handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _cleanup(loaded: LoadedSubmission) -> None:
    if loaded.workdir is not None:
        shutil.rmtree(loaded.workdir, ignore_errors=True)


def lane_died(task: GradeTask, since: float, why: str | None = None) -> SubmissionResult:
    """The result of a submission whose grading failed twice: its lane process died (``why``
    is None) or the grader's code raised ``why``. The checks it streamed to its progress
    file during this run are kept, the others are not run."""
    assignment = _assignment(task.course, task.assignment)
    student_dir = task.out_dir / task.submission.student
    header, outcomes = read_progress(student_dir)
    if header is None or _modified(progress_path(student_dir)) < since:
        header, outcomes = None, {}  # an earlier run's file: nothing of this run to keep
    kept = list(outcomes.values())
    failure = "crashed twice" if why is None else f"failed twice ({why})"
    reason = (
        f"the grader's own process {failure} while grading this submission; "
        "ask your instructor to look at it"
    )
    loaded = LoadedSubmission(
        student=task.submission.student,
        source=task.submission.path,
        not_gradable=None if kept else reason,
        notes=[f"{reason}. The checks it finished before that are kept."] if kept else [],
    )
    missing = [
        CheckOutcome(
            name=name,
            visibility=assignment.checks[name],
            status="crashed",
            message="not run: " + reason,
        )
        for name in assignment.spec.check_names()
        if name not in outcomes
    ]
    result = score(
        assignment,
        loaded,
        [*kept, *missing] if kept else [],
        seed=task.seed if header is None else header.seed,
        isolation="not started",
        grader_version=grader.__version__,
    )
    return result.model_copy(update={"grader_fault": f"lane {failure}", "late": task.late})


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
