"""The run's wall time for the class report, read from ``<results>/run.json``.

``grader grade`` writes :class:`~grader.models.RunInfo` there at the end of a run. The file
is read defensively: missing, unreadable, malformed or of another assignment, the page says
so (:attr:`RunWall.note`) and shows no wall time; it never stops the report.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from grader.models import RunInfo

__all__ = ["RUN_FILE", "RunWall", "read_run_wall"]

RUN_FILE = "run.json"
MAX_BYTES = 1_000_000
"""A run.json is a few hundred bytes; a bigger one is not read."""


class RunWall(BaseModel):
    """The run's wall time, or why the page cannot show it."""

    model_config = ConfigDict(extra="forbid")

    wall_s: float | None = None
    jobs: int | None = None
    note: str = ""
    """Empty when ``wall_s`` is known; else what the page says instead."""


def read_run_wall(results_dir: Path, assignment: str) -> RunWall:
    """``<results_dir>/run.json``'s wall time, when it is there, readable and of ``assignment``."""
    path = results_dir / RUN_FILE
    try:
        if not path.is_file():
            return RunWall(note=f"wall time not recorded (no {RUN_FILE})")
        if path.stat().st_size > MAX_BYTES:
            return RunWall(note=f"wall time not recorded ({RUN_FILE} is too large to be one)")
        info = RunInfo.model_validate_json(path.read_bytes())
    except OSError as exc:
        return RunWall(note=f"wall time not recorded ({RUN_FILE} could not be read: {exc})")
    except ValidationError as exc:
        problem = exc.errors()[0]["msg"] if exc.errors() else "not a run record"
        return RunWall(note=f"wall time not recorded ({RUN_FILE} is malformed: {problem})")
    if not 0.0 <= info.wall_s < float("inf"):
        return RunWall(note=f"wall time not recorded ({RUN_FILE} has wall_s {info.wall_s})")
    if info.assignment != assignment:
        return RunWall(
            note=f"wall time not recorded ({RUN_FILE} is of {info.assignment!r}, not {assignment!r})"
        )
    return RunWall(wall_s=info.wall_s, jobs=info.jobs)
