"""Result models: what each pipeline stage returns.

discover -> :class:`Submission`; load -> :class:`LoadedSubmission`;
run checks -> :class:`CheckOutcome` per check; score -> :class:`SubmissionResult`;
the class as a whole -> :class:`GradeReport`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["passed", "partial", "failed", "error", "timeout", "crashed", "not_run"]
Visibility = Literal["public", "hidden"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Submission(_Model):
    """One student's hand-in as found on disk: a folder or a ``.zip``."""

    student: str
    path: Path
    kind: Literal["directory", "zip", "other"]


class LoadedSubmission(_Model):
    """A submission materialised into a scratch folder, or the reason it cannot be graded."""

    student: str
    source: Path
    workdir: Path | None = None
    files: list[str] = Field(default_factory=list)
    content_hash: str = ""
    not_gradable: str | None = None
    notes: list[str] = Field(default_factory=list)

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
    duration_s: float = 0.0


class CheckResult(CheckOutcome):
    """One check with its points, as the student sees it."""

    part: str
    points: float
    max_points: float


class PartResult(_Model):
    name: str
    points: float
    max_points: float


class SubmissionResult(_Model):
    """The graded result of one submission; written to ``<out>/<student>/result.json``."""

    student: str
    assignment: str
    score: float
    max_score: float
    gradable: bool
    not_gradable_reason: str | None = None
    notes: list[str] = Field(default_factory=list)
    parts: list[PartResult] = Field(default_factory=list)
    checks: list[CheckResult] = Field(default_factory=list)
    seed: int
    content_hash: str
    duration_s: float = 0.0
    stdout_tail: str = ""
    isolation: str = ""
    grader_version: str = ""

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0


class GradeReport(_Model):
    """The class as a whole, returned by :func:`grader.grade.grade`."""

    assignment: str
    out_dir: Path
    seed: int
    results: list[SubmissionResult]
    skipped_unchanged: list[str] = Field(default_factory=list)
    duration_s: float = 0.0
