"""Executors: who runs the lanes. One class each, behind one interface.

An executor takes the class's tasks and yields one :class:`grader.lane.LaneResult` per
submission as results arrive; :func:`grader.grade.grade` does the rest (every submission gets a result, the
gradebook). Adding Slurm or Kubernetes is one module here and one entry in
:data:`EXECUTORS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Protocol

from grader.errors import InstructorError

if TYPE_CHECKING:  # grader.lane is heavy (pytest, numpy): the lanes import it, not the CLI
    from grader.lane import GradeTask, LaneResult

__all__ = ["EXECUTORS", "Executor", "executor_named"]


class Executor(Protocol):
    def run(self, tasks: list[GradeTask]) -> Iterator[LaneResult]:
        """Grade ``tasks``; yield each result as it is known (at most one per submission)."""
        ...


def _local(jobs: int, address: str | None) -> Executor:
    from grader.executors.local import LocalPool

    if address is not None:
        raise InstructorError(
            f"--address {address} names a Ray cluster, which only --executor ray uses; "
            "add --executor ray, or leave --address out"
        )
    return LocalPool(jobs)


def _ray(jobs: int, address: str | None) -> Executor:
    from grader.executors.ray import RayCluster  # Ray is an optional extra

    return RayCluster(jobs, address)


EXECUTORS: dict[str, Callable[[int, str | None], Executor]] = {"local": _local, "ray": _ray}
"""``--executor`` name -> a factory taking ``--jobs`` and ``--address``."""


def executor_named(name: str, jobs: int, address: str | None) -> Executor:
    """The executor ``--executor name`` asks for, or an :class:`InstructorError`."""
    if name not in EXECUTORS:
        raise InstructorError(f"--executor must be {' or '.join(EXECUTORS)}, given: {name!r}")
    return EXECUTORS[name](jobs, address)
