"""What was found of a student's answer to a question graded by hand, ready to show.

Every piece holds text or HTML made safe here (:mod:`grader.answers.render`): the page that
shows them inserts ``html`` as is and escapes everything else.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Answer",
    "AnswerPiece",
    "CodePiece",
    "ImagePiece",
    "MarkdownPiece",
    "PdfPiece",
    "TextPiece",
]


class _Piece(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MarkdownPiece(_Piece):
    """Markdown with its math, rendered to safe HTML (raw HTML in it is shown as text)."""

    kind: Literal["markdown"] = "markdown"
    html: str


class CodePiece(_Piece):
    """Code, escaped (``html`` is the ``<pre>`` block)."""

    kind: Literal["code"] = "code"
    code: str
    language: str = "python"
    html: str


class ImagePiece(_Piece):
    """A PNG, JPEG or GIF as a ``data:`` URI (SVG is never shown: it can carry script)."""

    kind: Literal["image"] = "image"
    mime: Literal["image/png", "image/jpeg", "image/gif"]
    data_uri: str
    alt: str = ""


class TextPiece(_Piece):
    """Plain text (a cell's printed output), to be shown escaped."""

    kind: Literal["text"] = "text"
    text: str


class PdfPiece(_Piece):
    """A page of a PDF in the submission; the page that shows it serves the file."""

    kind: Literal["pdf"] = "pdf"
    path: str
    """The PDF's path inside the submission (POSIX)."""
    page: int
    pages: int | None = None
    """How many pages it has, when that could be counted."""


AnswerPiece = MarkdownPiece | CodePiece | ImagePiece | TextPiece | PdfPiece


class Answer(BaseModel):
    """A student's answer to one question: its pieces in order, or the problem finding it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item: str
    where: str
    """Where it was looked for, in words: "the section 'Q1' of derivations.md"."""
    pieces: list[AnswerPiece] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    """What was left out, and why (an SVG, an image too big, text cut)."""
    problem: str = ""
    """Empty when found; else why there is nothing to show, in a sentence."""
