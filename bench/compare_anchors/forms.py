"""The assignment in three forms, and each student's notebook in each form.

- nbgrader: a course folder with ``source/activations/activations.ipynb`` (solution cells
  between ``### BEGIN SOLUTION`` markers, one autograded test cell per test with its points,
  the hidden ones between ``### BEGIN HIDDEN TESTS`` markers); ``nbgrader generate_assignment``
  makes the release notebook the students' notebooks are written from.
- Otter: an ``otter assign`` master notebook (questions, solutions, test cells with their
  points, hidden tests marked); ``otter assign`` makes the autograder zip and the student
  notebook.
- ours: a course folder with ``assignments/activations/`` (spec, public and hidden checks)
  and ``reference/activations/activations.py``; the student notebook is the one
  ``grader release`` would write (:func:`grader.notebook.write.notebook_from_modules`).

A student's notebook is the tool's own student notebook with the student's code put in the
setup cell and in the cell of each function; everything else is the tool's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.compare_anchors.assignment import (
    ASSIGNMENT,
    CHECKS_HIDDEN,
    CHECKS_PUBLIC,
    FUNCTIONS,
    MODULE,
    NOTEBOOK,
    SETUP,
    SOLUTIONS,
    TIMEOUT_S,
    reference_text,
    spec_text,
    tests_of,
)
from bench.compare_anchors.students import Student

Notebook = dict[str, Any]
TITLE = "# Activations and their derivatives\n\nFill in the three functions below."


def code(source: str, **metadata: Any) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": metadata,
        "outputs": [],
        "source": source,
    }


def markdown(source: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def raw(source: str) -> dict[str, Any]:
    return {"cell_type": "raw", "metadata": {}, "source": source}


def notebook(cells: list[dict[str, Any]]) -> Notebook:
    for number, cell in enumerate(cells, start=1):
        cell["id"] = f"cell-{number:03d}"
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write_json(path: Path, data: Notebook) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def with_markers(solution: str, begin: str, end: str) -> str:
    """A solution with its body (after the docstring line) between solution markers."""
    head, doc, *body = solution.rstrip("\n").split("\n")
    return "\n".join([head, doc, f"    {begin}", *body, f"    {end}"]) + "\n"


def source_text(cell: dict[str, Any]) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else str(source)


def answered(template: Notebook, student: Student) -> Notebook:
    """``template`` (a tool's student notebook) with ``student``'s code in its answer cells:
    the setup cell, and the cell holding ``def <function>(`` for each function."""
    nb: Notebook = json.loads(json.dumps(template))
    found: set[str] = set()
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        text = source_text(cell)
        if text.strip() == SETUP:
            cell["source"], found = student.setup, found | {"setup"}
        for function in FUNCTIONS:
            if f"def {function}(" in text:
                cell["source"], found = student.cells[function], found | {function}
    missing = {"setup", *FUNCTIONS} - found
    if missing:
        raise RuntimeError(f"the tool's student notebook has no cell for {sorted(missing)}")
    return nb


# -- nbgrader ---------------------------------------------------------------------------------


def nbgrader_meta(grade_id: str, *, solution: bool, points: int = 0) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "grade": not solution,
        "grade_id": grade_id,
        "locked": not solution,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if not solution:
        meta["points"] = points
    return {"nbgrader": meta}


def nbgrader_source() -> Notebook:
    """The instructor's notebook: solutions, and one autograded test cell per test."""
    cells = [markdown(TITLE), code(SETUP)]
    for function in FUNCTIONS:
        cells.append(markdown(f"## `{function}`"))
        text = with_markers(SOLUTIONS[function], "### BEGIN SOLUTION", "### END SOLUTION")
        cells.append(code(text, **nbgrader_meta(function, solution=True)))
        for test in tests_of(function):
            body = test.body
            if test.hidden:
                body = f"### BEGIN HIDDEN TESTS\n{body}### END HIDDEN TESTS\n"
            cells.append(code(body, **nbgrader_meta(test.name, solution=False, points=test.points)))
    return notebook(cells)


NBGRADER_CONFIG = f"""\
c = get_config()
c.CourseDirectory.course_id = "anchors"
c.Execute.timeout = {TIMEOUT_S}  # seconds per cell; the kernel is interrupted, the rest goes on
"""


def make_nbgrader_course(root: Path) -> Path:
    """The nbgrader course folder (before ``generate_assignment``)."""
    course = root / "nbgrader"
    course.mkdir(parents=True, exist_ok=True)
    (course / "nbgrader_config.py").write_text(NBGRADER_CONFIG, encoding="utf-8")
    write_json(course / "source" / ASSIGNMENT / NOTEBOOK, nbgrader_source())
    return course


def write_nbgrader_submissions(course: Path, students: list[Student]) -> None:
    """``submitted/<student>/activations/activations.ipynb`` from the release notebook."""
    release = json.loads((course / "release" / ASSIGNMENT / NOTEBOOK).read_text("utf-8"))
    for student in students:
        folder = course / "submitted" / student.name / ASSIGNMENT
        write_json(folder / NOTEBOOK, answered(release, student))
        (folder / "timestamp.txt").write_text("2024-01-01 12:00:00 UTC\n", encoding="utf-8")


# -- Otter ------------------------------------------------------------------------------------

OTTER_CONFIG = f"""\
# ASSIGNMENT CONFIG
name: {ASSIGNMENT}
init_cell: true
check_all_cell: false
export_cell: false
run_tests: false
solutions_pdf: false
template_pdf: false
"""


def otter_test_cell(test_body: str, *, points: int, hidden: bool) -> dict[str, Any]:
    config = f'""" # BEGIN TEST CONFIG\npoints: {points}\nhidden: {str(hidden).lower()}\n""" # END TEST CONFIG\n'
    return code(config + test_body)


def otter_master() -> Notebook:
    """The ``otter assign`` master notebook: one question per function."""
    cells = [raw(OTTER_CONFIG), markdown(TITLE), code(SETUP)]
    for function in FUNCTIONS:
        cells.append(raw(f"# BEGIN QUESTION\nname: {function}"))
        cells.append(markdown(f"## `{function}`"))
        cells.append(raw("# BEGIN SOLUTION"))
        cells.append(code(with_markers(SOLUTIONS[function], "# BEGIN SOLUTION", "# END SOLUTION")))
        cells.append(raw("# END SOLUTION"))
        cells.append(raw("# BEGIN TESTS"))
        for test in tests_of(function):
            cells.append(otter_test_cell(test.body, points=test.points, hidden=test.hidden))
        cells.append(raw("# END TESTS"))
        cells.append(raw("# END QUESTION"))
    return notebook(cells)


def make_otter_master(root: Path) -> Path:
    """The Otter master notebook, ready for ``otter assign``; returns its path."""
    path = root / "otter" / "master" / NOTEBOOK
    write_json(path, otter_master())
    return path


def write_otter_submissions(student_notebook: Path, out: Path, students: list[Student]) -> None:
    """``<out>/<student>.ipynb`` from Otter's student notebook."""
    template = json.loads(student_notebook.read_text("utf-8"))
    for student in students:
        write_json(out / student.name / NOTEBOOK, answered(template, student))


# -- ours -------------------------------------------------------------------------------------


def make_our_course(root: Path, timeout_s: float = TIMEOUT_S) -> Path:
    """A course folder with the one assignment (``timeout_s`` per check); returns it."""
    course = root / "ours"
    files = {
        f"assignments/{ASSIGNMENT}/assignment.toml": spec_text(timeout_s),
        f"assignments/{ASSIGNMENT}/checks/public/test_public.py": CHECKS_PUBLIC,
        f"assignments/{ASSIGNMENT}/checks/hidden/test_hidden.py": CHECKS_HIDDEN,
        f"reference/{ASSIGNMENT}/{MODULE}.py": reference_text(),
    }
    for rel, text in files.items():
        path = course / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return course


def our_template() -> Notebook:
    """The notebook ``grader release`` writes for this assignment (solutions in place of the
    stubs: :func:`answered` replaces them anyway)."""
    from grader.notebook.write import notebook_from_modules

    module = SETUP + "\n\n\n" + "\n\n".join(SOLUTIONS[f] for f in FUNCTIONS)
    return notebook_from_modules({f"{MODULE}.py": module}, handout=TITLE, assignment_id=ASSIGNMENT)


def write_our_submissions(out: Path, students: list[Student]) -> None:
    """``<out>/<student>/activations.ipynb``."""
    template = our_template()
    for student in students:
        write_json(out / student.name / NOTEBOOK, answered(template, student))
