"""Forbidden APIs, enforced at run time inside the worker.

An assignment can forbid APIs for some of its checks ("backprop by hand: no autograd, no
torch.nn"). Before the submission is imported, each forbidden API is wrapped in place:

* a function or method (``torch.Tensor.backward``, ``torch.autograd.grad``) is replaced on
  its owner;
* a package (``torch.nn``, ``torch.optim``) has every function in its loaded modules
  replaced, and every class's ``__init__`` wrapped, so layers, losses, activations,
  initialisers and optimizers are all covered, however they are reached (``getattr``,
  ``importlib.import_module``, ``from ... import`` aliases).

A wrapper does nothing unless the current request comes from a check that forbids that
API; then it records the violation and raises. The violation is reported even if the
student's code catches the exception. The grader's own code in the worker never runs
during a student's call, so it keeps full use of these APIs.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
from collections.abc import Callable
from typing import Any

_MARK = "__grader_forbidden__"


class ForbiddenAPI(Exception):
    """Raised inside the worker when a check's forbidden API is used."""


class Guard:
    """The wrappers' shared state: which APIs the current request forbids, and what was hit."""

    def __init__(self) -> None:
        self.installed: list[str] = []
        self.active: frozenset[str] = frozenset()
        self.violations: list[str] = []

    # -- installing ---------------------------------------------------------------------

    def install(self, apis: list[str]) -> None:
        """Wrap every API in ``apis`` (again for package modules loaded since last time)."""
        for api in apis:
            if api not in self.installed:
                self.installed.append(api)
        for api in self.installed:
            self._wrap_api(api)

    def _wrap_api(self, api: str) -> None:
        target = _resolve(api)
        if inspect.ismodule(target):
            for name, module in list(sys.modules.items()):
                if module is not None and (name == api or name.startswith(api + ".")):
                    self._wrap_module(api, module)
        elif target is not None:
            owner_name, _, attr = api.rpartition(".")
            owner = _resolve(owner_name)
            original = getattr(owner, attr)
            if not getattr(original, _MARK, False):
                setattr(owner, attr, self._wrapper(api, api, original))

    def _wrap_module(self, rule: str, module: Any) -> None:
        for name, value in list(vars(module).items()):
            if name.startswith("__") or getattr(value, _MARK, False):
                continue
            home = getattr(value, "__module__", None) or ""
            native = inspect.isbuiltin(value) and home.startswith(
                "torch"
            )  # F.linear is torch._C._nn.linear
            if not (home.startswith(rule) or native):
                continue  # re-exported from elsewhere (math, typing): not this package's
            if inspect.isclass(value):
                init = value.__dict__.get("__init__")
                if init is not None and not getattr(init, _MARK, False) and callable(init):
                    value.__init__ = self._wrapper(rule, f"{home}.{value.__qualname__}", init)  # type: ignore[method-assign]
            elif callable(value):
                try:
                    setattr(module, name, self._wrapper(rule, f"{home}.{name}", value))
                except (AttributeError, TypeError):
                    continue

    def _wrapper(self, rule: str, what: str, original: Callable[..., Any]) -> Callable[..., Any]:
        guard = self

        @functools.wraps(original)
        def forbidden(*args: Any, **kwargs: Any) -> Any:
            if rule in guard.active:
                guard.violations.append(f"this part must not use {rule} (your code called {what})")
                raise ForbiddenAPI(guard.violations[-1])
            return original(*args, **kwargs)

        setattr(forbidden, _MARK, True)
        return forbidden

    # -- during a request -------------------------------------------------------------------

    def begin(self, apis: list[str]) -> None:
        self.violations = []
        self.active = frozenset(apis)
        if apis:
            self.install(apis)  # modules the submission imported since the last request

    def end(self) -> str | None:
        """The first violation of the request just finished, if any."""
        self.active = frozenset()
        return self.violations[0] if self.violations else None


def _resolve(dotted: str) -> Any:
    """The object a dotted name names (a module, or an attribute path from one), or None."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None
