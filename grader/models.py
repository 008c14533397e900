"""Result models: what each pipeline stage returns.

discover -> :class:`Submission`; load -> :class:`LoadedSubmission`;
run checks -> :class:`CheckOutcome` per check; score -> :class:`SubmissionResult`;
the class as a whole -> :class:`GradeReport`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from grader.coursebook.models import Change
from grader.notebook.extract import Unit
from grader.safetext import well_formed

__all__ = [
    "STATUS",
    "CheckOutcome",
    "CheckResult",
    "GradeReport",
    "HandGraded",
    "Lateness",
    "LoadedSubmission",
    "NotebookSource",
    "PartResult",
    "RunInfo",
    "SourceLocation",
    "RubricLine",
    "Status",
    "StatusRow",
    "Submission",
    "SubmissionResult",
    "UnitProblem",
    "Visibility",
]

Status = Literal["passed", "partial", "failed", "error", "timeout", "crashed", "not_run"]
Visibility = Literal["public", "hidden"]


@dataclass(frozen=True)
class StatusRow:
    """Everything an output says about one check status. Every output (feedback page and
    Markdown, Gradescope, class report, self-check, ``grader ci``) reads :data:`STATUS`;
    none keeps a per-status table of its own."""

    label: str
    """How the feedback page, Gradescope and the class report name it."""
    meaning: str
    """What it means in plain words, where the label alone may puzzle ("" otherwise)."""
    failure: bool
    """Counts as a failing check (an ``::error`` annotation in CI)."""
    junit: Literal["failure", "error", "skipped"] | None
    """The JUnit element a check with this status gets (None: a plain pass)."""
    icon: str
    """The icon in ``grader ci``'s Markdown summary."""
    style: str
    """The rich style of the status in the self-check's terminal table."""
    annotation: Literal["error", "warning"] | None
    """The GitHub annotation level ``grader ci`` gives a check with this status."""
    colour: str
    """The feedback page's colour for a check with this status (its border and label)."""
    bar: str
    """The class report's colour for this status in a check's bar and the legend."""

    @property
    def word(self) -> str:
        """The label in running text: the self-check's table and ``grader ci``'s summary."""
        return self.label.lower()


STATUS: dict[Status, StatusRow] = {
    "passed": StatusRow(
        label="Passed",
        meaning="",
        failure=False,
        junit=None,
        icon="✅",
        style="green",
        annotation=None,
        colour="#1a7f37",
        bar="#2da44e",
    ),
    "partial": StatusRow(
        label="Partly passed",
        meaning="part of the credit, on a published scale",
        failure=False,
        junit="failure",
        icon="🟡",
        style="yellow",
        annotation="warning",
        colour="#9a6700",
        bar="#d4a72c",
    ),
    "failed": StatusRow(
        label="Failed",
        meaning="",
        failure=True,
        junit="failure",
        icon="❌",
        style="red",
        annotation="error",
        colour="#cf222e",
        bar="#cf222e",
    ),
    "error": StatusRow(
        label="Error",
        meaning="your code raised an exception",
        failure=True,
        junit="error",
        icon="❌",
        style="red",
        annotation="error",
        colour="#bc4c00",
        bar="#e16f24",
    ),
    "timeout": StatusRow(
        label="Timed out",
        meaning="your code took longer than the time limit",
        failure=True,
        junit="error",
        icon="⏱️",
        style="red",
        annotation="error",
        colour="#8250df",
        bar="#8250df",
    ),
    "crashed": StatusRow(
        label="Crashed",
        meaning="the process running your code stopped, e.g. out of memory",
        failure=True,
        junit="error",
        icon="💥",
        style="red",
        annotation="error",
        colour="#82071e",
        bar="#82071e",
    ),
    "not_run": StatusRow(
        label="Not run",
        meaning="this check did not run",
        failure=False,
        junit="skipped",
        icon="⏭️",
        style="dim",
        annotation=None,
        colour="#6e7781",
        bar="#8c959f",
    ),
}
"""The one status table: one row per :data:`Status`, in the order outputs list them."""


def _whole(value: Any) -> Any:
    """``value`` with :func:`grader.safetext.well_formed` applied to its text (not to paths,
    which must still name the file on disk). A worker's JSON reply and a folder name with
    undecodable bytes can hold lone surrogates, and no UTF-8 writer (result.json, the
    feedback page, the progress file) accepts them."""
    if isinstance(value, str):
        return well_formed(value)
    if isinstance(value, list):
        return [_whole(v) for v in value]
    if isinstance(value, dict):
        return {_whole(k): _whole(v) for k, v in value.items()}
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _writable_text(cls, value: Any) -> Any:
        return _whole(value)


