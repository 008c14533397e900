"""The student's feedback page, ``feedback.html``, and the same page as ``feedback.md``
(:mod:`grader.report.feedback` renders both)."""

from __future__ import annotations

from pathlib import Path

from grader import atomic
from grader.models import SubmissionResult
from grader.report.feedback import render_feedback_html, render_feedback_markdown

__all__ = ["FeedbackHtml", "FeedbackMarkdown"]


class FeedbackHtml:
    """A self-contained HTML page: inline CSS, no scripts, no external assets."""

    name = "feedback.html"

    def write(self, result: SubmissionResult, folder: Path) -> list[Path]:
        path = folder / self.name
        atomic.write_text(path, render_feedback_html(result))
        return [path]


class FeedbackMarkdown:
    """The feedback page's content as Markdown."""

    name = "feedback.md"

    def write(self, result: SubmissionResult, folder: Path) -> list[Path]:
        path = folder / self.name
        atomic.write_text(path, render_feedback_markdown(result))
        return [path]
