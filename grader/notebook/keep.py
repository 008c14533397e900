"""Definitions mode's keep rule: which top-level statements of a notebook run at grade time.

A statement is kept only if it defines something and calls nothing the student wrote at the
top level (see :mod:`grader.notebook.extract` for the two modes). Nothing here runs code:
it reads the statements' syntax trees and symbol tables.
"""

from __future__ import annotations

import ast
import symtable
from collections.abc import Iterator

__all__ = ["DEFINITIONS", "Candidate", "cell_list", "kept_statements", "span", "statement_text"]

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
"""The top-level statements a notebook cell or template cell is built around."""
_DEFS = DEFINITIONS

Candidate = tuple[int, list[str], ast.stmt]
"""A top-level statement: its cell's number, the cell's lines, the statement."""


def kept_statements(candidates: list[Candidate], notes: list[str]) -> list[int]:
    """The indices of the ``candidates`` that definitions mode keeps, in order, with a note
    on what it leaves out. Each kept statement defines something and calls nothing the
    student wrote at the top level: imports, functions and classes always; an assignment
    with no call (a constant) when every notebook name it reads is set by a kept statement;
    an assignment with a call when a kept statement reads what it sets. So
    ``losses = train(...)`` never runs, not even when a later ``final_loss = losses`` would
    need it."""
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
            f"left out top-level code in {cell_list(dropped)}: in this assignment only imports, "
            "functions, classes and the constants they use are graded, so training loops, "
            "plots, prints and downloads are not run"
        )
    return sorted(keep)


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
    """``if __name__ == "__main__":`` in any spelling (ast.walk does not recurse, so a test
    nested thousands deep is safe to look at; ast.unparse is not)."""
    return isinstance(stmt, ast.If) and any(
        isinstance(n, ast.Constant) and n.value == "__main__" for n in ast.walk(stmt.test)
    )


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
    """The names read, table by table with a stack of its own: scopes nest as deep as the
    student's code does (``lambda: lambda: ...`` two thousand times)."""
    todo = [(table, top)]
    while todo:
        here, at_top = todo.pop()
        for sym in here.get_symbols():
            if sym.is_referenced() and (sym.is_global() or at_top):
                yield sym.get_name()
        todo.extend((child, False) for child in here.get_children())


def statement_text(lines: list[str], stmt: ast.stmt) -> str:
    """The source of a top-level statement, its decorators included (``lines`` of its text)."""
    start, end = span(stmt)
    return "\n".join(lines[start - 1 : end])


def span(stmt: ast.stmt) -> tuple[int, int]:
    decorators = getattr(stmt, "decorator_list", [])
    start = min([stmt.lineno, *(d.lineno for d in decorators)])
    return start, stmt.end_lineno or stmt.lineno


def cell_list(numbers: list[int]) -> str:
    """``cell 3`` or ``cells 2, 4 and 5`` (at most a dozen named)."""
    if len(numbers) == 1:
        return f"cell {numbers[0]}"
    shown = [str(n) for n in numbers[:12]] + (["..."] if len(numbers) > 12 else [])
    return "cells " + ", ".join(shown[:-1]) + " and " + shown[-1]
