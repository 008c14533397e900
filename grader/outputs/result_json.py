"""``<student>/result.json``: the full result, the source of truth every other file is
derived from, and what a re-run and ``grader report`` read back."""

from __future__ import annotations

from pathlib import Path

from grader import atomic
from grader.models import SubmissionResult
from grader.report.results import RESULT_FILE

__all__ = ["ResultJson"]


class ResultJson:
    """The result as JSON. Last in :data:`grader.outputs.STUDENT_OUTPUTS`, so a
    ``result.json`` on disk always has its companions beside it."""

    name = RESULT_FILE

    def write(self, result: SubmissionResult, folder: Path) -> list[Path]:
        path = folder / self.name
        atomic.write_text(path, result.model_dump_json(indent=2))
        return [path]
