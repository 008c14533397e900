"""Grading on push: ``grader ci`` and the GitHub Actions workflow for a student repository."""

from __future__ import annotations

from importlib import resources

__all__ = ["workflow", "DEFAULT_SOURCE"]

DEFAULT_SOURCE = "dl-grader @ git+https://github.com/<course>/<grader-repo>"


def workflow(assignment_id: str, source: str = DEFAULT_SOURCE) -> str:
    """The workflow file for a student repository of ``assignment_id`` (``.github/workflows/grade.yml``).

    ``source`` is what ``pip install`` gets: a requirement such as
    ``dl-grader @ git+https://github.com/my-course/dl-grader@v0.1.0``.
    """
    text = resources.files("grader.ci").joinpath("templates/grade-on-push.yml").read_text("utf-8")
    return text.replace("{{assignment}}", assignment_id).replace("{{grader_source}}", source)
