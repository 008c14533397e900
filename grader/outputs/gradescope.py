"""Gradescope's ``results.json`` (:mod:`grader.report.gradescope`): written for each student
as they are graded, and by ``grader report`` for any student whose file is missing."""

from __future__ import annotations

from pathlib import Path

from grader.models import SubmissionResult
from grader.outputs.base import ClassOptions, Command
from grader.report.gradescope import RESULTS_FILE, write_gradescope
from grader.report.results import ResultsFolder

__all__ = ["GradescopeJson", "MissingGradescopeJson"]


class GradescopeJson:
    """``<student>/results.json`` in Gradescope's autograder format."""

    name = RESULTS_FILE

    def write(self, result: SubmissionResult, folder: Path) -> list[Path]:
        return [write_gradescope(result, folder)]


class MissingGradescopeJson:
    """``<student>/results.json`` for each student who has a ``result.json`` but not it
    (a folder graded before Gradescope's file existed, or one copied without it)."""

    name = f"<student>/{RESULTS_FILE}"
    command: Command = "report"

    def write(self, folder: ResultsFolder, options: ClassOptions) -> list[Path]:
        return [
            write_gradescope(item.result, item.folder)
            for item in folder.loaded
            if not (item.folder / RESULTS_FILE).is_file()
        ]
