"""The cluster executor: the same per-submission grading as Ray tasks (``--executor ray``).

The local pool (:mod:`grader.executors.local`) is for one machine; this module hands the
same batches to Ray, which places them on a cluster's nodes, and re-runs a batch whose
worker process or node died. Nothing here schedules: Ray does.

The data flow, driver (the machine running ``grader grade``) to node and back:

1. **Skip on the driver.** A submission whose ``result.json`` in ``out_dir`` was made from
   the same files, material and seed is recorded as skipped, as :func:`grader.lane.grade_batch`
   would; the nodes need not see ``out_dir``. A re-run of a finished class starts no Ray.
2. **Grade on a node.** A Ray task receives a batch of :class:`GradeTask` as JSON text and
   runs :func:`grader.lane.grade_batch` on it, with its scratch and output folders in a
   node-local temporary folder. The course folder, its datasets and the submissions must be
   at the same absolute paths on every node (copied or on a shared file system).
3. **Write on the driver.** The task returns its :class:`LaneResult` list as JSON text (no
   pickled objects); the driver writes each result into ``out_dir`` as it arrives.

Each task asks Ray for ``threads`` CPUs, and, on ``cuda``, for 1/jobs of a GPU. A task whose
worker or node died is re-run once by Ray (``max_retries``); a batch that still failed is
split into single submissions, and one that fails again gets the same "the grader's own
process crashed" result as the local pool gives; a batch whose grading code raised is
split and retried the same way. Instructor errors are not retried: they stop the run.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import TypeAdapter

from grader.boundary import fault_of
from grader.course import load_assignment
from grader.errors import InstructorError
from grader.executors.local import batches
from grader.lane import (
    GradeTask,
    LaneResult,
    grade_batch,
    lane_died,
    previous_result,
    unchanged,
    write_result,
)
from grader.load import load

__all__ = ["RETRIES", "run_on_ray"]

RETRIES = 1
"""How often Ray re-runs a task whose worker process or node died (as the local pool does)."""
INSTALL_HINT = "pip install 'dl-grader[cluster]'"
LOCAL_OBJECT_STORE_BYTES = 256 * 1024**2
"""The object store of a Ray started here: results are small JSON texts (Ray's default
would reserve 30% of the memory)."""

_LANES = TypeAdapter(list[LaneResult])


def run_on_ray(
    tasks: list[GradeTask], *, address: str | None = None, jobs: int = 1
) -> Iterator[LaneResult]:
    """Grade ``tasks`` as Ray tasks, yielding each result as it arrives.

    ``address`` is a running cluster's (``"auto"``, ``"host:6379"`` or ``"ray://host:10001"``);
    ``None`` starts a local Ray for this call, or uses the one this process already started.
    ``jobs`` is the number of submissions graded at once per GPU on ``cuda``; on the CPU each
    task takes ``tasks[i].threads`` cores (capped at the largest node's).

    Raises:
        InstructorError: ray is not installed, the cluster cannot be reached, has no GPU for
            ``cuda``, or a node lacks the course or a submission at the driver's path.
    """
    ray = _import_ray()
    skipped, pending = _skip_unchanged(tasks)
    yield from skipped
    if not pending:
        return
    started_here = _connect(ray, address, jobs)
    try:
        yield from _run(ray, pending, jobs)
    finally:
        if started_here:
            ray.shutdown()  # a local Ray stops; a cluster only loses this driver


def _import_ray() -> ModuleType:
    """Ray, an optional extra imported only for ``--executor ray``."""
    try:
        return importlib.import_module("ray")
    except ImportError as exc:
        raise InstructorError(
            f"--executor ray needs Ray, which is not installed in {sys.prefix}; "
            f"install it with `{INSTALL_HINT}` on this machine and every node, or use "
            "--executor local"
        ) from exc


def _skip_unchanged(tasks: list[GradeTask]) -> tuple[list[LaneResult], list[GradeTask]]:
    """The submissions whose result in ``out_dir`` is current, as skipped results; and the
    others, to grade."""
    skipped: list[LaneResult] = []
    if not tasks:
        return skipped, []
    assignment = load_assignment(tasks[0].course, tasks[0].assignment)
    material = assignment.material_hash()
    pending: list[GradeTask] = []
    for task in tasks:
        if not task.force and previous_result(task.out_dir, task.submission.student) is not None:
            loaded = load(
                task.submission,
                assignment.spec,
                task.scratch_root,
                extra_hash=material,
                provided=assignment.provided_files(),
            )
            shutil.rmtree(task.scratch_root / loaded.student, ignore_errors=True)
            before = unchanged(task, loaded)  # the same rule as the local pool's
            if before is not None:
                skipped.append(LaneResult(result=before, skipped=True))
                continue
        pending.append(task)
    return skipped, pending


def _connect(ray: ModuleType, address: str | None, jobs: int) -> bool:
    """Connect to the cluster at ``address`` or start a local Ray; True when this call did."""
    if ray.is_initialized():
        return False
    common: dict[str, Any] = {"log_to_driver": False, "logging_level": "WARNING"}
    if address is None:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # grading does not phone home
        ray.init(
            num_cpus=max(os.cpu_count() or 1, jobs),
            object_store_memory=LOCAL_OBJECT_STORE_BYTES,
            include_dashboard=False,
            **common,
        )
        return True
    try:
        ray.init(address=address, **common)
    except (ConnectionError, ValueError, RuntimeError) as exc:
        raise InstructorError(
            f"--address {address}: cannot connect to a Ray cluster ({exc}); start one with "
            "`ray start --head` (see docs/cluster.md), or leave --address out to start a "
            "local Ray"
        ) from exc
    return True


def _run(
    ray: ModuleType,
    tasks: list[GradeTask],
    jobs: int,
) -> Iterator[LaneResult]:
    """Submit the batches and yield results as they arrive; on any error or Ctrl-C the
    tasks still running are cancelled, so those submissions get no result and a re-run
    grades them."""
    cpus, gpus, lanes = _resources(ray, tasks[0], jobs)
    tasks = [_for_nodes(t, cpus) for t in tasks]
    remote = ray.remote(_grade_on_node).options(
        num_cpus=cpus, num_gpus=gpus, max_retries=RETRIES, retry_exceptions=False
    )
    since = time.time()
    waiting: dict[Any, list[GradeTask]] = {}

    def submit(batch: list[GradeTask]) -> None:
        waiting[remote.remote([t.model_dump_json() for t in batch])] = batch

    for batch in batches(tasks, lanes):
        submit(batch)
    try:
        while waiting:
            [ref], _ = ray.wait(list(waiting), num_returns=1)
            batch = waiting.pop(ref)
            lanes_back = _collect(ray, ref)
            if isinstance(lanes_back, list):
                for lane in lanes_back:
                    write_result(lane.result, batch[0].out_dir)
                    yield lane
            elif len(batch) > 1:  # it died or failed: once more, one submission each
                for task in batch:
                    submit([task])
            else:
                lane = LaneResult(result=lane_died(batch[0], since, lanes_back))
                write_result(lane.result, batch[0].out_dir)
                yield lane
    finally:
        for ref in waiting:
            ray.cancel(ref, force=True)


def _collect(ray: ModuleType, ref: Any) -> list[LaneResult] | str | None:
    """A finished task's results; None when its worker or node died (after Ray's retries);
    what the grading code raised, as text, when it failed on a submission. An instructor's
    error is raised here, unwrapped: it stops the run."""
    from ray.exceptions import RayError, RayTaskError

    try:
        text = ray.get(ref)
    except RayTaskError as exc:
        if isinstance(exc.cause, InstructorError):
            raise exc.cause from None
        return fault_of("grading", exc.cause if exc.cause is not None else exc).error
    except RayError:
        return None
    return _LANES.validate_json(text)


def _resources(ray: ModuleType, task: GradeTask, jobs: int) -> tuple[float, float, int]:
    """(CPUs, GPUs) each task asks for, and how many tasks the cluster runs at once."""
    nodes = [n["Resources"] for n in ray.nodes() if n.get("Alive")]
    biggest = max((n.get("CPU", 0.0) for n in nodes), default=0.0)
    cpus = float(max(1, min(task.threads, int(biggest) or 1)))
    total_cpus = sum(n.get("CPU", 0.0) for n in nodes)
    lanes = max(1, int(total_cpus // cpus))
    if task.device != "cuda":
        return cpus, 0.0, lanes
    total_gpus = sum(n.get("GPU", 0.0) for n in nodes)
    if total_gpus == 0:
        raise InstructorError(
            "--device cuda with --executor ray, but no node of the Ray cluster has a GPU; "
            "start the GPU nodes with `ray start --num-gpus N ...`, or use --device cpu"
        )
    return cpus, 1.0 / max(jobs, 1), max(1, min(lanes, int(total_gpus * jobs)))


def _for_nodes(task: GradeTask, cpus: float) -> GradeTask:
    """The task as a node runs it: absolute paths, and as many threads as the CPUs it holds."""
    submission = task.submission.model_copy(update={"path": task.submission.path.absolute()})
    return task.model_copy(
        update={"course": task.course.absolute(), "submission": submission, "threads": int(cpus)}
    )


def _grade_on_node(batch: list[str]) -> str:
    """A Ray task, run on a node: grade a batch of tasks (JSON texts) in node-local folders
    and return their results as JSON text. The driver has already skipped current results,
    so everything here is graded afresh (``force``)."""
    tasks = [GradeTask.model_validate_json(text) for text in batch]
    _require_paths(tasks)
    with tempfile.TemporaryDirectory(prefix="grader-ray-") as folder:
        local = {"out_dir": Path(folder, "out"), "scratch_root": Path(folder, "scratch")}
        lanes = grade_batch([t.model_copy(update={**local, "force": True}) for t in tasks])
    return _LANES.dump_json(lanes).decode()


def _require_paths(tasks: list[GradeTask]) -> None:
    """Fail fast on a node that lacks the course or a submission: a deployment mistake,
    which must not become a student's "not gradable"."""
    for path in [tasks[0].course, *(t.submission.path for t in tasks)]:
        if not path.exists():
            raise InstructorError(
                f"{path} is missing on the Ray node {os.uname().nodename}; every node needs "
                "the course folder, its datasets and the submissions at the driver's paths "
                "(copy them, or use a shared file system; see docs/cluster.md)"
            )
