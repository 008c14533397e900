"""Which of the grader's files the worker side runs, derived from its entry point's imports.

The warm parent starts with ``from grader.worker.zygote import main``; every grader module
that one imports at module level, and those import in turn, is the worker's. Only these
files are copied into the runtime folder on the warm parent's ``sys.path``
(:func:`grader.warm.prepare_runtime`), so a grader module the worker side does not import
(the checks, the spec, the reference's loader) is not even there to be read.

This module is the trusted side's: nothing in the worker imports it.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

__all__ = ["ENTRY_POINT", "worker_files", "worker_modules"]

ENTRY_POINT = "grader.worker.zygote"
_ROOT = Path(__file__).resolve().parent.parent.parent  # the folder holding ``grader/``


def _path(module: str) -> Path | None:
    """The source file of a grader module (``__init__.py`` for a package), if there is one."""
    base = _ROOT.joinpath(*module.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _imports(module: str, source: Path) -> set[str]:
    """The grader modules ``module`` imports at module level (not inside functions, and not
    under ``if TYPE_CHECKING:``), with the packages above each."""
    package = module if source.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in _module_level(ast.parse(source.read_text(encoding="utf-8")).body):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # submodules by name
    grader = {name for name in found if name == "grader" or name.startswith("grader.")}
    return {".".join(n.split(".")[:i]) for n in grader for i in range(1, n.count(".") + 2)}


def _module_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements that run when a module is imported: its body, and the blocks of
    ``if``/``try`` in it, but not ``if TYPE_CHECKING:``."""
    found: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.If):
            if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                found += _module_level(node.body) + _module_level(node.orelse)
        elif isinstance(node, ast.Try):
            blocks = [node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)]
            found += [n for block in blocks for n in _module_level(block)]
        else:
            found.append(node)
    return found


@functools.lru_cache(maxsize=1)
def worker_modules() -> tuple[str, ...]:
    """The grader modules the worker side imports (``grader.worker.zygote`` and all it needs)."""
    seen: set[str] = set()
    todo = [ENTRY_POINT]
    while todo:
        module = todo.pop()
        source = _path(module)
        if module in seen or source is None:  # ``from grader.x import name``: not a module
            continue
        seen.add(module)
        todo += sorted(_imports(module, source) - seen)
    return tuple(sorted(seen))


def worker_files() -> tuple[str, ...]:
    """The worker side's files, relative to the ``grader/`` folder (``worker/serve.py``)."""
    root = _ROOT / "grader"
    files = (_path(m) for m in worker_modules())
    return tuple(sorted(str(f.relative_to(root)) for f in files if f is not None))
