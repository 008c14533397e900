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
import symtable
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict

from grader.notebook.magics import clean_cell
from grader.notebook.read import ParsedNotebook

__all__ = ["DEFINITIONS", "Definition", "NotebookModule", "Unit", "build_module", "statement_text"]

Mode = Literal["definitions", "execute"]
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
"""The top-level statements a notebook cell or template cell is built around."""
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
        if _self_check(tree):  # the template's "check your work" cell: not graded
            continue
        if tree.body:
            parsed.append((cell.number, clean.text.split("\n"), tree))
    pieces = _execute(parsed) if mode == "execute" else _definitions(parsed, notes)
    return _assemble(nb.name, mode, pieces, parsed, notes)


def _self_check(tree: ast.Module) -> bool:
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
    """The statements to keep: each defines something and calls nothing the student wrote
    at the top level. Imports, functions and classes always; an assignment with no call (a
    constant) when every notebook name it reads is set by a kept statement; an assignment
    with a call when a kept statement reads what it sets. So ``losses = train(...)`` never
    runs, not even when a later ``final_loss = losses`` would need it."""
    candidates = [(n, lines, stmt) for n, lines, tree in parsed for stmt in tree.body]
    student = _student_names([stmt for _, _, stmt in candidates])
    reads = [_names_read(statement_text(lines, stmt)) for _, lines, stmt in candidates]
    binds = [_binds(stmt) for _, _, stmt in candidates]
    in_notebook = set().union(*binds)
    keep: set[int] = set()
    needed: set[str] = set()
    for index, (_, _, stmt) in enumerate(candidates):
        if _kind(stmt) in ("definition", "import") and not _calls_student(stmt, student):
            keep.add(index)
            needed |= reads[index]
    changed = True
    while changed:  # keeping a statement can make another's names available or needed
        changed = False
        unset = in_notebook - set().union(*(binds[i] for i in keep))
        for index, (_, _, stmt) in enumerate(candidates):
            kind = _kind(stmt)
            if index in keep or kind not in ("constant", "assignment"):
                continue
            if _calls_student(stmt, student) or reads[index] & unset:
                continue
            if kind == "constant" or _targets(stmt) & needed:
                keep.add(index)
                needed |= reads[index]
                changed = True
    dropped = sorted(
        {n for i, (n, _, stmt) in enumerate(candidates) if i not in keep and not _inert(stmt)}
    )
    if dropped:
        notes.append(
            f"left out top-level code in {_cells(dropped)}: in this assignment only imports, "
            "functions, classes and the constants they use are graded, so training loops, "
            "plots, prints and downloads are not run"
        )
    return [_piece(*candidates[i]) for i in sorted(keep)]


def _top_level(stmt: ast.stmt) -> Iterator[ast.AST]:
    """The nodes of ``stmt`` that run when it runs: not the bodies of the functions, lambdas
    and classes it defines."""
    if isinstance(stmt, _DEFS):
        return
    todo: list[ast.AST] = [stmt]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (*_DEFS, ast.Lambda)):
                todo.append(child)


def _binds(stmt: ast.stmt) -> set[str]:
    """The global names a top-level statement sets (``from x import *``: none known)."""
    if isinstance(stmt, _DEFS):
        return {stmt.name}
    names: set[str] = set()
    for node in _top_level(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}
    for node in ast.walk(stmt):  # functions and classes defined inside an if or a try
        if isinstance(node, _DEFS) and node is not stmt:
            names.add(node.name)
    return names


def _student_names(stmts: list[ast.stmt]) -> set[str]:
    """Names that hold the student's code: the notebook's functions and classes, and what a
    statement reading one of them sets (``model = Net()``, ``losses = train(model)``)."""
    student: set[str] = set()
    for _ in range(2):  # twice: a cell run out of order may use a name set further down
        for stmt in stmts:
            if isinstance(stmt, _DEFS):
                student.add(stmt.name)
            elif _loads(stmt) & student:
                student |= _binds(stmt)
    return student


