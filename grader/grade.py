"""The pipeline: discover -> load -> run checks -> score -> write, for a whole class.

:func:`grade_one` is one submission from start to finish and runs in a lane process (a
trusted helper process; the student's code runs one level further down, in the worker).
:func:`grade` is the composition over the class: a pool of lanes, results written as each
submission finishes, unchanged submissions skipped, and the gradebook written at the end.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

import grader
from grader import atomic
from grader.boundary import GraderFault, contained, fault_of, fault_reason
from grader.checks.heldout import resolve_key
from grader.course import Assignment, load_assignment
from grader.datasets import require
from grader.discover import discover
from grader.errors import InstructorError
from grader.load import load
from grader.models import CheckOutcome, GradeReport, LoadedSubmission, Submission, SubmissionResult
from grader.notebook.cells import outcomes_in_cells, unit_notes
from grader.procutil import lane_initializer, limit_threads
from grader.progress import (
    ProgressHeader,
    ProgressWriter,
    Resumed,
    progress_path,
    read_progress,
    resume,
)
from grader.report import write_feedback, write_gradebook, write_gradescope
from grader.run import Job, RunOutcome, resolve_device, run_many
from grader.score import score
from grader.spec import gpu_share

__all__ = [
    "GradeTask",
    "LaneResult",
    "batches",
    "grade",
    "grade_batch",
    "lane_died",
    "output_tail",
    "scored",
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
    """Grade several submissions of one assignment in one pytest session, writing each
    result as soon as it is known. Returns them in the order they finished.

    Each submission's own stages (load, score, write) run under :func:`contained`: when the
    grader's code fails on one submission's input, that submission gets a result saying so
    (:func:`faulted`) and the batch goes on."""
    first = tasks[0]
    limit_threads(first.threads)  # the lane's share of the cores, the same as its workers'
    assignment = _assignment(first.course, first.assignment)
    material = assignment.material_hash()
    finished: list[LaneResult] = []

    def jobs() -> Iterator[Job]:
        for task in tasks:
            started = time.monotonic()
            loaded = contained("reading the submission", _load, task, assignment, material)
            if isinstance(loaded, GraderFault):
                keep(task, faulted(assignment, task, loaded, started), started, task.seed)
                continue
            try:
                before = None if task.force else unchanged(task, loaded)
                if before is not None:
                    finished.append(LaneResult(result=before, skipped=True))
                elif loaded.workdir is None or not loaded.gradable:
                    finish(task, loaded, None, started, task.seed)
                elif isinstance(job := contained("resuming", _job, task, loaded, started), Job):
                    yield job
                else:
                    keep(task, faulted(assignment, task, job, started), started, task.seed)
            finally:
                _cleanup(loaded)

    def finish(
        task: GradeTask,
        loaded: LoadedSubmission,
        run: RunOutcome | None,
        started: float,
        seed: int,
        stdout_tail: str = "",
    ) -> None:
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
        keep(task, result, started, seed)

    def keep(task: GradeTask, result: SubmissionResult, started: float, seed: int) -> None:
        """Write the result and add it to the batch's; if writing it fails, the fault's
        result is written instead (the grader's own words), result.json alone at worst."""
        written = contained("writing the results", write_result, result, task.out_dir)
        if isinstance(written, GraderFault):
            result = faulted(assignment, task, written, started, seed)
            again = contained("writing the results", write_result, result, task.out_dir)
            if isinstance(again, GraderFault):
                contained("writing the results", write_summary, result, task.out_dir)
        finished.append(LaneResult(result=result))

    def on_run(job: Job, run: RunOutcome) -> None:
        task, started, writer, seed = job.context
        finish(task, job.loaded, run, started, seed, output_tail(job.output_path))
        writer.finish()

    run_many(
        assignment, first.seed, jobs(), on_run, device=first.device, heldout_key=first.heldout_key
    )
    graded = {lane.result.student for lane in finished}
    for task in tasks:  # a session that ended early still leaves each submission a result
        if task.submission.student not in graded:
            now = time.monotonic()
            stopped = GraderFault(stage="grading", error="the checks' session ended before it")
            keep(task, faulted(assignment, task, stopped, now), now, task.seed)
    return finished


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
    return result.model_copy(update={"grader_fault": detail})


def _job(task: GradeTask, loaded: LoadedSubmission, started: float) -> Job:
    """The run of one gradable submission: each check's outcome streams to its progress
    file, and the checks an interrupted run of the same submission finished are kept."""
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
    return Job(
        loaded,
        output,
        task.threads,
        task.sandbox,
        context=(task, started, writer, kept.seed),
        seed=kept.seed,
        resumed=kept.outcomes,
        on_check=writer.record,
        gpu_memory_fraction=task.gpu_memory_fraction,
    )


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


def write_result(result: SubmissionResult, out_dir: Path) -> None:
    """Every file of one student's results, each written atomically; result.json last."""
    student_dir = out_dir / result.student
    write_feedback(result, student_dir)
    write_gradescope(result, student_dir)
    write_summary(result, out_dir)


def write_summary(result: SubmissionResult, out_dir: Path) -> None:
    """``<out>/<student>/result.json``: what the gradebook and a re-run read."""
    atomic.write_text(result_path(out_dir, result.student), result.model_dump_json(indent=2))


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
) -> GradeReport:
    """Grade every submission in ``submissions_dir``; results land in ``out_dir`` as they finish.

    ``executor`` is "local" (a pool of lanes here) or "ray" (Ray tasks on the cluster at
    ``address``, or on a local Ray when it is None; see :mod:`grader.cluster`)."""
    if executor not in ("local", "ray"):
        raise InstructorError(f"--executor must be local or ray, given: {executor!r}")
    if address is not None and executor != "ray":
        raise InstructorError(
            f"--address {address} names a Ray cluster, which only --executor ray uses; "
            "add --executor ray, or leave --address out"
        )
    started = time.monotonic()
    material = load_assignment(course, assignment_id)  # fail fast, before any lane starts
    require(material.spec.data.needs, material.data_roots())
    policy = device or material.spec.device.policy
    # a cluster's GPUs are on its nodes: grader.cluster checks "cuda" there, not here
    device_name = "cuda" if executor == "ray" and policy == "cuda" else resolve_device(policy)
    submissions = discover(submissions_dir)
    seed_given = seed is not None
    seed = secrets.randbits(31) if seed is None else seed
    threads = max(1, (os.cpu_count() or 1) // max(jobs, 1))  # jobs x threads = the cores
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
        )
        for s in submissions
    ]
    done: dict[str, LaneResult] = {}
    try:
        if executor == "ray":
            from grader.cluster import run_on_ray  # Ray is an optional extra

            run_on_ray(tasks, done, on_result, address=address, jobs=jobs)
        else:
            _run_pool(tasks, jobs, done, on_result)
        for task in tasks:  # no executor may leave a submission without a result
            if task.submission.student not in done:
                lost = LaneResult(result=lane_died(task, time.time(), "no result came back"))
                write_result(lost.result, out_dir)
                done[task.submission.student] = lost
                if on_result is not None:
                    on_result(lost)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        finished = [
            done[t.submission.student].result for t in tasks if t.submission.student in done
        ]
        write_gradebook(finished, out_dir / "gradebook.csv")
    return GradeReport(
        assignment=assignment_id,
        out_dir=out_dir,
        seed=seed,
        results=[done[t.submission.student].result for t in tasks],
        skipped_unchanged=sorted(s for s, r in done.items() if r.skipped),
        duration_s=round(time.monotonic() - started, 3),
    )


