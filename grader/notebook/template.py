"""The notebook form of an assignment's template: ``student_template/<id>/<id>.ipynb``.

Written by ``grader release`` next to the ``.py`` template when the spec accepts notebooks
(``[submission.notebook]``). Its first cell is the handout, ``assignments/<id>/handout.md``
(the spec's title and the module docstrings when there is none); then the cell that installs
the grader (the spec's ``[student] grader_source``); then the stubs of every
submitted module, one cell per function or class; then a cell that runs the public checks.
"""

from __future__ import annotations

import ast
from typing import Any

from grader.course import Assignment
from grader.notebook.write import install_cell, notebook_from_modules, notebook_text

__all__ = ["grader_install_cell", "grading_note", "notebook_template"]


def notebook_template(assignment: Assignment, stubs: dict[str, str]) -> dict[str, str]:
    """``{"<id>.ipynb": text}`` from the template's module texts, or ``{}`` when the spec
    takes no notebooks."""
    spec = assignment.spec
    if spec.submission.notebook is None:
        return {}
    modules = {name: stubs[name] for name in spec.submission.files if name in stubs}
    nb = notebook_from_modules(
        modules,
        handout=_handout(assignment, modules),
        assignment_id=assignment.id,
        install=grader_install_cell(assignment),
    )
    return {f"{assignment.id}.ipynb": notebook_text(nb)}


def grader_install_cell(assignment: Assignment) -> dict[str, Any]:
    """The template's first code cell, installing the grader from the spec's source."""
    student = assignment.spec.student
    return install_cell(student.requirement() if student is not None else None)


def _handout(assignment: Assignment, modules: dict[str, str]) -> str:
    path = assignment.dir / "handout.md"
    if path.is_file():
        text = path.read_text(encoding="utf-8")
    else:
        docs = [ast.get_docstring(ast.parse(t)) or "" for t in modules.values()]
        text = f"# {assignment.spec.title}\n\n" + "\n\n".join(d for d in docs if d)
    return f"{text.strip()}\n\n{grading_note(assignment)}"


def grading_note(assignment: Assignment) -> str:
    """The paragraph that tells a student how the template's notebook is graded."""
    nb = assignment.spec.submission.notebook
    accepted = " or ".join(f"`{n}`" for n in (nb.accept[:2] if nb else []))
    return (
        "**How this notebook is graded.** Fill in every cell that raises `NotImplementedError`. "
        f"Hand in this notebook, named {accepted}. " + _mode_words(assignment)
    )


def _mode_words(assignment: Assignment) -> str:
    nb = assignment.spec.submission.notebook
    assert nb is not None
    if nb.mode == "execute":
        return (
            f"Every cell runs from the top at grading, at most {nb.cell_seconds:g} s each and "
            f"{nb.seconds:g} s in all, with no internet and no `input()`."
        )
    return (
        "At grading only imports, functions, classes and the constants they use are kept: "
        "your experiments, training runs and plots stay in the notebook and are not run."
    )
