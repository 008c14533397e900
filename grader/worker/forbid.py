"""Forbidden APIs, enforced at run time inside the worker.

An assignment can forbid APIs for some of its checks ("backprop by hand: no autograd, no
torch.nn"). Before the submission is imported, each forbidden API is replaced by a gate
(grader/worker/gates.py), which keeps no attribute path back to the original:

* a function or method (``torch.Tensor.backward``, ``torch.autograd.grad``) is replaced on
  its owner and in every module namespace that imported it by name;
* a package (``torch.nn``, ``torch.optim``) has every function in its loaded modules
  replaced, and every class's ``__init__`` gated, so layers, losses, activations,
  initialisers and optimizers are all covered, however they are reached (``getattr``,
  ``importlib.import_module``, ``from ... import`` aliases). ``torch.nn`` also covers its
  natives, ``torch._C._nn.*``, and their operators under ``torch.ops.aten``.
* autograd is forbidden as a capability when a check forbids any of its engine's entry
  points (grader/worker/routes.py): the request runs with grad mode and forward AD off, every
  known route in (``torch.func``, ``torch.autograd.functional``, dual numbers, the engine
  object, the switches that turn grad mode back on) is gated, threads the submission starts
  never get autograd, and grad mode found on at the end of the request is a violation too.

A gate does nothing unless the current request comes from a check that forbids its rule; then
it records the violation and raises. The violation is reported even if the student's code
catches the exception. The grader's own code in the worker never runs during a student's
call, so it keeps full use of these APIs. What the guard cannot promise: docs/authoring.md.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import threading
from collections.abc import Callable
from typing import Any

from grader.worker import routes
from grader.worker.gates import gate, is_gate, replace_everywhere
from grader.worker.routes import AUTOGRAD, When


class ForbiddenAPI(Exception):
    """Raised inside the worker when a check's forbidden API is used."""


