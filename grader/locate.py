"""Where the student's top-level functions and classes are defined, for feedback and CI.

Parsed in the trusted process with :mod:`ast`; nothing runs. Notebook definitions come from
:mod:`grader.notebook.attach`, which knows the cells.
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

from grader.models import SourceLocation

__all__ = ["module_locations"]


def module_locations(workdir: Path, modules: list[str]) -> dict[str, SourceLocation]:
    """``"nn.softmax"`` -> its ``def`` line, for every module file of ``modules`` in ``workdir``."""
    found: dict[str, SourceLocation] = {}
    for module in modules:
        path = workdir / f"{module}.py"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError, RecursionError):
            continue
        for stmt in tree.body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{module}.{stmt.name}"
                found[name] = SourceLocation(name=name, file=path.name, line=stmt.lineno)
    return found
