"""Time budgets: CPU seconds for the student's code, with a wall-clock backstop.

A limit of ``seconds`` (a check's, the import's, the whole submission's) allows the worker

* ``seconds * threads`` of CPU time: its threads and child processes together, read by the
  trusted side from ``/proc`` (:mod:`grader.cputime`). ``threads`` is the number of compute
  threads the worker is given (``--threads``), so a limit means the same on a worker with 4
  threads as on one with 1: ``seconds`` on each of them. On a loaded host the CPU time of a
  computation barely changes while its wall time grows, so correct code is not failed
  because the grading machine is busy;
* ``seconds * wall_factor`` of wall-clock time spent waiting for the worker: the backstop that
  stops code that uses no CPU at all (``time.sleep``, a deadlock, a blocking read). Time the
  worker spent queued for a free core is not counted (up to 3/4 of the wall time,
  :mod:`grader.cputime`), so load does not trip the backstop either.

Time spent in the worker counts, and so does decoding the worker's replies (a forged reply
built to be slow to decode is the worker's doing; :mod:`grader.supervisor`). The trusted
side's other work during a check (computing the reference's expected values) is charged to
nobody.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Budget", "Kind", "Spent", "allowance", "exhausted"]

Kind = Literal["cpu", "wall"]


@dataclass
class Spent:
    """Worker time: CPU seconds (all threads and children), wall-clock seconds, and the part
    of those the worker spent queued for a free core (excused from the wall-clock limit)."""

    cpu_s: float = 0.0
    wall_s: float = 0.0
    queued_s: float = 0.0

    def __add__(self, other: Spent) -> Spent:
        return Spent(
            self.cpu_s + other.cpu_s, self.wall_s + other.wall_s, self.queued_s + other.queued_s
        )

    @property
    def counted_wall_s(self) -> float:
        """The wall-clock time the backstop counts."""
        return self.wall_s - self.queued_s


@dataclass
class Budget:
    """One time limit and what has been charged to it so far."""

    seconds: float
    threads: int = 1
    wall_factor: float = 3.0
    whose: str = "this check's"  # in messages: "used 20 s of CPU time, this check's time limit"
    subject: str = "it"  # who used it: "it" (the call), or "the whole submission"
    used: Spent = field(default_factory=Spent)

    @property
    def cpu_limit(self) -> float:
        return self.seconds * max(1, self.threads)

    @property
    def wall_limit(self) -> float:
        return self.seconds * self.wall_factor

    def left(self) -> Spent:
        return Spent(self.cpu_limit - self.used.cpu_s, self.wall_limit - self.used.counted_wall_s)

    def charge(self, spent: Spent) -> None:
        self.used = self.used + spent

    def spent_by(self) -> Kind | None:
        """Which of the two limits has been reached, if one has."""
        if self.used.cpu_s >= self.cpu_limit:
            return "cpu"
        if self.used.counted_wall_s >= self.wall_limit:
            return "wall"
        return None

    def words(self, kind: Kind) -> str:
        """``used 40 s of CPU time (20 s on each of its 2 threads), this check's time limit``, or
        the wall-clock equivalent, which says the code may be waiting rather than working."""
        if kind == "cpu":
            each = (
                f" ({self.seconds:g} s on each of the {self.threads} threads it may use)"
                if self.threads > 1
                else ""
            )
            return f"used {self.cpu_limit:g} s of CPU time{each}, {self.whose} time limit"
        return (
            f"ran for {self.wall_limit:g} s of wall-clock time without finishing "
            f"({self.wall_factor:g} x {self.whose} {self.seconds:g} s time limit, not counting "
            "time spent waiting for a free CPU core); it may be sleeping or waiting for "
            "something that never comes"
        )


def allowance(budgets: list[Budget]) -> Spent:
    """What one request may still take: the least left of each kind over ``budgets``."""
    lefts = [b.left() for b in budgets]
    return Spent(min(x.cpu_s for x in lefts), min(x.wall_s for x in lefts))


def exhausted(budgets: list[Budget], kind: Kind) -> Budget:
    """The budget that stopped a request on ``kind``: the first one spent, else the tightest."""
    for budget in budgets:
        if budget.spent_by() == kind:
            return budget
    return min(budgets, key=lambda b: getattr(b.left(), f"{kind}_s"))
