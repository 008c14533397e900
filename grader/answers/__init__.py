"""Students' answers to the questions graded by hand: found where the spec says, rendered
safe to show (:func:`find_answer`, :func:`markdown_html`)."""

from grader.answers.locate import find_answer
from grader.answers.models import (
    Answer,
    AnswerPiece,
    CodePiece,
    ImagePiece,
    MarkdownPiece,
    PdfPiece,
    TextPiece,
)
from grader.answers.render import code_html, markdown_html, math_html

__all__ = [
    "Answer",
    "AnswerPiece",
    "CodePiece",
    "ImagePiece",
    "MarkdownPiece",
    "PdfPiece",
    "TextPiece",
    "code_html",
    "find_answer",
    "markdown_html",
    "math_html",
]
