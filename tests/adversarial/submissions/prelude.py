"""What every adversary's ops.py starts with, and the honest pieces they are built from.

The placeholders (``@TAG@``, ``@NAME@``, ``@FENCE@``, ``@RUN@``) are filled in by
:meth:`tests.adversarial.conftest.Arena.fill`. ``FENCE`` and ``RUN`` are safety catches for
a run without the sandbox, so that a payload can only ever write inside the test's own folder,
and only ever read (``/proc``) or signal the processes of its own grading run. They are never
used to *find* anything: every attack discovers its targets the way a student would.
"""

PRELUDE = r'''
import os
import sys
import time

import numpy as np

TAG = "@TAG@"
NAME = "@NAME@"
FENCE = "@FENCE@"
RUN = "@RUN@"
BREACHES = []


def breach(what):
    """Say that something the sandbox should have stopped worked; the tests look for these."""
    line = f"BREACH {TAG} {NAME}: {what}"[:400].replace("\n", " ")
    if line in BREACHES:
        return
    BREACHES.append(line)
    try:
        os.write(1, (line + "\n").encode("utf-8", "replace"))
    except OSError:
        pass


def may_write(path):
    """Safety catch: inside the test's own folder, or a tag-named file in a temp folder."""
    real = os.path.realpath(path)
    if real == FENCE or real.startswith(FENCE + os.sep):
        return True
    return os.path.dirname(real) in ("/tmp", "/var/tmp", "/dev/shm") and TAG in real


def read_bytes(path, limit=1 << 20):
    with open(path, "rb") as handle:
        return handle.read(limit)


def listdir(path):
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


def pids():
    return [int(name) for name in listdir("/proc") if name.isdigit()]


def parent_of(pid):
    try:
        stat = read_bytes(f"/proc/{pid}/stat").decode("ascii", "replace")
        return int(stat.rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def ancestors():
    """Our parent, its parent, and so on, as far as /proc shows them."""
    found, pid = [], os.getppid()
    while pid > 1 and pid not in found and len(found) < 64:
        found.append(pid)
        pid = parent_of(pid)
    return found


def grading_run():
    """Safety catch for signals: the processes of this grading run we can see (the one whose
    command line holds RUN, and its descendants), never ourselves."""
    every = pids()
    children = {}
    for pid in every:
        children.setdefault(parent_of(pid), []).append(pid)
    todo = []
    for pid in every:
        try:
            if RUN.encode() in read_bytes(f"/proc/{pid}/cmdline"):
                todo.append(pid)
        except OSError:
            pass
    found = set()
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, []))
    found.discard(os.getpid())
    return found


def grader_processes():
    """The grader's processes we can see, our ancestors first. Only those of this grading
    run (the safety catch): a run without the sandbox reads no other process on the machine."""
    run = grading_run()
    nearest = [pid for pid in ancestors() if pid in run]
    return nearest + sorted(run - set(nearest))
'''

HONEST_SCALE = """

def scale(x, k):
    return k * x
"""

HONEST_NORM = """

def norm_rows(x):
    return np.sqrt((x * x).sum(axis=1))
"""

WRONG_NORM = """

def norm_rows(x):
    return np.zeros(len(x))
"""