class Submission(_Model):
    """One student's hand-in as found on disk: a folder or a ``.zip``."""

    student: str
    path: Path
    kind: Literal["directory", "zip", "notebook", "other"]


class SourceLocation(_Model):
    """Where the student defined a function or class: a file and line, and the notebook cell
    when the code came from a notebook (``line`` is then counted inside the cell)."""

    name: str  # "nn.softmax": module, then the top-level name
    file: str
    line: int
    cell: int | None = None

    def __str__(self) -> str:
        where = (
            f"cell {self.cell}, line {self.line}" if self.cell is not None else f"line {self.line}"
        )
        return f"{self.name.split('.', 1)[-1]} ({self.file}, {where})"


class NotebookSource(_Model):
    """How the module was built from a notebook: what the worker runs unit by unit, and the
    map from the module's lines back to the notebook's cells."""

    notebook: str  # the notebook's path inside the submission
    file: str  # the module file written from it, e.g. "nn.py"
    modules: list[str]  # the module names the notebook stands for
    mode: Literal["definitions", "execute"]
    units: list[Unit]
    unit_seconds: float
    seconds: float

    def cell_of(self, line: int) -> tuple[int, int] | None:
        """(cell, line in that cell) for line ``line`` of the module file."""
        for unit in self.units:
            if unit.first <= line <= unit.last:
                return unit.cell, unit.cell_line + line - unit.first
        return None


class UnitProblem(_Model):
    """A notebook statement or cell that failed while the module was built in the worker."""

    label: str
    type: str
    message: str
    traceback: str = ""


class LoadedSubmission(_Model):
    """A submission materialised into a scratch folder, or the reason it cannot be graded."""

    student: str
    source: Path
    workdir: Path | None = None
    files: list[str] = Field(default_factory=list)
    content_hash: str = ""
    not_gradable: str | None = None
    notes: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)  # required files not handed in
    notebook: NotebookSource | None = None
    locations: dict[str, SourceLocation] = Field(default_factory=dict)  # "nn.softmax" -> where

    @property
    def gradable(self) -> bool:
        return self.not_gradable is None


class CheckOutcome(_Model):
    """What running one check produced, before points are attached."""

    name: str
    visibility: Visibility
    status: Status
    fraction: float = Field(default=0.0, ge=0.0, le=1.0)
    description: str = ""
    message: str = ""
    details: str = ""
    student_traceback: str = ""
    duration_s: float = 0.0  # the check's wall time, the trusted side's own work included
    cpu_s: float = 0.0  # CPU time the worker used for it: all threads and child processes
    wall_s: float = 0.0  # wall-clock time spent waiting for the worker
    uses: list[str] = Field(default_factory=list)  # "nn.softmax": what the check called

    @property
    def credit(self) -> float:
        """The share of the check's credit earned: passed 1, partial its fraction, else 0."""
        if self.status == "passed":
            return 1.0
        return self.fraction if self.status == "partial" else 0.0


class CheckResult(CheckOutcome):
    """One check with its points, as the student sees it."""

    part: str
    points: float
    max_points: float
    where: list[SourceLocation] = Field(default_factory=list)  # where the used code is defined


class PartResult(_Model):
    name: str
    points: float
    max_points: float


class RubricLine(_Model):
    """A rubric item a grader applied to a question graded by hand."""

    title: str
    points: float
    comment: str = ""


class HandGraded(_Model):
    """A question graded by hand (``[[manual]]`` in the spec), as the student's result shows
    it. At grade time each one is listed ungraded; ``grader release-feedback`` fills in the
    grades from the course gradebook."""

    id: str
    title: str
    max_points: float
    graded: bool = False
    points: float = 0.0
    rubric: list[RubricLine] = Field(default_factory=list)
    comment: str = ""
    """The grader's own words."""


class Lateness(_Model):
    """When a submission came in against its deadline, and what that costs; set on a result
    only when a course file (``course.toml``) gives the assignment a due date.

    The penalty is shown, never silently applied: :attr:`SubmissionResult.awarded` stays the
    checks' score, and :attr:`SubmissionResult.final` takes ``percent`` off it."""

    submitted_at: datetime
    source: str
    """Where ``submitted_at`` came from: "manifest", "gradescope", "git" or "file time"."""
    deadline: datetime
    """The due date, moved by the student's extension if they have one."""
    extension: str = ""
    """The extension that moved the deadline ("2 days", "until 2026-10-08 12:00"), if any."""
    minutes_late: int = 0
    percent: float = Field(default=0.0, ge=0.0, le=100.0)
    """Percent of the score taken off: 0 on time, 100 past the zero date."""
    reason: str = ""
    """``2 days late: -20% (10% a day, capped at 30%)``."""
    warning: str = ""
    """Why ``submitted_at`` is less certain than it looks (a file time, not a record)."""


