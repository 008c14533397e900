"""Run a notebook's module unit by unit, inside the worker.

The trusted process turned the notebook into ``<module>.py`` and a list of *units* (one
statement or one cell each, see :mod:`grader.notebook.extract`). Here each unit is compiled
with its own line numbers and run in the module's namespace, under its own time limit. A
unit that raises, exits or runs too long is recorded and the next one runs: one broken cell
costs the student what that cell defines, not the whole notebook.
"""

from __future__ import annotations

import codeop
import signal
import sys
import types
from collections.abc import Callable
from typing import Any

__all__ = ["CellTimeout", "run_units"]


class CellTimeout(BaseException):
    """A unit ran past its time limit (a BaseException, so ``except Exception`` cannot eat it)."""


def run_units(
    path: str,
    names: list[str],
    units: list[list[Any]],
    unit_seconds: float,
    describe: Callable[[BaseException], dict[str, Any]],
) -> tuple[types.ModuleType, list[dict[str, Any]]]:
    """The module built from ``path``, registered under every name in ``names``, and one
    problem (``label`` plus the worker's error description) per unit that failed."""
    module = types.ModuleType(names[0])
    module.__file__ = path
    for name in names:
        sys.modules[name] = module
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    problems: list[dict[str, Any]] = []
    compile_unit = codeop.Compile()  # carries `from __future__ import ...` on to later units
    previous = signal.signal(signal.SIGALRM, _raise_timeout)
    try:
        for first, last, label in units:
            padded = "\n" * (int(first) - 1) + "\n".join(lines[int(first) - 1 : int(last)])
            try:
                signal.setitimer(signal.ITIMER_REAL, unit_seconds)
                try:
                    exec(compile_unit(padded, path, "exec"), module.__dict__)  # noqa: S102 - the submission
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            except CellTimeout:
                problems.append(
                    {
                        "label": str(label),
                        "kind": "timeout",
                        "type": "Timeout",
                        "traceback": "",
                        "message": f"ran for more than {unit_seconds:g} s and was stopped",
                    }
                )
            except BaseException as exc:  # noqa: BLE001 - the student's error, reported
                problems.append({"label": str(label), **describe(exc)})
    finally:
        signal.signal(signal.SIGALRM, previous)
    return module, problems


def _raise_timeout(signum: int, frame: Any) -> None:
    raise CellTimeout()
