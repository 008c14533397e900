"""``<results>/lms.csv`` (:mod:`grader.report.lms`): the gradebook an LMS imports as it is,
written by ``grader report``."""

from __future__ import annotations

from pathlib import Path

from grader.outputs.base import ClassOptions, Command
from grader.report.lms import write_lms_csv
from grader.report.results import ResultsFolder

__all__ = ["LmsCsv"]


class LmsCsv:
    """``student``, one column per part, ``total``; nothing else."""

    name = "lms.csv"
    command: Command = "report"

    def write(self, folder: ResultsFolder, options: ClassOptions) -> list[Path]:
        path = folder.path / self.name
        write_lms_csv(folder.results, path)
        return [path]