class SubmissionResult(_Model):
    """The graded result of one submission; written to ``<out>/<student>/result.json``."""

    student: str
    assignment: str
    score: float
    max_score: float
    gradable: bool
    not_gradable_reason: str | None = None
    grader_fault: str | None = None  # the grader's own code failed on this input (see boundary)
    notes: list[str] = Field(default_factory=list)
    notebook: str | None = None  # the notebook graded in place of the .py files, if one was
    parts: list[PartResult] = Field(default_factory=list)
    checks: list[CheckResult] = Field(default_factory=list)
    seed: int
    content_hash: str
    duration_s: float = 0.0
    stdout_tail: str = ""
    isolation: str = ""
    grader_version: str = ""
    late: Lateness | None = None
    hand: list[HandGraded] = Field(default_factory=list)
    """The questions graded by hand, graded or not yet (:class:`HandGraded`)."""

    @property
    def awarded(self) -> float:
        """The score to report: ``score``, or 0 for a submission that could not be graded.

        The one rule every output reports by: the feedback page and Markdown, Gradescope's
        ``results.json``, ``gradebook.csv``, ``lms.csv``, the class report and ``grader ci``.
        """
        return self.score if self.gradable else 0.0

    @property
    def percent(self) -> float:
        """:attr:`awarded` as a percentage of ``max_score`` (0 when there is nothing to earn)."""
        return 100.0 * self.awarded / self.max_score if self.max_score else 0.0

    @property
    def late_percent(self) -> float:
        """The percent the late penalty takes off (0 on time or without a deadline)."""
        return self.late.percent if self.late is not None else 0.0

    @property
    def hand_points(self) -> float:
        """The points of the questions graded by hand that have a grade."""
        return round(sum(q.points for q in self.hand if q.graded), 6)

    @property
    def hand_pending(self) -> list[str]:
        """The titles of the questions graded by hand that have no grade yet."""
        return [q.title for q in self.hand if not q.graded]

    @property
    def total(self) -> float:
        """:attr:`awarded` plus :attr:`hand_points`: the score before the late penalty."""
        return round(self.awarded + self.hand_points, 6)

    @property
    def late_points(self) -> float:
        """The points the late penalty takes off :attr:`total` (0 without a deadline)."""
        return round(self.total * self.late_percent / 100.0, 6) if self.late_percent else 0.0

    @property
    def final(self) -> float:
        """:attr:`total` less the late penalty: what the course gradebook and the LMS
        exports record (a manual override in the gradebook replaces it there). The gradebook
        records the checks' part; the grades given by hand it holds itself."""
        return round(self.total - self.late_points, 6)

    def awarded_in(self, part: str) -> float:
        """The points to report for one part, by the rule of :attr:`awarded`: the part's
        result, else the sum of its checks' points when ``parts`` does not list it."""
        if not self.gradable:
            return 0.0
        for listed in self.parts:
            if listed.name == part:
                return listed.points
        return sum(c.points for c in self.checks if c.part == part)

    def awarded_for(self, check: CheckResult) -> float:
        """The points to report for one of this result's checks, by the rule of :attr:`awarded`."""
        return check.points if self.gradable else 0.0


class GradeReport(_Model):
    """The class as a whole, returned by :func:`grader.grade.grade`."""

    assignment: str
    out_dir: Path
    seed: int
    results: list[SubmissionResult]
    skipped_unchanged: list[str] = Field(default_factory=list)
    duration_s: float = 0.0
    """The run's wall time."""
    changes: list[Change] = Field(default_factory=list)
    """What the run changed in the course gradebook (empty without a course file)."""


class RunInfo(_Model):
    """One ``grader grade`` run over a class, written to ``<out>/run.json`` at its end: the
    class report's timing card reads the run's wall time from here (the sum of the lanes'
    times is a different number, and is labelled so)."""

    assignment: str
    started_at: datetime
    wall_s: float
    """Wall-clock seconds from the start of the run to its class outputs."""
    lane_s: float
    """The sum of every submission's grading time (over the lanes, so more than ``wall_s``
    when lanes run in parallel)."""
    jobs: int
    submissions: int
    skipped_unchanged: int = 0
