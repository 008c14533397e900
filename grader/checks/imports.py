"""Check files that import the submission by name, as an existing pytest file does.

While a check session is open (:func:`grader.run.check_session`), ``import nn``, ``import nn
as mine`` and ``from conv import conv2d_forward`` in a check file, a check helper or a check
give the modules of the submission under grading, in its worker, for exactly the names of the
spec's ``[submission] files``. :func:`submission_importable` puts a finder first on
``sys.meta_path`` that answers those names with a :class:`SubmissionModule`, so no folder on
``sys.path`` (the reference on ``PYTHONPATH``, the instructor's working folder) can stand in
for the student's code; a module already in ``sys.modules`` under one of the names is set aside
for the session and put back after it.

A check file is imported once, at collection, but graded on one submission after another, so
``from conv import conv2d_forward`` at the top of a file binds a :class:`LateBound` stand-in,
not a function: calling it calls ``conv.conv2d_forward`` of the submission whose check is
running, exactly as ``submission.conv.conv2d_forward(...)`` would (the call is recorded in the
check's ``uses``, and charged to its time). What is supported:

* calls, attribute paths and items: ``conv2d_forward(x, w)``, ``nn.Linear(3, 4)``,
  ``nn.CONFIG["lr"]``; the results come back as through the ``submission`` fixture;
* ``module.NAME`` read inside a check (after ``import nn``): a constant comes back by value, a
  function, class or other object as a :class:`LateBound`;
* ``from nn import EPS`` at the top of a file: a stand-in, so read it inside a check with
  ``EPS.fetch()`` (using it as a value, ``float(EPS)``, ``x * EPS``, is an instructor error
  that says so);
* names starting with ``_`` are not looked up (``nn._helper`` is an ``AttributeError``), nor
  is ``from nn import *`` (the names a submission defines are known only once it is graded).

Using a stand-in outside a check (at the top of a check file, while it is collected) is an
instructor error naming it. The reference stays under its own names (the ``reference``
fixture); only check code sees the finder, not the worker, which imports the submission itself.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from types import ModuleType
from typing import Any

from grader.errors import MaterialError
from grader.remote import Remote, SubmissionHandle, SubmissionSession
from grader.suggest import closest

__all__ = [
    "LateBound",
    "SubmissionFinder",
    "SubmissionModule",
    "missing_module_hint",
    "submission_importable",
]

Current = Callable[[], SubmissionSession | None]
"""The worker of the submission whose check is running now, or None between checks."""


class _Binding:
    """Where the names of submission modules resolve: the running check's submission, asked of
    the innermost open session. One for the process: a check module that pytest kept from an
    earlier session in this process (a lane grades batch after batch) holds the stand-ins of
    that session, and they must resolve against the session open now."""

    def __init__(self) -> None:
        self.sessions: list[Current] = []  # one per open check session, innermost last
        self._seen: tuple[SubmissionSession, int] | None = None  # the worker _objects is about
        self._objects: set[tuple[str, str]] = set()  # (module, name): an object, not a value

    def _current(self) -> SubmissionSession | None:
        return self.sessions[-1]() if self.sessions else None

    def remote(self, module: str, path: tuple[str, ...]) -> Remote:
        """``module.<path>`` of the submission whose check is running, as a ``Remote``."""
        session = self._current()
        if session is None:
            raise MaterialError(
                f"{'.'.join((module, *path))} was used outside a check (at the top of a check "
                f"file, say, while it is collected): `import {module}` in a check file stands "
                "for the submission under grading, which exists only while one of its checks "
                "runs; use it inside a check function or a fixture"
            )
        remote: Remote = getattr(SubmissionHandle(session), module)
        for name in path:
            remote = getattr(remote, name)
        return remote

    def attribute(self, module: str, name: str) -> Any:
        """``module.name``: inside a check, a constant by value and an object late-bound;
        outside one, late-bound."""
        late = LateBound(module, (name,))
        session = self._current()
        if session is None or (module, name) in self._known(session):
            return late
        value = late.fetch()
        if not isinstance(value, Remote):
            return value
        self._known(session).add((module, name))  # a function: no fetch for it next time
        return late

    def _known(self, session: SubmissionSession) -> set[tuple[str, str]]:
        seen = self._seen
        if seen is None or seen[0] is not session or seen[1] != session.generation:
            self._seen, self._objects = (session, session.generation), set()
        return self._objects


_BINDING = _Binding()


class LateBound:
    """A name imported from a submission module, bound to the submission under grading only
    when it is used: ``from conv import conv2d_forward`` binds one at collection."""

    __slots__ = ("_module", "_path")
    _module: str
    _path: tuple[str, ...]

    def __init__(self, module: str, path: tuple[str, ...]) -> None:
        object.__setattr__(self, "_module", module)
        object.__setattr__(self, "_path", path)

    @property
    def _label(self) -> str:
        return ".".join((self._module, *self._path))

    def _remote(self) -> Remote:
        return _BINDING.remote(self._module, self._path)

    def __getattr__(self, name: str) -> LateBound:
        if name.startswith("_"):  # pytest's probes (_pytestfixturefunction, __wrapped__, ...)
            raise AttributeError(name)
        return LateBound(self._module, (*self._path, name))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._remote()(*_resolved(list(args)), **_resolved(kwargs))

    def __getitem__(self, key: Any) -> Any:
        return self._remote()[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._remote()[key] = _resolved(value)

    def fetch(self) -> Any:
        """The value in the running check's submission (handles inside where needed)."""
        return self._remote().fetch()

    def __repr__(self) -> str:
        return f"<{self._label} of the submission under grading>"

    def _as_value(self, *_: Any, **__: Any) -> Any:
        raise MaterialError(
            f"{self._label} was imported from {self._module} at the top of a check file, so it "
            "stands for the name in each submission, not a value; read it inside the check, "
            f"with {self._path[-1]}.fetch() or with `import {self._module}` and "
            f"{self._label} there"
        )

    __bool__ = __float__ = __int__ = __index__ = __len__ = __iter__ = __array__ = _as_value
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _as_value
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __neg__ = __abs__ = _as_value
    __lt__ = __le__ = __gt__ = __ge__ = __matmul__ = __rmatmul__ = _as_value


