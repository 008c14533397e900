"""The report stage: what a graded submission becomes on disk, rendered.

Per student, in ``<out>/<student>/``: ``feedback.html`` and ``feedback.md``
(:func:`write_feedback`) and Gradescope's ``results.json`` (:func:`write_gradescope`).
For the class: ``<out>/gradebook.csv`` (:func:`write_gradebook`), ``lms.csv``
(:mod:`grader.report.lms`) and the class page (:mod:`grader.report.classreport`). Which of
them are written, and when, is the lists in :mod:`grader.outputs`. For a course: the course
page across its assignments (:mod:`grader.report.coursepage`), from the gradebook.
See ``docs/result-formats.md``.
"""

from grader.report.feedback import (
    render_feedback_html,
    render_feedback_markdown,
    write_feedback,
)
from grader.report.gradebook import gradebook_rows, write_gradebook
from grader.report.gradescope import (
    GradescopeResults,
    GradescopeTest,
    to_gradescope,
    write_gradescope,
)

__all__ = [
    "GradescopeResults",
    "GradescopeTest",
    "gradebook_rows",
    "render_feedback_html",
    "render_feedback_markdown",
    "to_gradescope",
    "write_feedback",
    "write_gradebook",
    "write_gradescope",
]
