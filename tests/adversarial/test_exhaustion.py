"""Attack 8: does using up memory, processes or disk cost more than the check it happens in?

Every attack stops itself (3 GB, 2000 processes or 10 s, 2 GB of disk), so that a run
without the sandbox cannot take the machine down. With the sandbox, a limit stops it first,
and the check's message names that limit in plain words.
"""

from __future__ import annotations

import pytest

from tests.adversarial.conftest import Graded, graded_class
from tests.adversarial.submissions import exhaustion

pytestmark = pytest.mark.slow

# Touching a gigabyte takes well over a second on a small VM: give norm_rows's check 10 s,
# so that the limit, not the clock, is what stops each attack.
ROOMY = {"spec_edits": {"seconds = 2 }": "seconds = 10 }"}}


def assert_limit_named(run: Graded, student: str, words: tuple[str, ...]) -> None:
    """3 points (``scale``), and ``norm_rows``'s check failed naming the limit."""
    run.assert_earns(student, 3)
    status, message = run.checks(student)["test_norm_rows"]
    assert status != "passed" and any(w in message.lower() for w in words), message


def test_memory() -> None:
    """50 GB at once, and 3 GB 64 MB at a time (every page touched): each fails with
    "memory" in its message, and the control is untouched.

    Without the sandbox the kernel's overcommit check refuses the 50 GB by itself, but
    nothing stops the 3 GB (and a bigger hoard would take the machine).
    """
    students = {
        "a_memory_at_once": exhaustion.MEMORY_AT_ONCE,
        "a_memory_creep": exhaustion.MEMORY_CREEP,
    }
    with graded_class(students, **ROOMY) as run:
        for student in students:
            assert_limit_named(run, student, ("memory",))
        run.assert_harmless()


def test_fork_bomb() -> None:
    """Processes that all fork until 2000 exist: the fork is refused early, the message
    says "processes", and not one of them is left once grading is over.

    Without the sandbox (as root, so no RLIMIT_NPROC) it makes its 2000 processes.
    """
    with graded_class({"a_fork_bomb": exhaustion.FORK_BOMB}, **ROOMY) as run:
        assert_limit_named(run, "a_fork_bomb", ("process",))
        run.assert_harmless()


def test_disk() -> None:
    """One file until the file size limit, and many files until the disk is full: each
    fails naming the limit, and nothing is left on the disk.

    Without the sandbox both write their 2 GB.
    """
    students = {
        "a_disk_one_file": exhaustion.DISK_ONE_FILE,
        "a_disk_many_files": exhaustion.DISK_MANY_FILES,
    }
    with graded_class(students, **ROOMY) as run:
        for student in students:
            assert_limit_named(run, student, ("disk", "file size", "file larger"))
        run.assert_harmless()