def _loads(stmt: ast.stmt) -> set[str]:
    return {
        n.id for n in _top_level(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }


def _calls_student(stmt: ast.stmt, student: set[str]) -> bool:
    """Whether running ``stmt`` calls the student's code: a call at its top level whose
    function or arguments name one of ``student`` (``train(...)``, ``model(x)``,
    ``np.mean(train(x))``, ``map(my_fn, xs)``)."""
    for node in _top_level(stmt):
        if isinstance(node, ast.Call):
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            if names & student:
                return True
    return False


def _inert(stmt: ast.stmt) -> bool:
    """``pass`` (an IPython line taken out) or a bare string: nothing was left out."""
    return isinstance(stmt, ast.Pass) or (
        isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
    )


def _kind(stmt: ast.stmt) -> str:
    if isinstance(stmt, _DEFS):
        return "definition"
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        return "import"
    if isinstance(stmt, ast.Assign | ast.AnnAssign) and _targets(stmt):
        value = stmt.value
        if value is None or not any(isinstance(n, ast.Call | ast.Await) for n in ast.walk(value)):
            return "constant"
        return "assignment"
    if isinstance(stmt, ast.If | ast.Try) and not _main_guard(stmt) and _simple_block(stmt):
        return "definition"  # try: import x / except ImportError: ..., if CUDA: device = ...
    return "work"


def _targets(stmt: ast.stmt) -> set[str]:
    """The plain names an assignment binds (``a = b = ...``, ``a, b = ...``)."""
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, ast.AnnAssign):
        targets = [stmt.target]
    else:
        return set()
    names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    plain = all(isinstance(t, ast.Name | ast.Tuple | ast.List) for t in targets)
    return names if plain else set()


def _main_guard(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.If) and "__main__" in ast.unparse(stmt.test)


def _simple_block(stmt: ast.stmt) -> bool:
    """An if/try whose every statement is an import, a definition, an assignment or pass."""
    inner: list[ast.stmt] = []
    if isinstance(stmt, ast.If):
        inner = [*stmt.body, *stmt.orelse]
    elif isinstance(stmt, ast.Try):
        inner = [*stmt.body, *stmt.orelse, *stmt.finalbody]
        inner += [s for h in stmt.handlers for s in h.body]
    ok = (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.Pass, *_DEFS)
    return all(
        isinstance(s, ok) or (isinstance(s, ast.If | ast.Try) and _simple_block(s)) for s in inner
    )


def _names_read(source: str) -> set[str]:
    """Global names the statement reads, at its top level or from inside its functions."""
    try:
        table = symtable.symtable(source, "<cell>", "exec")
    except (SyntaxError, ValueError, RecursionError):
        return set()
    return set(_walk_reads(table, top=True))


def _walk_reads(table: symtable.SymbolTable, *, top: bool) -> Iterator[str]:
    for sym in table.get_symbols():
        if sym.is_referenced() and (sym.is_global() or top):
            yield sym.get_name()
    for child in table.get_children():
        yield from _walk_reads(child, top=False)


def statement_text(lines: list[str], stmt: ast.stmt) -> str:
    """The source of a top-level statement, its decorators included (``lines`` of its text)."""
    start, end = _span(stmt)
    return "\n".join(lines[start - 1 : end])


def _span(stmt: ast.stmt) -> tuple[int, int]:
    decorators = getattr(stmt, "decorator_list", [])
    start = min([stmt.lineno, *(d.lineno for d in decorators)])
    return start, stmt.end_lineno or stmt.lineno


def _piece(number: int, lines: list[str], stmt: ast.stmt) -> _Piece:
    start, end = _span(stmt)
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
                f"{name} is defined in {_cells(cells)}; the last one (cell {places[-1].cell}) "
                "is graded, as when you run all cells from the top"
            )
    return {name: places[-1] for name, places in found.items()}


def _cells(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"cell {numbers[0]}"
    shown = [str(n) for n in numbers[:12]] + (["..."] if len(numbers) > 12 else [])
    return "cells " + ", ".join(shown[:-1]) + " and " + shown[-1]