class _Route:
    """What one gate refuses: (rule, when) pairs, and the name a violation reports (or a
    function of the call's arguments that says it)."""

    __slots__ = ("guard", "what", "rules")

    def __init__(self, guard: Guard, what: str | Callable[..., str]) -> None:
        self.guard = guard
        self.what = what
        self.rules: list[tuple[str, When | None]] = []

    def add(self, rule: str, when: When | None) -> None:
        if all(r != rule for r, _ in self.rules):
            self.rules.append((rule, when))

    def check(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        for rule, when in self.rules:
            if when is None or when(args, kwargs):
                what = self.what if isinstance(self.what, str) else self.what(args, kwargs)
                self.guard.refuse(rule, what)


class _Engine:
    """Stands in for ``Variable._execution_engine``; its methods are gates."""

    run_backward: Callable[..., Any]
    queue_callback: Callable[..., Any]
    is_checkpoint_valid: Callable[..., Any]


class Guard:
    """The gates' shared state: which rules the current request forbids, and what was hit."""

    def __init__(self) -> None:
        self.installed: list[str] = []
        self.active: frozenset[str] = frozenset()
        self.violations: list[str] = []
        self._routes: dict[int, _Route] = {}  # id(gate) -> its route
        self._gated: dict[int, Any] = {}  # id(original) -> gate, for the sweep of namespaces
        self._swept: set[str] = set()
        self._seen = (-1, -1, -1)  # (apis, modules, gates) at the last install
        self._keep: list[Any] = []  # every gate, alive as long as the guard (ids stay theirs)
        self._main = threading.get_ident()
        # grad mode and forward AD: (is it on?, the gated switch) for each
        self._modes: list[tuple[Callable[[], bool], Callable[[bool], Any]]] = []
        self._was_on: list[bool] | None = None

    # -- installing ---------------------------------------------------------------------

    def install(self, apis: list[str]) -> None:
        """Gate every API in ``apis`` (again for modules loaded since last time)."""
        for api in apis:
            if api not in self.installed:
                self.installed.append(api)
        if self._seen == self._counts():
            return  # nothing new to gate
        for api in self.installed:
            self._gate_api(api)
        if routes.ENGINE_APIS & set(self.installed):
            self._gate_autograd()
        for rule in routes.NN_PACKAGES & set(self.installed):
            self._gate_nn_natives(rule)
        if self._seen[2] != len(self._gated):
            self._swept.clear()  # new gates: every namespace may hold their originals
        replace_everywhere(self._gated, self._swept)
        self._seen = self._counts()

    def _counts(self) -> tuple[int, int, int]:
        return (len(self.installed), len(sys.modules), len(self._gated))

    def _gate_api(self, api: str) -> None:
        target = _resolve(api)
        if inspect.ismodule(target):
            for name, module in list(sys.modules.items()):
                if module is not None and (name == api or name.startswith(api + ".")):
                    self._gate_module(api, module)
        elif target is not None:
            owner_name, _, attr = api.rpartition(".")
            self._gate_attr(_resolve(owner_name), attr, api, api)

    def _gate_module(self, rule: str, module: Any) -> None:
        for name, value in list(vars(module).items()):
            if name.startswith("__") or is_gate(value):
                continue
            home = getattr(value, "__module__", None) or ""
            native = inspect.isbuiltin(value) and home.startswith("torch")  # F.linear
            if not (home.startswith(rule) or native):
                continue  # re-exported from elsewhere (math, typing): not this package's
            if inspect.isclass(value):
                if callable(value.__dict__.get("__init__")):
                    what = f"{home}.{value.__qualname__}"
                    self._gate_attr(value, "__init__", rule, what, everywhere=False)
            elif callable(value):
                self._gate_attr(module, name, rule, f"{home}.{name}", everywhere=False)

    def _gate_attr(
        self,
        owner: Any,
        attr: str,
        rule: str,
        what: str | Callable[..., str],
        when: When | None = None,
        *,
        everywhere: bool = True,
    ) -> Any:
        """Gate ``owner.attr`` under ``rule`` (a gate already there gains the rule)."""
        current = getattr(owner, attr, None) if owner is not None else None
        if current is None:
            return None
        route = self._routes.get(id(current))
        if route is None:
            route = _Route(self, what)
            wrapper = gate(current, route.check)
            try:
                setattr(owner, attr, wrapper)
            except (AttributeError, TypeError):
                return None
            self._routes[id(wrapper)] = route
            self._keep.append(wrapper)
            if everywhere:
                self._gated[id(current)] = wrapper
            current = wrapper
        route.add(rule, when)
        return current

    def _gate_autograd(self) -> None:
        for name in routes.AUTOGRAD_MODULES:
            _import(name)
        native = sys.modules["torch"]._C
        probes = {"_set_grad_enabled": native.is_grad_enabled}  # read before any student code
        probes["_set_fwd_grad_enabled"] = native._is_fwd_grad_enabled
        for dotted, when in routes.AUTOGRAD_ROUTES:
            owner_name, _, attr = dotted.rpartition(".")
            gated = self._gate_attr(_resolve(owner_name), attr, AUTOGRAD, dotted, when)
            if attr in probes and gated is not None and all(g is not gated for _, g in self._modes):
                self._modes.append((probes[attr], gated))
        ops = routes.AUTOGRAD_OPS
        self._gate_ops(AUTOGRAD, ops, routes.calls_op(ops, routes.turns_on))
        self._gate_engine()
        self._gate_threads()

    def _gate_engine(self) -> None:
        variable = sys.modules.get("torch.autograd.variable")
        engine = getattr(getattr(variable, "Variable", None), "_execution_engine", None)
        if engine is None or isinstance(engine, _Engine):
            return
        stand_in = _Engine()
        for name in (*routes.ENGINE_METHODS, "is_checkpoint_valid"):
            route = _Route(self, f"torch.autograd.Variable._execution_engine.{name}")
            if name in routes.ENGINE_METHODS:
                route.add(AUTOGRAD, None)
            setattr(stand_in, name, gate(getattr(engine, name), route.check))
        variable.Variable._execution_engine = stand_in  # type: ignore[union-attr]

    def _gate_threads(self) -> None:
        """Threads the submission starts run with autograd off (a new thread starts with grad
        mode on, whatever the thread that started it had)."""
        thread: Any = sys.modules["_thread"]
        if is_gate(thread.start_new_thread):
            return
        off = self._autograd_off

        def start(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            # start_new_thread(function, args[, kwargs]): run function through ``off`` instead
            function, given = args[0], tuple(args[1]) if len(args) > 1 else ()
            named = args[2] if len(args) > 2 else kwargs.get("kwargs") or {}
            return (off, (function, given, named)), {}

        wrapper = gate(thread.start_new_thread, start)
        self._gated[id(thread.start_new_thread)] = wrapper
        thread.start_new_thread = wrapper

    def _gate_nn_natives(self, rule: str) -> None:
        native = _resolve("torch._C._nn")
        names = sorted(  # not the helpers such as _parse_to, which Tensor.to uses
            n for n, v in vars(native).items() if inspect.isbuiltin(v) and not n.startswith("_")
        )
        for name in names:
            self._gate_attr(native, name, rule, f"torch._C._nn.{name}", everywhere=False)
        ops = frozenset(f"aten::{n}" for n in names)
        self._gate_ops(rule, ops, routes.calls_op(ops))
        native_c = _resolve("torch._C")
        lookup = routes.names_op(ops)
        self._gate_attr(native_c, "_jit_get_operation", rule, "torch._C._jit_get_operation", lookup)

    def _gate_ops(self, rule: str, names: frozenset[str], when: When) -> None:
        namespace = _resolve("torch.ops.aten")
        for name in names:  # look each up now, not through the gated lookup in a request
            try:
                getattr(namespace, name.removeprefix("aten::"))
            except (AttributeError, RuntimeError):
                continue  # no such operator
        for dotted in routes.OP_CLASSES:
            owner = _resolve(dotted)
            self._gate_attr(owner, "__call__", rule, routes.what_op, when, everywhere=False)

    # -- during a request -------------------------------------------------------------------

    def refuse(self, rule: str, what: str) -> None:
        """Called by a gate whose rule applies: record and raise if the request forbids it."""
        if rule in self.active:
            self.violations.append(f"this part must not use {rule} (your code called {what})")
            raise ForbiddenAPI(self.violations[-1])
        if rule == AUTOGRAD and threading.get_ident() != self._main:
            raise ForbiddenAPI(
                f"threads that your code starts cannot use autograd in this assignment "
                f"(your code called {what})"
            )

    def _autograd_off(
        self, function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """Run ``function`` in a new thread with grad mode and forward AD off."""
        for _, switch in self._modes:
            switch(False)
        return function(*args, **kwargs)

    def begin(self, apis: list[str]) -> None:
        self.violations = []
        self.active = frozenset(apis)
        if apis:
            self.install(apis)  # modules the submission imported since the last request
        if routes.ENGINE_APIS & self.active and self._modes:
            self.active |= {AUTOGRAD}
            self._was_on = [bool(probe()) for probe, _ in self._modes]
            for _, switch in self._modes:
                switch(False)

    def end(self) -> str | None:
        """The first violation of the request just finished, if any."""
        if self._was_on is not None:
            if not self.violations and any(probe() for probe, _ in self._modes):
                self.violations.append(
                    "this part must not use autograd (your code turned grad mode back on)"
                )
            self.active = frozenset()  # the switches turn on again only once it is empty
            for (_, switch), was_on in zip(self._modes, self._was_on, strict=True):
                switch(was_on)
            self._was_on = None
        self.active = frozenset()
        return self.violations[0] if self.violations else None


def _import(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


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
