"""Questions people grade: ``[[manual]]`` items of an assignment spec.

A manual item is a question no check can judge (a derivation, a plot, a written answer). The
spec gives its points, the prompt, where the student's answer lives and a rubric to start
from. People grade it in the browser (``grader serve``); the grade lives in the course
gradebook and joins the checks' points in the final score, the feedback and the exports.

Example::

    [[manual]]
    id = "softmax_jacobian"
    title = "Q1: the softmax Jacobian"
    points = 4
    prompt = "Derive $\\partial s_i / \\partial z_j$ for $s = \\mathrm{softmax}(z)$."
    answer = { cell_tag = "softmax-jacobian" }

    [[manual.rubric]]
    id = "diagonal"
    points = 2
    title = "Diagonal terms"
    comment = "Right: $s_i (1 - s_i)$ on the diagonal."

Grading is ``positive`` (start at 0, rubric items add) or ``negative`` (start at the item's
points, rubric items take off: their points are negative). Either way a grade is the start,
plus the points of the rubric items applied, plus any free adjustment, kept within 0 and
the item's points (:func:`manual_score`).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "AnswerCellTag",
    "AnswerCellTitle",
    "AnswerFile",
    "AnswerLocation",
    "AnswerPdfPage",
    "ManualItem",
    "RubricItemSpec",
    "manual_score",
]

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AnswerCellTag(_Strict):
    """The notebook cells tagged ``cell_tag`` (Jupyter's cell tags), with their outputs:
    a markdown derivation, or a code cell and the plot it produced."""

    cell_tag: str = Field(min_length=1)

    def describe(self) -> str:
        return f"the notebook cells tagged {self.cell_tag!r}"


class AnswerCellTitle(_Strict):
    """The notebook's markdown cell whose heading is ``cell_title`` (case, spacing, a
    leading number such as "1." or "Q1:" and a trailing "?" forgiven), and every cell after
    it up to the next heading of the same or a higher level."""

    cell_title: str = Field(min_length=1)

    def describe(self) -> str:
        return f"the notebook section headed {self.cell_title!r}"


class AnswerFile(_Strict):
    """A file handed in beside the code: Markdown or text (rendered), an image (shown),
    a Python file (shown as code). With ``section``, only the part of a Markdown file under
    the heading ``section`` (case and spacing forgiven; a heading that starts with it, so
    ``Q1`` finds ``## Q1: the softmax Jacobian``), up to the next heading of its level."""

    file: str = Field(min_length=1)
    section: str | None = Field(default=None, min_length=1)

    @field_validator("file")
    @classmethod
    def _relative(cls, value: str) -> str:
        if value.startswith(("/", "\\")) or ".." in value.replace("\\", "/").split("/"):
            raise ValueError(
                f"file is a path inside the submission like answers.md or plots/loss.png, given: {value!r}"
            )
        return value

    def describe(self) -> str:
        where = f"the file {self.file}"
        return f"the section {self.section!r} of {where}" if self.section else where


class AnswerPdfPage(_Strict):
    """Page ``page`` (from 1) of a PDF handed in (a scanned or typeset write-up)."""

    pdf: str = Field(min_length=1)
    page: int = Field(default=1, ge=1)

    @field_validator("pdf")
    @classmethod
    def _pdf_name(cls, value: str) -> str:
        if not value.lower().endswith(".pdf") or value.startswith("/") or ".." in value.split("/"):
            raise ValueError(
                f"pdf is a PDF file inside the submission like writeup.pdf, given: {value!r}"
            )
        return value

    def describe(self) -> str:
        return f"page {self.page} of {self.pdf}"


AnswerLocation = AnswerCellTag | AnswerCellTitle | AnswerFile | AnswerPdfPage
"""Where a student's answer to a manual item lives; one of the four, told apart by its key."""


class RubricItemSpec(_Strict):
    """One rubric item: points (negative in negative grading) and the comment the student
    reads when it is applied. ``id`` stays fixed when the title or points change, so the
    grades that applied it follow it."""

    id: str
    title: str = Field(min_length=1)
    points: float
    comment: str = ""

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(
                f"rubric item ids are lower_snake_case like diagonal, given: {value!r}"
            )
        return value


class ManualItem(_Strict):
    """One question graded by hand (``[[manual]]``)."""

    id: str
    title: str = Field(min_length=1)
    points: float = Field(gt=0)
    prompt: str = ""
    """What the student was asked, in Markdown with ``$...$`` LaTeX; shown to the grader."""
    grading: Literal["positive", "negative"] = "positive"
    answer: AnswerLocation | None = None
    """Where the answer lives; None: the grader reads the whole submission."""
    rubric: list[RubricItemSpec] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(
                f"manual item ids are lower_snake_case like softmax_jacobian, given: {value!r}"
            )
        return value

    @model_validator(mode="after")
    def _rubric_fits(self) -> ManualItem:
        ids = [r.id for r in self.rubric]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(
                f"manual item {self.id}: rubric item ids must be unique, {', '.join(twice)} is "
                "listed more than once"
            )
        for r in self.rubric:
            if self.grading == "negative" and r.points > 0:
                raise ValueError(
                    f"manual item {self.id} is graded negative (start at {self.points:g}, take "
                    f"off): rubric item {r.id} must have points of 0 or less, given {r.points:g}"
                )
            if abs(r.points) > self.points:
                raise ValueError(
                    f"manual item {self.id}: rubric item {r.id} is worth {r.points:g}, more than "
                    f"the item's {self.points:g} points"
                )
        return self

    @property
    def start(self) -> float:
        """The score before any rubric item: 0 (positive grading) or the points (negative)."""
        return 0.0 if self.grading == "positive" else self.points


def manual_score(start: float, applied: list[float], adjustment: float, maximum: float) -> float:
    """A manual grade: ``start`` plus the applied rubric items' points plus the free
    ``adjustment``, kept within 0 and ``maximum``."""
    raw = start + sum(applied) + adjustment
    return round(min(max(raw, 0.0), maximum), 6)
