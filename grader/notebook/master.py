"""Author an assignment in a master notebook: ``reference/<id>/<id>.ipynb``.

The master is the one source of truth, as nbgrader's and Otter's users know it: its code
cells hold the reference, each solution between ``# BEGIN SOLUTION`` and ``# END SOLUTION``
(nbgrader's ``### BEGIN SOLUTION`` works too), and its markdown cells are the handout.
``grader release`` writes from it:

* ``reference/<id>/<module>.py``, the module the trusted side imports and mutants patch: the
  statements the notebook loader keeps from the master (definitions mode: imports,
  functions, classes and the constants they use; execute mode: every cell), markers kept,
  under a header that says it is generated. Demo, training and plotting cells are left out
  exactly as they are from a student's notebook.
* ``student_template/<id>/<module>.py``, that module with each solution region a stub.
* ``student_template/<id>/<id>.ipynb``, the master with its outputs cleared, each solution
  region a ``raise NotImplementedError`` stub, the grading note and the cell that installs
  the grader after the first cell, and a cell that runs the public checks at the end (unless
  the master has its own).

A master notebook stands for one module (the spec's one ``.py`` file), as a student's
notebook does. Every mistake here is the instructor's and fails fast with the fix.
"""

from __future__ import annotations

import ast
import json
from typing import Any

from pydantic import BaseModel, ConfigDict

from grader.course import Assignment
from grader.errors import MaterialError
from grader.markers import END, has_markers, template_text
from grader.notebook.extract import self_check
from grader.notebook.keep import kept_statements, span
from grader.notebook.magics import clean_cell
from grader.notebook.read import Cell, NotebookRefused, parse_notebook
from grader.notebook.template import grader_install_cell, grading_note
from grader.notebook.write import check_cells, notebook_of, notebook_text

__all__ = ["MasterModule", "read_master", "reference_text", "student_notebook"]

Statement = tuple[int, list[str], ast.stmt]
"""A top-level statement of a master code cell: the cell's number, its lines, the statement."""


class MasterModule(BaseModel):
    """The module a master notebook holds, and the notebook's cells."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    notebook: str  # where the master is, for messages: "reference/nn_numpy/nn_numpy.ipynb"
    name: str  # "nn_numpy.ipynb"
    file: str  # the module it stands for: "nn.py"
    text: str  # the module's docstring and kept code, markers kept, without the header
    cells: list[Cell]


def read_master(assignment: Assignment) -> MasterModule | None:
    """The master notebook's module, or None when the assignment has no master notebook."""
    path = assignment.master_notebook
    if path is None:
        return None
    where = str(path.relative_to(assignment.course))
    files = [f for f in assignment.spec.submission.files if f.endswith(".py")]
    if len(files) != 1:
        raise MaterialError(
            f"{where}: a master notebook stands for one module, but [submission] files lists "
            f"{len(files)} .py files ({', '.join(files) or 'none'}); list one, or write the "
            "reference as .py files and remove the notebook"
        )
    data = path.read_bytes()
    try:
        nb = parse_notebook(data, path.name)
    except NotebookRefused as exc:
        raise MaterialError(f"{where}: not a notebook the grader can read: {exc}") from None
    raw = json.loads(data).get("cells")  # nbformat 4; cell metadata is read only there
    _refuse_leaks(nb.cells, raw if isinstance(raw, list) else [], where)
    for cell in nb.code_cells:  # unbalanced markers fail here, naming the cell
        template_text(cell.source, f"{where} cell {cell.number}")
    nb_config = assignment.spec.submission.notebook
    mode = nb_config.mode if nb_config is not None else "definitions"
    statements = _statements(nb.code_cells, where)
    kept = list(range(len(statements))) if mode == "execute" else kept_statements(statements, [])
    pieces = _pieces(statements, kept)
    return MasterModule(
        notebook=where,
        name=path.name,
        file=files[0],
        text=_docstring(assignment, path.name) + "\n\n\n".join(pieces) + "\n",
        cells=nb.cells,
    )


def _refuse_leaks(cells: list[Cell], raw: list[Any], where: str) -> None:
    """Fail on what would reach students as written: an answer outside a code cell's
    markers (a marker in a markdown cell, an nbgrader solution cell with no markers) and
    nbgrader's hidden tests."""
    for cell in cells:
        text = cell.source
        found = raw[cell.number - 1] if cell.number <= len(raw) else {}
        metadata = found.get("metadata") if isinstance(found, dict) else None
        nbgrader = metadata.get("nbgrader") if isinstance(metadata, dict) else None
        if "BEGIN HIDDEN TESTS" in text:
            raise MaterialError(
                f"{where} cell {cell.number}: holds BEGIN HIDDEN TESTS, which would reach "
                "students; put hidden checks in the assignment's checks/hidden/ instead"
            )
        if cell.kind != "code" and has_markers(text):
            raise MaterialError(
                f"{where} cell {cell.number}: a {cell.kind} cell with BEGIN SOLUTION; solution "
                "regions work in code cells only, and this cell would reach students as written"
            )
        solution_cell = isinstance(nbgrader, dict) and bool(nbgrader.get("solution"))
        if cell.kind == "code" and solution_cell and not has_markers(text):
            raise MaterialError(
                f"{where} cell {cell.number}: an nbgrader solution cell with no solution "
                "region would reach students whole; put ### BEGIN SOLUTION / ### END "
                "SOLUTION around the answer"
            )


