"""Run a notebook's module unit by unit, inside the worker.

The trusted process turned the notebook into ``<module>.py`` and a list of *units* (one
statement or one cell each, see :mod:`grader.notebook.extract`). Here each unit is compiled
with its own line numbers and run in the module's namespace, under its own time limit. A
unit that raises, exits or runs too long is recorded and the next one runs: one broken cell
costs the student what that cell defines, not the whole notebook.

A unit's limit counts CPU time, as a check's does (:mod:`grader.budget`): ``ITIMER_PROF``
(this process's threads together) at ``unit_seconds`` per thread the worker may use, and
``ITIMER_REAL`` at ``wall_factor`` times ``unit_seconds`` for a cell that sleeps or waits;
when that rings, time the process's threads spent queued for a free core is excused (up to
3/4 of the wall time, as the trusted side does) and the timer is set again for the rest.
These timers are the worker's own: a cell that turns them off only loses the rest of its
notebook to the notebook's limit, which the trusted side enforces.
"""

from __future__ import annotations

import codeop
import os
import signal
import sys
import time
import types
from collections.abc import Callable
from typing import Any

__all__ = ["CellTimeout", "run_units"]

CREDIT_AT_MOST = 0.75  # the share of a unit's wall time that queueing for a core may excuse


class CellTimeout(BaseException):
    """A unit ran past its time limit (a BaseException, so ``except Exception`` cannot eat it)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def run_units(
    path: str,
    names: list[str],
    units: list[list[Any]],
    unit_seconds: float,
    describe: Callable[[BaseException], dict[str, Any]],
    *,
    threads: int = 1,
    wall_factor: float = 3.0,
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
    cpu, wall = unit_seconds * max(1, threads), unit_seconds * wall_factor
    words = _timeout_words(unit_seconds, threads, wall_factor)

    clock = _WallClock(wall)

    def stop(signum: int, frame: Any) -> None:
        if signum == signal.SIGALRM and clock.extend():
            return
        raise CellTimeout(words[signum])

    previous = {sig: signal.signal(sig, stop) for sig in words}
    try:
        for first, last, label in units:
            padded = "\n" * (int(first) - 1) + "\n".join(lines[int(first) - 1 : int(last)])
            try:
                clock.start()
                _set_timers(cpu, wall)
                try:
                    exec(compile_unit(padded, path, "exec"), module.__dict__)  # noqa: S102 - the submission
                finally:
                    _set_timers(0, 0)
            except CellTimeout as exc:
                problems.append(
                    {
                        "label": str(label),
                        "kind": "timeout",
                        "type": "Timeout",
                        "traceback": "",
                        "message": exc.message,
                    }
                )
            except BaseException as exc:  # noqa: BLE001 - the student's error, reported
                problems.append({"label": str(label), **describe(exc)})
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return module, problems


def _timeout_words(unit_seconds: float, threads: int, wall_factor: float) -> dict[int, str]:
    """The problem's message for each timer's signal: which limit the unit ran into."""
    each = f" ({unit_seconds:g} s on each of the {threads} threads it may use)"
    return {
        signal.SIGPROF: (
            f"used {unit_seconds * max(1, threads):g} s of CPU time{each if threads > 1 else ''}, "
            "the limit for a cell, and was stopped"
        ),
        signal.SIGALRM: (
            f"ran for {unit_seconds * wall_factor:g} s of wall-clock time without finishing "
            f"({wall_factor:g} x the {unit_seconds:g} s limit for a cell, not counting time "
            "spent waiting for a free CPU core; it may be sleeping or waiting) and was stopped"
        ),
    }


class _WallClock:
    """A unit's wall-clock limit, less the time this process's threads were queued for a core."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.began = time.monotonic()
        self.base: dict[str, float] = {}

    def start(self) -> None:
        self.began, self.base = time.monotonic(), _queued()

    def extend(self) -> bool:
        """When the timer rings: set it again for the excused time, if any is left."""
        wall = time.monotonic() - self.began
        now = _queued()
        queued = max([0.0, *(q - self.base.get(tid, 0.0) for tid, q in now.items())])
        left = self.limit - (wall - min(queued, CREDIT_AT_MOST * wall))
        if left <= 0.01:
            return False
        signal.setitimer(signal.ITIMER_REAL, left)
        return True


def _queued() -> dict[str, float]:
    """Each thread's seconds queued for a free core (``/proc/self/task/*/schedstat``)."""
    found: dict[str, float] = {}
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/self/task/{tid}/schedstat", "rb") as handle:
                found[tid] = int(handle.read().split()[1]) / 1e9
        except (OSError, ValueError, IndexError):
            continue
    return found


def _set_timers(cpu: float, wall: float) -> None:
    """Arm (or with zeros, disarm) the CPU-time and the wall-clock timer of one unit."""
    signal.setitimer(signal.ITIMER_PROF, cpu)
    signal.setitimer(signal.ITIMER_REAL, wall)
