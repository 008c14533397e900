"""Write a notebook from Python modules: the notebook form of a template (or of a reference).

One markdown cell with the handout, then (in a template) the cell that installs the grader
(:func:`install_cell`), then for each module a setup cell (its imports and
constants) and one code cell per top-level function or class, each headed by a markdown cell
with its name, then a last cell that runs the public checks. Cell ids are fixed, so the
same modules always give the same file (the template is checked in and tested for drift).
"""

from __future__ import annotations

import ast
import json
from typing import Any

import nbformat

from grader.notebook.extract import DEFINITIONS, statement_text

__all__ = [
    "INSTALL_PLACEHOLDER",
    "check_cells",
    "install_cell",
    "notebook_from_modules",
    "notebook_of",
    "notebook_text",
]


Notebook = dict[str, Any]


def notebook_from_modules(
    modules: dict[str, str],
    *,
    handout: str,
    assignment_id: str,
    install: dict[str, Any] | None = None,
) -> Notebook:
    """A valid nbformat 4 notebook holding ``modules`` (file name -> text), in order;
    ``install`` (an :func:`install_cell`) goes right after the handout."""
    cells = [_markdown(handout.strip())]
    if install is not None:
        cells.append(install)
    for name, text in modules.items():
        tree = ast.parse(text)
        lines = text.split("\n")
        if len(modules) > 1:
            cells.append(_markdown(f"## `{name}`\n\n{_docstring(tree)}".strip()))
        setup = [
            statement_text(lines, s)
            for s in tree.body
            if not isinstance(s, DEFINITIONS) and not _is_doc(s)
        ]
        if setup:
            cells.append(_code("\n".join(setup)))
        for stmt in tree.body:
            if isinstance(stmt, DEFINITIONS):
                kind = "class" if isinstance(stmt, ast.ClassDef) else "function"
                cells.append(_markdown(f"### `{stmt.name}` ({kind})"))
                cells.append(_code(statement_text(lines, stmt)))
    cells.extend(check_cells(assignment_id))
    return notebook_of(cells)


def notebook_of(cells: list[dict[str, Any]]) -> Notebook:
    """A valid nbformat-4 notebook of ``cells``, numbered ``cell-001``, ``cell-002``, ..."""
    for number, cell in enumerate(cells, start=1):
        cell["id"] = f"cell-{number:03d}"
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    nbformat.validate(nbformat.from_dict(nb))  # type: ignore[no-untyped-call]
    return nb


def check_cells(assignment_id: str) -> list[dict[str, Any]]:
    """The template's last two cells: a heading, and the cell that runs the public checks."""
    return [
        _markdown(
            "## Check your work\n\nSave the notebook first: the checks read the saved file. "
            "These are the public checks; more checks run when you hand in."
        ),
        _code(f'from grader import check\n\ncheck("{assignment_id}")'),
    ]


INSTALL_PLACEHOLDER = "<the course's grader source>"


def install_cell(requirement: str | None) -> dict[str, Any]:
    """The template's first code cell: ``%pip install`` of the grader from ``requirement``
    (``dl-grader @ git+https://...``: the core, no extras), or, when the course has not said
    where from, comments that leave the line for the instructor. Grading never runs it: the
    ``%pip`` line is IPython and becomes ``pass`` (:mod:`grader.notebook.magics`)."""
    if requirement is None:
        return _code(
            "# Install the grader as your course's instructions say, then run this notebook.\n"
            "# Your instructor gives the line (the spec's [student] grader_source), e.g.:\n"
            f'# %pip install -q "dl-grader @ {INSTALL_PLACEHOLDER}"'
        )
    return _code(
        "# Installs the grader that runs the checks at the end (once; grading skips this cell).\n"
        f'%pip install -q "{requirement}"'
    )


def notebook_text(nb: Notebook) -> str:
    """The notebook as the text of an ``.ipynb`` file (Jupyter's own layout)."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _markdown(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": _lines(text)}


def _code(text: str) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": _lines(text),
    }


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _is_doc(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def _docstring(tree: ast.Module) -> str:
    return ast.get_docstring(tree) or ""
