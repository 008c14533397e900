"""The CPU time of a worker's process tree, read by the trusted side from ``/proc``.

A check's time limit counts the CPU time the student's code used, not the wall-clock time
that passed, so a busy grading host does not fail correct code (docs/authoring.md, "Time
limits"). The numbers come from the kernel (``/proc/<pid>/stat``), never from the worker: a
hostile worker can waste its own time but cannot make the count smaller.

The tree is rooted at the process the warm parent forked (the only pid the trusted side
knows). With the sandbox, that process only waits: the worker is its child, PID 1 of a new
PID namespace, and every process the submission starts stays below it (orphans are
reparented to it). For each live process in the tree we add its own time (``utime +
stime``, all its threads) and that of its children it has already reaped (``cutime +
cstime``); a child that is still running is counted as a process of the tree instead, so
nothing is counted twice.
"""

from __future__ import annotations

import os

__all__ = ["TreeClock"]

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_MAX_PROCESSES = 4096  # a tree larger than any sandbox allows: stop walking, keep the sum
_HAS_CHILDREN_FILES = os.path.exists(f"/proc/self/task/{os.getpid()}/children")


class TreeClock:
    """Reads the CPU seconds used so far by the process ``root`` and all its descendants.

    Readings never go down: a child reaped between two reads could otherwise vanish for a
    moment (read from the parent before the reap, from nowhere after it).
    """

    def __init__(self, root: int) -> None:
        self.root = root
        self._started: bytes | None = None  # the root's start time: a reused pid is not it
        self.last = 0.0

    def read(self) -> float:
        """CPU seconds (user + system) of the whole tree, or the last reading once it is gone."""
        total, seen, todo = 0.0, 0, [self.root]
        while todo and seen < _MAX_PROCESSES:
            pid = todo.pop()
            fields = _stat_fields(pid)
            if fields is None:
                continue
            if pid == self.root and not self._same_root(fields):
                return self.last
            seen += 1
            # stat fields 14-17 (utime, stime, cutime, cstime); fields[0] is field 3 (state)
            total += sum(int(x) for x in fields[11:15]) / _TICKS
            todo.extend(_children(pid))
        self.last = max(self.last, total)
        return self.last

    def _same_root(self, fields: list[bytes]) -> bool:
        started = fields[19]  # field 22: start time since boot, fixed for a process's life
        if self._started is None:
            self._started = started
        return started == self._started


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


def _children(pid: int) -> list[int]:
    """The pids of ``pid``'s children (any of its threads may have started one)."""
    if not _HAS_CHILDREN_FILES:
        return _children_by_scan(pid)
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
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
