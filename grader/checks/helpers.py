"""Check helpers as real modules: ``assignments/<id>/checks/helpers/*.py``.

Code that several check files share lives in the assignment's ``checks/helpers/`` package,
linted like the rest, instead of being copied between files or kept in string literals.

**On the trusted side** checks import it as an ordinary package::

    from helpers.training import culprit

While an assignment's checks run (:func:`helpers_importable`, around the one pytest session
of :func:`grader.run.check_session`), its ``checks/`` folder is first on ``sys.path``; before and
after, every ``helpers`` module is dropped from ``sys.modules``, so one assignment's helpers
are never taken for another's in the same process. This is the rule
``grader.run._provided_importable`` applies to the provided files. A plain import (rather
than a loader function returning a module) keeps the helper's names visible to ruff and to
the reader, and lets a check hand the same function object to the reference and, through
:func:`in_worker`, to the submission.

**Inside the worker** a helper is defined from its module's source, as
``submission.define`` does with a string: ``in_worker(submission, odd_deriv)`` sends the
whole source of the helper's module to the worker and returns a ``Remote`` to the function
or class of that name there; ``in_worker(submission, vgg, fcn_probes)`` sends modules, one
after the other, and returns a namespace of their names (``helpers.output_shapes(...)``,
named so in messages), and :func:`namespace` is the same on the trusted side. A module sent
to the worker imports only the standard library, numpy and torch, plus the helper modules
sent before it in the same call (never ``grader``, which the worker does not have), and
holds nothing the student may not see: the student's code can read it. It is sent only when a
check asks for it, so a helper module that only hidden checks use reaches the worker as code
at grading time and is never in the public bundle.

**The public bundle** (:mod:`grader.selfcheck.bundle`) ships the helper modules that public
checks import (:func:`helpers_used`, which follows imports between helper modules), so
``grader check`` runs them on the student's machine. Keep hidden-only helpers in modules of
their own. Helper files are part of the assignment's material hash
(:meth:`grader.course.Assignment.material_hash`): changing one re-grades.
"""

from __future__ import annotations

import ast
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

from grader.course import Assignment
from grader.errors import MaterialError
from grader.remote import Remote, SubmissionHandle

__all__ = ["PACKAGE", "helpers_importable", "helpers_used", "in_worker", "namespace"]

PACKAGE = "helpers"
"""The import name of an assignment's ``checks/helpers/`` folder."""


def _ours(name: str) -> bool:
    return name == PACKAGE or name.startswith(PACKAGE + ".")


@contextlib.contextmanager
def helpers_importable(assignment: Assignment) -> Iterator[None]:
    """``import helpers.<name>`` finds this assignment's helpers while the block runs."""
    if not assignment.helpers_dir.is_dir():
        yield
        return
    before = {n: m for n, m in sys.modules.items() if _ours(n)}
    for name in before:
        del sys.modules[name]
    folder = str(assignment.helpers_dir.parent)
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        sys.path.remove(folder)
        for name in [n for n in sys.modules if _ours(n)]:
            del sys.modules[name]
        sys.modules.update(before)


def in_worker(
    submission: SubmissionHandle, helper: Callable[..., Any] | ModuleType, *more: ModuleType
) -> Remote:
    """``helper`` defined inside the submission's worker from its module's source; a
    ``Remote`` to it there. ``helper`` is a top-level function or class of a
    ``checks/helpers`` module, or such a module itself: then the ``Remote`` is a namespace of
    its public names (``in_worker(submission, probes).output_shapes(...)``). With ``more``
    modules, their sources follow the first's in one namespace, and a later module's
    ``from helpers.<earlier> import ...`` lines (there for the linter) are left out."""
    if isinstance(helper, ModuleType):
        modules, name = [helper, *more], _NAMESPACE
        paths = [_helper_file(m.__name__, getattr(m, "__file__", None)) for m in modules]
    else:
        paths, name = [_module_file(helper)], helper.__name__
    sent = {f"{PACKAGE}.{p.stem}" for p in paths}
    futures: set[str] = set()
    sources = [_worker_source(path, sent, futures) for path in paths]
    if isinstance(helper, ModuleType):
        sources.append(_NAMESPACE_SOURCE)
    head = "".join(f"from __future__ import {f}\n" for f in sorted(futures))
    return submission.define(head + "\n\n".join(sources), name)