def _run_pool(
    tasks: list[GradeTask],
    jobs: int,
    done: dict[str, LaneResult],
    on_result: Callable[[LaneResult], None] | None,
) -> None:
    """Run tasks in lanes; a lane that dies or fails costs only its submission, after one
    retry with one submission per batch."""
    since = time.time()  # progress files older than this are an earlier run's
    pending, tries = list(tasks), {t.submission.student: 0 for t in tasks}
    most = 8
    while pending:
        failed = _one_pool(pending, jobs, done, on_result, most)
        most = (
            1  # retries run one submission per batch, so a lane that dies again costs only its own
        )
        pending = []
        for task, why in failed:
            tries[task.submission.student] += 1
            if tries[task.submission.student] < 2:
                pending.append(task)
                continue
            lane = LaneResult(result=lane_died(task, since, why))
            write_result(lane.result, task.out_dir)
            done[task.submission.student] = lane
            if on_result is not None:
                on_result(lane)


def _one_pool(
    tasks: list[GradeTask],
    jobs: int,
    done: dict[str, LaneResult],
    on_result: Callable[[LaneResult], None] | None,
    most: int = 8,
) -> list[tuple[GradeTask, str | None]]:
    """One pool over ``tasks``; returns the tasks whose lane died (with None) or raised (with
    what it raised) before they had a result. An instructor's error stops the run. On
    Ctrl-C the lanes are killed at once: submissions in flight get no result, so a re-run
    grades them."""
    context = multiprocessing.get_context("spawn")
    workers = max(1, min(jobs, len(tasks)))
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=lane_initializer)
    failed: list[tuple[GradeTask, str | None]] = []
    try:
        futures = {
            pool.submit(grade_batch, batch): batch for batch in batches(tasks, workers, most)
        }
        for future in as_completed(futures):
            try:
                lanes = future.result()
            except BrokenProcessPool:
                failed += [(t, None) for t in futures[future] if t.submission.student not in done]
                continue
            except InstructorError:
                raise
            except Exception as exc:  # noqa: BLE001 - a lane's failure costs its batch a retry
                why = fault_of("grading", exc)
                failed += [(t, why.error) for t in futures[future]]
                continue
            for lane in lanes:
                done[lane.result.student] = lane
                if on_result is not None:
                    on_result(lane)
    except BaseException:
        for child in multiprocessing.active_children():  # lanes first, so none finishes late
            child.kill()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    return failed


def batches(tasks: list[GradeTask], lanes: int, most: int = 8) -> list[list[GradeTask]]:
    """Split tasks into batches that shrink as the class goes on ("guided" scheduling).

    Each batch is an eighth of the remaining tasks' share per lane, at most ``most``: early
    batches are big, so one pytest session serves several submissions (on a large class of
    quick submissions that halves the grader's cost per submission); later ones are single,
    so no lane idles at the end while another works through a batch holding a slow
    submission (two 22 s submissions in one batch of three once cost a 2-lane run 30 %).
    Lanes take batches in order as they come free.
    """
    out: list[list[GradeTask]] = []
    start = 0
    while start < len(tasks):
        size = max(1, min(most, (len(tasks) - start) // (lanes * 8)))
        out.append(tasks[start : start + size])
        start += size
    return out


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
    return result.model_copy(update={"grader_fault": f"lane {failure}"})


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
