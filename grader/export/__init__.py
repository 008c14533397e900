"""Exports of an assignment to other graders' formats: ``grader export gradescope``
(:mod:`grader.export.gradescope`), whose zip runs :mod:`grader.export.autograder` inside
Gradescope's image."""

from __future__ import annotations

from grader.export.gradescope import GradescopeZip, export_gradescope

__all__ = ["GradescopeZip", "export_gradescope"]
