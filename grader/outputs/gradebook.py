"""``<out>/gradebook.csv`` (:mod:`grader.report.gradebook`): the class, one row per student,
written by ``grader grade`` at the end of every run."""

from __future__ import annotations

from pathlib import Path

from grader.outputs.base import ClassOptions, Command
from grader.report.gradebook import write_gradebook
from grader.report.results import ResultsFolder

__all__ = ["Gradebook"]


class Gradebook:
    """Points per part, total, maximum, percent, whether gradable and why not, seed."""

    name = "gradebook.csv"
    command: Command = "grade"

    def write(self, folder: ResultsFolder, options: ClassOptions) -> list[Path]:
        path = folder.path / self.name
        write_gradebook(folder.results, path)
        return [path]
