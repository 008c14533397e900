"""The outputs: what a graded submission and a graded class become on disk.

Two lists, read top to bottom. :data:`STUDENT_OUTPUTS` are the files
:func:`grader.lane.write_result` writes into ``<out>/<student>/`` as each student is graded;
:data:`CLASS_OUTPUTS` are the class files, written by the command each names
(:func:`write_class`): ``grader grade`` at the end of every run, ``grader report`` on demand
(:func:`write_class_report`). A new format is one writer (a :class:`StudentWriter` or a
:class:`ClassWriter`, in a module of its own here) and one entry in a list. See
``docs/result-formats.md``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from grader.outputs.base import ClassOptions, ClassWriter, Command, StudentWriter
from grader.outputs.classpage import ClassPage
from grader.outputs.feedback import FeedbackHtml, FeedbackMarkdown
from grader.outputs.gradebook import Gradebook
from grader.outputs.gradescope import GradescopeJson, MissingGradescopeJson
from grader.outputs.lms import LmsCsv
from grader.outputs.result_json import ResultJson
from grader.report.classstats import Unreadable
from grader.report.results import ResultsFolder, read_results

__all__ = [
    "CLASS_OUTPUTS",
    "STUDENT_OUTPUTS",
    "ClassOptions",
    "ClassReportFiles",
    "ClassWriter",
    "StudentWriter",
    "write_class",
    "write_class_report",
]

STUDENT_OUTPUTS: list[StudentWriter] = [
    FeedbackHtml(),
    FeedbackMarkdown(),
    GradescopeJson(),
    ResultJson(),  # last: a result.json on disk always has the files above beside it
]
"""Each student's files, written in this order. A new one goes before ``ResultJson``."""

CLASS_OUTPUTS: list[ClassWriter] = [
    Gradebook(),
    MissingGradescopeJson(),
    LmsCsv(),
    ClassPage(),
]
"""The class files, each written by its writer's ``command``, in this order."""


def write_class(
    folder: ResultsFolder, command: Command, options: ClassOptions | None = None
) -> dict[str, list[Path]]:
    """Write the class outputs that ``command`` writes; their files by writer name."""
    options = options or ClassOptions()
    return {
        writer.name: writer.write(folder, options)
        for writer in CLASS_OUTPUTS
        if writer.command == command
    }


class ClassReportFiles(BaseModel):
    """What :func:`write_class_report` wrote."""

    model_config = ConfigDict(extra="forbid")

    written: dict[str, list[Path]]
    """The files of each class output ``grader report`` writes, by writer name."""
    unreadable: list[Unreadable]
    """The ``result.json`` files that could not be read, left out of every class file."""

    @property
    def page(self) -> Path:
        return self.written[ClassPage.name][0]

    @property
    def lms_csv(self) -> Path:
        return self.written[LmsCsv.name][0]

    @property
    def gradescope_written(self) -> list[str]:
        """Students whose missing ``results.json`` was written from their ``result.json``."""
        return [path.parent.name for path in self.written[MissingGradescopeJson.name]]


def write_class_report(
    results_dir: Path,
    out: Path | None = None,
    *,
    title: str | None = None,
    generated: datetime | None = None,
) -> ClassReportFiles:
    """``grader report``: read every ``<results_dir>/<student>/result.json`` back and write
    the class outputs of ``grader report`` from them: ``report.html`` (at ``out`` when
    given, headed ``title``), ``lms.csv`` and each student's missing ``results.json``.

    Raises :class:`grader.report.results.ReportError` when the folder is missing, holds no
    readable result, or mixes assignments."""
    folder = read_results(results_dir)
    options = ClassOptions(page=out, title=title, generated=generated)
    written = write_class(folder, "report", options)
    return ClassReportFiles(written=written, unreadable=folder.unreadable)