class SubmissionModule(ModuleType):
    """``import nn`` in a check: the module ``nn`` of the submission under grading."""

    def __init__(self, name: str) -> None:
        super().__init__(name, f"{name} of the submission under grading (grader.checks.imports)")

    def __getattr__(self, name: str) -> Any:
        if name == "__all__":  # from nn import *
            raise ImportError(
                f"`from {self.__name__} import *` cannot be used in a check: the names a "
                "submission defines are known only once it is graded; import the names the "
                f"check uses (`from {self.__name__} import f, g`) or `import {self.__name__}`"
            )
        if name.startswith("_"):
            raise AttributeError(
                f"module {self.__name__!r} (the submission's) has no attribute {name!r}: names "
                "starting with _ are not looked up in the submission from a check file"
            )
        return _BINDING.attribute(self.__name__, name)

    def __repr__(self) -> str:
        return f"<module {self.__name__!r} of the submission under grading>"


class SubmissionFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """First on ``sys.meta_path`` during a check session: the submission's module names, and
    only those, import as :class:`SubmissionModule`."""

    def __init__(self, modules: Sequence[str]) -> None:
        self.modules = frozenset(modules)

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.modules:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, origin="the submission")

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return SubmissionModule(spec.name)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing runs here: the submission runs in its worker."""


def _resolved(value: Any) -> Any:
    """``value`` with each stand-in in it (``forward(x, params, sigmoid)`` after ``from nn
    import sigmoid``) replaced by the ``Remote`` it stands for, so that it can cross."""
    if isinstance(value, LateBound):
        return value._remote()
    if isinstance(value, SubmissionModule):
        return _BINDING.remote(value.__name__, ())
    if type(value) in (list, tuple):
        return type(value)(_resolved(v) for v in value)
    if type(value) is dict:
        return {k: _resolved(v) for k, v in value.items()}
    return value


def _named(name: str, modules: frozenset[str]) -> bool:
    return name.split(".", 1)[0] in modules


@contextlib.contextmanager
def submission_importable(modules: Sequence[str], current: Current) -> Iterator[SubmissionFinder]:
    """While the block runs, ``import <module>`` for each of ``modules`` gives the module of
    the submission ``current()`` is grading; what ``sys.modules`` held under those names (and
    their submodules) is set aside and put back after."""
    finder = SubmissionFinder(modules)
    aside = {n: m for n, m in sys.modules.items() if _named(n, finder.modules)}
    for name in aside:
        del sys.modules[name]
    sys.meta_path.insert(0, finder)
    _BINDING.sessions.append(current)
    try:
        yield finder
    finally:
        _BINDING.sessions.remove(current)
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if _named(n, finder.modules)]:
            del sys.modules[name]
        sys.modules.update(aside)


_NO_MODULE = re.compile(r"No module named '([^']+)'")


def missing_module_hint(text: str, modules: Sequence[str]) -> str:
    """For a collection error's text: a hint when it says "No module named 'x'" and ``x`` is
    close to one of the submission's ``modules`` (a misspelt ``from conv import ...``)."""
    found = _NO_MODULE.search(text)
    if found is None:
        return ""
    name = found[1].split(".", 1)[0]
    match = closest(name, modules)
    if match is None or match == name:
        return ""
    return (
        f"\n(did you mean {match}? `import {match}` in a check gives the module {match}.py "
        "of the submission under grading)"
    )
