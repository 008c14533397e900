"""The worker's time as the trusted side measures it, from ``/proc``.

A check's time limit counts the CPU time the student's code used, not the wall-clock time
that passed, so a busy grading host does not fail correct code (:mod:`grader.budget`). The
numbers come from the kernel, never from the worker: a hostile worker can waste its own time
but cannot make the count smaller.

The tree is rooted at the process the warm parent forked (the only pid the trusted side
knows). With the sandbox, that process only waits: the worker is its child, PID 1 of a new
PID namespace, and every process the submission starts stays below it (orphans are
reparented to it). For each live process in the tree we add its own time (``utime +
stime``, all its threads) and that of the children it has already reaped (``cutime +
cstime``); a child still running is counted as a process of the tree instead, so nothing
is counted twice.

The wall-clock backstop does not count time the worker spent queued for a free core
(``/proc/<pid>/task/<tid>/schedstat``, its second field): on a loaded host that is most of
the wall time of a working worker, and none of that of a sleeping one.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from grader.budget import Kind, Spent

__all__ = ["CREDIT_AT_MOST", "READ_EVERY", "RequestMeter", "TreeClock"]

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_MAX_PROCESSES = 4096  # a tree larger than any sandbox allows: stop walking, keep the sum
_HAS_CHILDREN_FILES = os.path.exists(f"/proc/self/task/{os.getpid()}/children")
CREDIT_AT_MOST = 0.75
"""The largest share of a request's wall time that queueing for a core may excuse: a worker
that starves itself (a niced spinner) is still stopped after 4 x the wall-clock limit."""
READ_EVERY = 0.1
"""Seconds between two readings at the end of short requests: a reading costs ~0.1-0.3 ms,
a short request ~0.7 ms; CPU time not read yet is charged to the request that reads it."""


@dataclass
class Reading:
    """One look at the tree: CPU seconds so far and, when asked for, each thread's seconds
    spent queued for a core (run-queue wait, by thread id)."""

    cpu_s: float
    queued_s: dict[int, float] = field(default_factory=dict)


class TreeClock:
    """Reads the CPU seconds used so far by the process ``root`` and all its descendants.

    CPU readings never go down: a child reaped between two reads could otherwise vanish for
    a moment (read from the parent before the reap, from nowhere after it).
    """

    def __init__(self, root: int) -> None:
        self.root = root
        self._started: bytes | None = None  # the root's start time: a reused pid is not it
        self.last = 0.0
        self.read_at = float("-inf")  # time.monotonic() of the last reading

    def read(self, queued: bool = False) -> Reading:
        """The tree's CPU seconds (user + system), or the last reading once it is gone; with
        ``queued``, each thread's run-queue wait too."""
        reading, seen, todo = Reading(0.0), 0, [self.root]
        self.read_at = time.monotonic()
        while todo and seen < _MAX_PROCESSES:
            pid = todo.pop()
            fields = _stat_fields(pid)
            if fields is None:
                continue
            if pid == self.root and not self._same_root(fields):
                return Reading(self.last)
            seen += 1
            # stat fields 14-17 (utime, stime, cutime, cstime); fields[0] is field 3 (state)
            reading.cpu_s += sum(int(x) for x in fields[11:15]) / _TICKS
            tasks = _tasks(pid)
            todo.extend(_children(pid, tasks))
            if queued:
                reading.queued_s.update(_queued(pid, tasks))
        self.last = reading.cpu_s = max(self.last, reading.cpu_s)
        return reading

    def _same_root(self, fields: list[bytes]) -> bool:
        started = fields[19]  # field 22: start time since boot, fixed for a process's life
        if self._started is None:
            self._started = started
        return started == self._started


class RequestMeter:
    """One request's worker time, against its allowance.

    CPU: the tree's CPU seconds since ``charged`` (what earlier requests were charged).
    Wall: seconds since the request began, less the longest time one of the worker's threads
    waited for a free core (counted from the first tick, at most ``CREDIT_AT_MOST`` of it).
    """

    def __init__(self, clock: TreeClock, allowance: Spent, charged: float) -> None:
        self.clock = clock
        self.allowance = allowance
        self.charged = charged
        self.began = time.monotonic()
        self._base: dict[int, float] | None = None  # run-queue waits at the first tick
        self.queued = 0.0

    def wall_left(self) -> float:
        """Wall-clock seconds left, as far as the last tick knows."""
        return self.allowance.wall_s - self._counted(time.monotonic() - self.began)

    def _counted(self, wall: float) -> float:
        return wall - min(self.queued, CREDIT_AT_MOST * wall)

    def tick(self) -> Kind | None:
        """Look at the worker; which limit it has reached, if one."""
        reading = self.clock.read(queued=True)
        if self._base is None:
            self._base = reading.queued_s
        waits = [q - self._base.get(tid, 0.0) for tid, q in reading.queued_s.items()]
        self.queued = max([self.queued, *waits])
        if reading.cpu_s - self.charged >= self.allowance.cpu_s:
            return "cpu"
        if self.wall_left() <= 0:
            return "wall"
        return None

    def finish(self, settle: bool = False) -> Spent:
        """What the request took. The tree is read again (and what it used charged) if
        ``settle``, or if the last reading is ``READ_EVERY`` old; else its CPU time waits
        for a later reading."""
        wall = time.monotonic() - self.began
        cpu = 0.0
        if settle or time.monotonic() - self.clock.read_at >= READ_EVERY:
            cpu = self.settle()
        return Spent(cpu, wall, min(self.queued, CREDIT_AT_MOST * wall))

    def settle(self) -> float:
        """Read the tree now; the CPU seconds used since the last charge, now charged."""
        cpu = self.clock.read().cpu_s
        spent, self.charged = cpu - self.charged, cpu
        return spent


def _stat_fields(pid: int) -> list[bytes] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name, or None if it is gone.

    The name sits in parentheses and is the process's to choose (``") R 1 "`` included),
    so the fields start after the last ``)``.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    fields = data[data.rfind(b")") + 2 :].split()
    return fields if len(fields) >= 20 else None


def _tasks(pid: int) -> list[str]:
    try:
        return os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []


def _children(pid: int, tasks: list[str]) -> list[int]:
    """The pids of ``pid``'s children (any of its threads may have started one)."""
    if not _HAS_CHILDREN_FILES:
        return _children_by_scan(pid)
    found: list[int] = []
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as handle:
                found.extend(int(c) for c in handle.read().split())
        except (OSError, ValueError):
            continue  # the thread ended meanwhile
    return found


def _children_by_scan(pid: int) -> list[int]:
    """The slow way: every process whose parent is ``pid``."""
    found: list[int] = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = _stat_fields(int(name))
            if fields is not None and fields[1] == str(pid).encode():
                found.append(int(name))
    return found


def _queued(pid: int, tasks: list[str]) -> dict[int, float]:
    """Each thread's run-queue wait in seconds (empty where the kernel keeps no schedstat)."""
    found: dict[int, float] = {}
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat", "rb") as handle:
                found[int(tid)] = int(handle.read().split()[1]) / 1e9
        except (OSError, ValueError, IndexError):
            continue
    return found
