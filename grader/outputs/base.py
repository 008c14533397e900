"""The two kinds of output writer: one per-student file, one class file.

A writer is a small class with a ``name`` and a ``write`` method; the lists in
:mod:`grader.outputs` say which ones run. Each writes its files atomically and returns
their paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from grader.models import SubmissionResult
from grader.report.results import ResultsFolder

__all__ = ["ClassOptions", "ClassWriter", "Command", "StudentWriter"]

Command = Literal["grade", "report"]
"""The command that writes a class output: ``grader grade`` at the end of every run, or
``grader report``."""


class StudentWriter(Protocol):
    """One per-student output, made from one result into ``<out>/<student>/``."""

    @property
    def name(self) -> str:
        """The file it writes in the student's folder: ``feedback.html``."""
        ...

    def write(self, result: SubmissionResult, folder: Path) -> list[Path]:
        """Write the file(s) for ``result`` into ``folder``; return their paths."""
        ...


@dataclass(frozen=True)
class ClassOptions:
    """What ``grader report`` lets the instructor choose about the class files."""

    page: Path | None = None
    """Where the class page goes (default ``<results>/report.html``)."""
    title: str | None = None
    """The class page's heading (default: the spec's title, else the assignment id)."""
    generated: datetime | None = None
    """The time the class page says it was made (default: now)."""


class ClassWriter(Protocol):
    """One class output, made from every result in a results folder."""

    @property
    def name(self) -> str:
        """The file it writes in the results folder: ``gradebook.csv``."""
        ...

    @property
    def command(self) -> Command:
        """The command that writes it."""
        ...

    def write(self, folder: ResultsFolder, options: ClassOptions) -> list[Path]:
        """Write the file(s) for the results in ``folder`` (into ``folder.path`` unless
        ``options`` say otherwise); return their paths."""
        ...
