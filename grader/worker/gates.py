"""Gates: the callables that stand in for a forbidden API inside the worker.

A gate asks a check function before it calls the original. Unlike a ``functools.wraps``
closure, it leaves the student no attribute path back to the original: no ``__wrapped__``
that is not itself a gate, no ``__closure__``, ``__globals__`` or ``__defaults__``, because a gate is not a Python function
but a C-level callable (CPython's ``functools._lru_cache_wrapper`` with caching turned off)
whose only reference to the code that holds the original is internal. Only the garbage
collector's own introspection (``gc.get_referents``) can reach it; docs/authoring.md says what
that means for the guard's promise.

A gate binds like a function (``torch.Tensor.backward = gate`` still receives ``self``), and
carries the original's ``__name__``, ``__qualname__``, ``__module__``, ``__doc__`` and, where
one can be computed, its ``__signature__``.
"""

from __future__ import annotations

import inspect
import sys
from _functools import _lru_cache_wrapper
from collections.abc import Callable
from functools import _CacheInfo
from typing import Any

__all__ = ["gate", "is_gate"]

Args = tuple[tuple[Any, ...], dict[str, Any]]
Check = Callable[[tuple[Any, ...], dict[str, Any]], "Args | None"]

MARK = "__grader_forbidden__"
_COPIED = ("__name__", "__qualname__", "__module__", "__doc__")


def gate(original: Any, check: Check, depth: int = 1) -> Any:
    """A callable that runs ``check(args, kwargs)``, then the original. ``check`` raises to
    refuse the call, or returns the arguments to call the original with instead (or None).

    A gate has a ``__wrapped__``, as a decorated function would, because torch's own code
    reads it (``torch._dynamo`` expects one on every ``lru_cache`` wrapper and on
    ``contextmanager`` functions), but it is the original's own ``__wrapped__`` or the
    original, gated in turn: ``inspect.unwrap`` ends at a gate.
    """

    def through(*args: Any, **kwargs: Any) -> Any:
        changed = check(args, kwargs)
        if changed is not None:
            args, kwargs = changed
        return original(*args, **kwargs)

    wrapper = _lru_cache_wrapper(through, 0, False, _CacheInfo)  # maxsize 0: no cache, no hashing
    for name in _COPIED:
        value = getattr(original, name, None)
        if isinstance(value, str):
            setattr(wrapper, name, value)
    try:
        wrapper.__signature__ = inspect.signature(original)
    except (TypeError, ValueError):
        pass  # a builtin without a text signature: there is none to copy
    if depth > 0:
        inner = getattr(original, "__wrapped__", None)
        wrapper.__wrapped__ = gate(inner if callable(inner) else original, check, depth - 1)
    setattr(wrapper, MARK, True)
    return wrapper


def is_gate(obj: Any) -> bool:
    try:
        return getattr(obj, MARK, False) is True
    except Exception:  # noqa: BLE001 - a lazy module or proxy may raise anything
        return False


def replace_everywhere(gates: dict[int, Any], done: set[str]) -> None:
    """Put the gate in place of its original in every module's namespace that holds it
    (``from torch.autograd import grad`` in a torch module or a submission's module).

    Lists and sets a module holds (registries such as ``torch.fx.node._side_effectful_functions``)
    get the gate in place of the original too; dictionaries, tuples and anything deeper do not.
    ``gates`` maps ``id(original)`` to its gate (each original lives as long as its gate, so
    its id stays its own); ``done`` names the modules already swept, so that a sweep per
    request only visits modules imported since the last one.
    """
    for name, module in list(sys.modules.items()):
        if name in done or module is None:
            continue
        done.add(name)
        try:
            items = list(vars(module).items())
        except TypeError:
            continue  # not a real module (a lazy stub without __dict__)
        for key, value in items:
            found = gates.get(id(value))
            if found is not None:
                try:
                    setattr(module, key, found)
                except (AttributeError, TypeError):
                    continue
            elif type(value) in (list, set):  # a registry such as torch.fx's side effects
                _replace_in(value, gates)


def _replace_in(registry: list[Any] | set[Any], gates: dict[int, Any]) -> None:
    found = [(i, x) for i, x in enumerate(registry) if id(x) in gates]
    for i, original in found:
        if isinstance(registry, list):
            registry[i] = gates[id(original)]
        else:
            registry.discard(original)
            registry.add(gates[id(original)])