def _worker_source(path: Path, sent: set[str], futures: set[str]) -> str:
    """The file's source without its imports of the other helper modules sent with it, nor
    its ``__future__`` imports (added to ``futures``: they go first, once, for all the
    modules); a MaterialError if it imports any other helper or grader."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source, filename=str(path))
    for node in reversed(tree.body):
        if not isinstance(node, ast.ImportFrom) or not node.end_lineno:
            continue
        if node.module == "__future__":
            futures.update(alias.name for alias in node.names)
        if node.module in sent or node.module == "__future__":
            lines[node.lineno - 1 : node.end_lineno] = []
    kept = "".join(lines)
    imported = sorted(_imports(ast.parse(kept)) & {PACKAGE, "grader"})
    if imported:
        raise MaterialError(
            f"{path}: a helper module sent to the worker imports {', '.join(imported)}, which "
            "the worker does not have; import only the standard library, numpy and torch there "
            "(and helper modules sent in the same in_worker call)"
        )
    return kept


def namespace(*modules: ModuleType) -> SimpleNamespace:
    """The public names of ``modules`` in this (trusted) process, a later module's replacing an
    earlier one's: what ``in_worker(submission, *modules)`` gives inside the worker, for the
    reference."""
    return SimpleNamespace(
        **{
            name: value
            for module in modules
            for name, value in vars(module).items()
            if not name.startswith("_")
        }
    )


_NAMESPACE = "helpers"  # messages name its functions helpers.<name>, as before
_NAMESPACE_SOURCE = f"""
def _grader_namespace():
    import types

    names = {{k: v for k, v in globals().items() if not k.startswith("_")}}
    return types.SimpleNamespace(**names)


{_NAMESPACE} = _grader_namespace()
"""


def _helper_file(what: str, file: str | None) -> Path:
    if file is None or Path(file).parent.name != PACKAGE:
        raise MaterialError(
            f"in_worker({what}): only a checks/helpers/*.py module, or a top-level function or "
            f"class of one, can be defined in the worker (found in {file or 'no file'}); move "
            "it there and import it with `from helpers.<module> import ...`"
        )
    return Path(file)


def _module_file(helper: Callable[..., Any]) -> Path:
    name = getattr(helper, "__qualname__", repr(helper))
    code = getattr(helper, "__code__", None)  # a function: its file, even once the run that
    module = sys.modules.get(getattr(helper, "__module__", "") or "")  # imported it let go
    file = code.co_filename if code is not None else getattr(module, "__file__", None)
    return _helper_file(name, None if "." in name else file)


def _imports(tree: ast.AST) -> set[str]:
    """Top-level names of the packages imported anywhere in ``tree``, plus ``helpers.<x>``
    for each helper module named (``from helpers import x`` and ``import helpers.x``)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name.split(".")[0])
                if _ours(alias.name) and alias.name != PACKAGE:
                    found.add(".".join(alias.name.split(".")[:2]))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
            if node.module == PACKAGE:
                found.update(f"{PACKAGE}.{a.name}" for a in node.names)
            elif _ours(node.module):
                found.add(".".join(node.module.split(".")[:2]))
    return found


def helpers_used(assignment: Assignment, checks: list[Path]) -> list[Path]:
    """The helper files that the check files ``checks`` import, directly or through another
    helper (with the package's ``__init__.py`` when any is), sorted."""
    folder = assignment.helpers_dir
    wanted: set[Path] = set()
    todo = list(checks)
    while todo:
        path = todo.pop()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name in _imports(tree):
            if not name.startswith(PACKAGE + "."):
                continue
            helper = folder / f"{name.removeprefix(PACKAGE + '.')}.py"
            if helper.is_file() and helper not in wanted:  # else a name from __init__.py
                wanted.add(helper)
                todo.append(helper)
    if wanted and (folder / "__init__.py").is_file():
        wanted.add(folder / "__init__.py")
    return sorted(wanted)
