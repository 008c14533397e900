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
from collections.abc import Callable
from pathlib import Path

from grader.checks.heldout import resolve_key
from grader.course import Assignment, load_assignment
from grader.datasets import require
from grader.discover import discover
from grader.errors import InstructorError
from grader.executors import executor_named
from grader.lane import GradeTask, LaneResult, lane_died, write_result
from grader.models import GradeReport
from grader.outputs import write_class
from grader.procutil import usable_cores
from grader.report.results import ResultsFolder
from grader.run import resolve_device
from grader.spec import gpu_share

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
) -> GradeReport:
    """Grade every submission in ``submissions_dir``; results land in ``out_dir`` as they finish.

    ``executor`` names one of :data:`grader.executors.EXECUTORS`: "local" (a pool of lanes
    here) or "ray" (Ray tasks on the cluster at ``address``, or on a local Ray when it is
    None; see :mod:`grader.cluster`)."""
    runner = executor_named(executor, jobs, address)
    started = time.monotonic()
    material = load_assignment(course, assignment_id)  # fail fast, before any lane starts
    require(material.spec.data.needs, material.data_roots())
    policy = device or material.spec.device.policy
    # a cluster's GPUs are on its nodes: grader.cluster checks "cuda" there, not here
    device_name = "cuda" if executor == "ray" and policy == "cuda" else resolve_device(policy)
    submissions = discover(submissions_dir)
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
        )
        for s in submissions
    ]
    done: dict[str, LaneResult] = {}

    def record(lane: LaneResult) -> None:
        done[lane.result.student] = lane
        if on_result is not None:
            on_result(lane)

    try:
        for lane in runner.run(tasks):
            record(lane)
        for task in tasks:  # no executor may leave a submission without a result
            if task.submission.student not in done:
                lost = LaneResult(result=lane_died(task, time.time(), "no result came back"))
                write_result(lost.result, out_dir)
                record(lost)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        finished = [
            done[t.submission.student].result for t in tasks if t.submission.student in done
        ]
        write_class(ResultsFolder.graded(out_dir, finished), "grade")
    return GradeReport(
        assignment=assignment_id,
        out_dir=out_dir,
        seed=seed,
        results=[done[t.submission.student].result for t in tasks],
        skipped_unchanged=sorted(s for s, r in done.items() if r.skipped),
        duration_s=round(time.monotonic() - started, 3),
    )


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