def reference_text(master: MasterModule, assignment_id: str) -> str:
    """The text of ``reference/<id>/<module>.py``: the module under a generated-file header."""
    return (
        f"# Generated by `grader release` from the master notebook {master.name} beside this\n"
        f"# file. Do not edit: edit the notebook, then run `grader release --assignment "
        f"{assignment_id}`.\n" + master.text
    )


def student_notebook(assignment: Assignment, master: MasterModule) -> str:
    """The text of ``student_template/<id>/<id>.ipynb``: the master, solutions stubbed."""
    cells = [_cell(cell, master.notebook) for cell in master.cells]
    at = 1 if cells and cells[0]["cell_type"] == "markdown" else 0
    cells.insert(at, grader_install_cell(assignment))
    if assignment.spec.submission.notebook is not None:
        cells.insert(at, _markdown(grading_note(assignment)))
    if not any(_runs_grader(c) for c in master.cells):
        cells.extend(check_cells(assignment.id))
    return notebook_text(notebook_of(cells))


# -- the module ---------------------------------------------------------------------------


def _statements(cells: list[Cell], where: str) -> list[Statement]:
    """Every top-level statement of the code cells the loader would read, in order."""
    found: list[Statement] = []
    for cell in cells:
        clean = clean_cell(cell.source)
        if clean.skipped:
            continue
        try:
            tree = ast.parse(clean.text)
        except SyntaxError as exc:
            raise MaterialError(
                f"{where}, cell {cell.number}, line {exc.lineno}: not valid Python ({exc.msg}); "
                "fix the cell"
            ) from None
        if not self_check(tree):  # a "check your work" cell is not the module's
            lines = clean.text.split("\n")
            found.extend((cell.number, lines, stmt) for stmt in tree.body)
    return found


def _pieces(statements: list[Statement], kept: list[int]) -> list[str]:
    """The kept statements' text, with the comments around each (its solution markers
    among them); runs of kept statements in one cell stay together, as written."""
    pieces: list[str] = []
    previous: tuple[int, int] | None = None  # (index, cell) of the last kept statement
    for index in kept:
        number, lines, stmt = statements[index]
        start, end = _extent(lines, stmt)
        text = "\n".join(lines[start - 1 : end])
        if previous == (index - 1, number):
            _, _, before = statements[index - 1]
            gap = lines[_extent(lines, before)[1] : start - 1]
            pieces[-1] = "\n".join([pieces[-1], *gap, text])
        else:
            pieces.append(text)
        previous = (index, number)
    return pieces


def _extent(lines: list[str], stmt: ast.stmt) -> tuple[int, int]:
    """A statement's lines (1-based, inclusive) with the comment lines right above it and
    the indented comments and END SOLUTION markers after its last line (comments above it
    start at the margin; a comment inside the statement before it is that one's)."""
    start, end = span(stmt)
    while start > 1 and lines[start - 2].startswith("#") and not END.match(lines[start - 2]):
        start -= 1
    while end < len(lines) and _trails(lines[end]):
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return start, end


def _trails(line: str) -> bool:
    indented_comment = line[:1].isspace() and line.strip().startswith("#")
    return not line.strip() or indented_comment or END.match(line) is not None


def _docstring(assignment: Assignment, name: str) -> str:
    return (
        f'"""{assignment.spec.title}.\n\n'
        f"The code cells of the notebook {name}, which is also the handout: its text gives the\n"
        "conventions and the shapes, and each function's docstring its contract.\n"
        '"""\n\n'
    )


def _runs_grader(cell: Cell) -> bool:
    if cell.kind != "code":
        return False
    try:
        return self_check(ast.parse(clean_cell(cell.source).text))
    except SyntaxError:
        return False


# -- the student's cells -------------------------------------------------------------------


def _cell(cell: Cell, where: str) -> dict[str, Any]:
    if cell.kind == "code":
        stubbed = template_text(cell.source, f"{where} cell {cell.number}")
        if not cell.source.endswith("\n"):  # the stub line ends in one
            stubbed = stubbed.removesuffix("\n")
        return {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": stubbed.splitlines(keepends=True),
        }
    return {"cell_type": cell.kind, "metadata": {}, "source": cell.source.splitlines(True)}


def _markdown(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": text.splitlines(keepends=True)}
