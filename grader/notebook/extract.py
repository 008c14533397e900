"""Build the module the grader imports from a notebook's code cells.

Two modes, chosen in the spec (``[submission.notebook] mode``):

``definitions`` (the default)
    Keeps a statement only if it defines something and calls nothing the student wrote at
    the top level: imports, function and class definitions, constants (an assignment with no
    call in it, such as ``LR = 0.01``, whose notebook names are all set by kept statements)
    and any global a kept function or class reads (``device = torch.device("cpu")`` when a
    function uses ``device``). Drops the rest: training loops, ``losses = train(...)`` and
    anything aliasing its result, plots, downloads, prints, ``if __name__ == "__main__":``.
    So a student's five-minute training cell or ``MNIST(download=True)`` never runs at grade
    time.
``execute``
    Keeps every cell, to be run top to bottom like "Run all".

Each kept piece is a *unit*: one statement in ``definitions`` mode, one cell in ``execute``
mode. The worker runs the units one by one, so a unit that raises costs only itself (see
:mod:`grader.worker.cells`). The module is plain Python written to ``<module>.py``; every unit
keeps its lines, so a traceback line maps back to a cell and a line in it.
"""

from __future__ import annotations

import ast
from typing import Literal

from pydantic import BaseModel, ConfigDict

from grader.notebook.keep import DEFINITIONS, cell_list, kept_statements, span, statement_text
from grader.notebook.magics import clean_cell
from grader.notebook.read import ParsedNotebook

__all__ = [
    "DEFINITIONS",
    "Definition",
    "NotebookModule",
    "Unit",
    "build_module",
    "self_check",
    "statement_text",
]

Mode = Literal["definitions", "execute"]
_DEFS = DEFINITIONS


class Unit(BaseModel):
    """Lines ``first``..``last`` of the module (1-based, inclusive) come from ``cell``,
    starting at line ``cell_line`` of that cell."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first: int
    last: int
    cell: int
    cell_line: int
    label: str  # what a student reads: "cell 3" or "cell 3 (import torchvision)"


class Definition(BaseModel):
    """Where a top-level function or class was defined in the notebook."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cell: int
    line: int  # the ``def`` line, counted inside the cell


class NotebookModule(BaseModel):
    """The module built from one notebook, and the map from its lines back to cells."""

    model_config = ConfigDict(extra="forbid")

    notebook: str
    mode: Mode
    source: str
    units: list[Unit]
    definitions: dict[str, Definition]
    notes: list[str] = []


class _Piece(BaseModel):
    """A kept statement or cell before the module is assembled."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    cell: int
    start: int  # first line in the cell (1-based; decorators included)
    lines: list[str]
    label: str


def build_module(nb: ParsedNotebook, mode: Mode) -> NotebookModule:
    """The module for ``nb`` in ``mode``, with notes on what was left out and why."""
    notes = list(nb.notes)
    parsed: list[tuple[int, list[str], ast.Module]] = []
    for cell in nb.code_cells:
        clean = clean_cell(cell.source)
        if clean.skipped:
            notes.append(f"cell {cell.number} is {clean.skipped}, not Python; it was skipped")
            continue
        try:
            tree = ast.parse(clean.text)
        except SyntaxError as exc:
            notes.append(
                f"cell {cell.number} has a syntax error on its line {exc.lineno}: {exc.msg}; "
                "the cell was left out, so what it defines is missing"
            )
            continue
        except (ValueError, RecursionError, MemoryError) as exc:
            notes.append(f"cell {cell.number} cannot be parsed ({exc}); the cell was left out")
            continue
        if self_check(tree):  # the template's "check your work" cell: not graded
            continue
        if tree.body:
            parsed.append((cell.number, clean.text.split("\n"), tree))
    pieces = _execute(parsed) if mode == "execute" else _definitions(parsed, notes)
    return _assemble(nb.name, mode, pieces, parsed, notes)


def self_check(tree: ast.Module) -> bool:
    """Whether the cell imports the grader itself: the template's "check your work" cell."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            a.name.split(".")[0] == "grader" for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "grader":
            return True
    return False


# -- execute mode: every cell ---------------------------------------------------------------


def _execute(parsed: list[tuple[int, list[str], ast.Module]]) -> list[_Piece]:
    return [
        _Piece(cell=number, start=1, lines=lines, label=f"cell {number}")
        for number, lines, _ in parsed
    ]


# -- definitions mode: what the functions need ---------------------------------------------


def _definitions(parsed: list[tuple[int, list[str], ast.Module]], notes: list[str]) -> list[_Piece]:
    candidates = [(n, lines, stmt) for n, lines, tree in parsed for stmt in tree.body]
    return [_piece(*candidates[i]) for i in kept_statements(candidates, notes)]


def _piece(number: int, lines: list[str], stmt: ast.stmt) -> _Piece:
    start, end = span(stmt)
    first = lines[stmt.lineno - 1].strip()
    if isinstance(stmt, _DEFS):
        first = f"{'class' if isinstance(stmt, ast.ClassDef) else 'def'} {stmt.name}"
    shown = first if len(first) <= 60 else first[:57] + "..."
    return _Piece(
        cell=number, start=start, lines=lines[start - 1 : end], label=f"cell {number} ({shown})"
    )


# -- the module --------------------------------------------------------------------------


def _assemble(
    name: str,
    mode: Mode,
    pieces: list[_Piece],
    parsed: list[tuple[int, list[str], ast.Module]],
    notes: list[str],
) -> NotebookModule:
    out = [
        f"# Built by the grader from {name} ({mode} mode); each block names its notebook cell.",
    ]
    units: list[Unit] = []
    current = None
    for piece in pieces:
        if piece.cell != current:
            out.append(f"# --- cell {piece.cell} ---")
            current = piece.cell
        first = len(out) + 1
        out.extend(piece.lines)
        units.append(
            Unit(
                first=first,
                last=len(out),
                cell=piece.cell,
                cell_line=piece.start,
                label=piece.label,
            )
        )
    kept = {p.cell for p in pieces}
    definitions = _where_defined(parsed, kept, notes)
    return NotebookModule(
        notebook=name,
        mode=mode,
        source="\n".join(out) + "\n",
        units=units,
        definitions=definitions,
        notes=notes,
    )


def _where_defined(
    parsed: list[tuple[int, list[str], ast.Module]], kept: set[int], notes: list[str]
) -> dict[str, Definition]:
    """Top-level function and class names -> the cell of their last definition."""
    found: dict[str, list[Definition]] = {}
    for number, _, tree in parsed:
        if number not in kept:
            continue
        for stmt in tree.body:
            if isinstance(stmt, _DEFS):
                found.setdefault(stmt.name, []).append(Definition(cell=number, line=stmt.lineno))
    for name, places in found.items():
        cells = sorted({p.cell for p in places})
        if len(cells) > 1:
            notes.append(
                f"{name} is defined in {cell_list(cells)}; the last one (cell {places[-1].cell}) "
                "is graded, as when you run all cells from the top"
            )
    return {name: places[-1] for name, places in found.items()}
