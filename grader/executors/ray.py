"""The cluster executor (``--executor ray``): batches as Ray tasks; see :mod:`grader.cluster`."""

from __future__ import annotations

from collections.abc import Iterator

from grader.cluster import run_on_ray
from grader.lane import GradeTask, LaneResult

__all__ = ["RayCluster"]


class RayCluster:
    """Ray tasks on the cluster at ``address`` (a local Ray when None), ``jobs`` at once."""

    def __init__(self, jobs: int, address: str | None) -> None:
        self.jobs, self.address = jobs, address

    def run(self, tasks: list[GradeTask]) -> Iterator[LaneResult]:
        return run_on_ray(tasks, address=self.address, jobs=self.jobs)
