"""Gradescope's ``results.json``, from one :class:`~grader.models.SubmissionResult`.

The format is Gradescope's autograder specification
(https://gradescope-autograders.readthedocs.io/en/latest/specs/). Only the fields we fill are
modelled, and the models forbid any other, so a typo cannot reach Gradescope.

Public checks are ``"visible"``; hidden checks are ``"after_published"``: the student sees
them, and the points they carry, once the instructor publishes grades. As on the feedback
page, a hidden check shows its description and message but not its details or traceback.
Text is cleaned as on the feedback page (:func:`~grader.report.feedback.clean_output`), and a
lone surrogate (a folder name that is not UTF-8) becomes U+FFFD, so the file is always JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from grader import atomic
from grader.models import STATUS, CheckResult, SubmissionResult
from grader.report.feedback import (
    DETAILS_LIMIT,
    MESSAGE_LIMIT,
    TRACEBACK_LIMIT,
    clean_output,
    clip_head,
    clip_tail,
    format_points,
    late_lines,
    total_line,
)
from grader.safetext import well_formed_model

__all__ = [
    "RESULTS_FILE",
    "GradescopeResults",
    "GradescopeTest",
    "to_gradescope",
    "write_gradescope",
]

RESULTS_FILE = "results.json"
"""The name Gradescope's autograder harness reads."""

GradescopeVisibility = Literal["visible", "hidden", "after_due_date", "after_published"]
OutputFormat = Literal["text", "html", "simple_format", "md", "ansi"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GradescopeTest(_Strict):
    """One entry of ``tests``: one of our checks."""

    score: float
    max_score: float
    name: str
    number: str | None = None
    output: str = ""
    output_format: OutputFormat | None = None
    visibility: GradescopeVisibility = "visible"
    status: Literal["passed", "failed"] | None = None


class GradescopeResults(_Strict):
    """The whole ``results.json``. ``score`` overrides the sum of the tests' scores."""

    score: float
    execution_time: int | None = None
    output: str = ""
    output_format: OutputFormat | None = None
    stdout_visibility: GradescopeVisibility | None = None
    tests: list[GradescopeTest] = Field(default_factory=list)


def build_gradescope(result: SubmissionResult) -> GradescopeResults:
    """The validated model behind :func:`to_gradescope`."""
    result = well_formed_model(result)
    numbers = _numbers(result)
    return GradescopeResults(
        score=result.awarded,
        execution_time=round(result.duration_s),
        output=_summary(result),
        output_format="text",
        # Gradescope's stdout is the grader's own log: for instructors only.
        stdout_visibility="hidden",
        tests=[_test(result, check, numbers[i]) for i, check in enumerate(result.checks)],
    )


def to_gradescope(result: SubmissionResult) -> dict[str, object]:
    """``results.json`` as a JSON-ready dict; fields left unset are omitted."""
    return build_gradescope(result).model_dump(mode="json", exclude_none=True)


def write_gradescope(result: SubmissionResult, student_dir: Path) -> Path:
    """Write ``student_dir/results.json`` atomically; return its path."""
    text = build_gradescope(result).model_dump_json(indent=2, exclude_none=True)
    path = student_dir / RESULTS_FILE
    atomic.write_text(path, text + "\n")
    return path


def _summary(result: SubmissionResult) -> str:
    """The submission-wide text: total, the deadline (when the course file gives one), why it
    could not be graded, notes, part subtotals."""
    lines = [f"{result.assignment}: {total_line(result)}"]
    if result.late is not None:  # shown only: Gradescope applies its own late policy
        lines += ["", *late_lines(result)]
    if not result.gradable:
        reason = result.not_gradable_reason or "No reason was recorded."
        lines += ["", f"This submission could not be graded: {reason}"]
    if result.notes:
        lines += ["", "Notes:", *(f"- {note}" for note in result.notes)]
    if result.parts:
        lines.append("")
    for part in result.parts:
        points = format_points(result.awarded_in(part.name))
        lines.append(f"{part.name}: {points} / {format_points(part.max_points)}")
    return clean_output("\n".join(lines))


def _test(result: SubmissionResult, check: CheckResult, number: str) -> GradescopeTest:
    hidden = check.visibility == "hidden"
    label, meaning = STATUS[check.status].label, STATUS[check.status].meaning
    heading = f"{label}: {meaning}." if meaning else f"{label}."
    shown = [check.description, clip_head(check.message, MESSAGE_LIMIT).text]
    if not hidden:
        shown.append(clip_head(check.details, DETAILS_LIMIT).text)
        shown.append(clip_tail(check.student_traceback, TRACEBACK_LIMIT).text)
    return GradescopeTest(
        score=result.awarded_for(check),
        max_score=check.max_points,
        name=clean_output(check.name),
        number=number,
        output=clean_output("\n\n".join([heading, *(t.strip() for t in shown if t.strip())])),
        output_format="text",
        visibility="after_published" if hidden else "visible",
        status="passed" if check.status == "passed" and result.gradable else "failed",
    )


def _numbers(result: SubmissionResult) -> list[str]:
    """``"<part>.<check>"``, both counted from 1 in order of first appearance."""
    parts = list(dict.fromkeys([p.name for p in result.parts] + [c.part for c in result.checks]))
    seen: dict[str, int] = {}
    numbers = []
    for check in result.checks:
        seen[check.part] = seen.get(check.part, 0) + 1
        numbers.append(f"{parts.index(check.part) + 1}.{seen[check.part]}")
    return numbers
