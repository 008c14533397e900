"""Where ``grader ci`` may grade with the private course: only where the submission cannot
read it, nor write the files through which GitHub's runner changes later steps.

The worker's sandbox (:mod:`grader.worker.sandbox`) keeps it to the Python installation, the
system folders, its own copy of the submission, ``/tmp`` and ``/dev/shm``. That holds the
course out of reach when:

* the course is not inside the student's folder, nor the student's folder inside it;
* the sandbox is on, with Landlock (without it the worker can read any file of this user);
* the course and the runner's files (``$GITHUB_ENV`` ...) are not under ``/tmp`` or
  ``/dev/shm``, unless the worker gets a private ``/tmp`` (user namespaces), which hides them.

Each rule broken is an instructor's error: the message says what was found and the fix.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from grader.errors import InstructorError
from grader.worker import landlock

__all__ = ["private_course_allowed", "private_tmp", "sandbox_mode"]

WORKER_WRITABLE = (Path("/tmp"), Path("/dev/shm"))  # sandbox.DEVICES_READ_WRITE's folders
RUNNER_FILES = ("GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY")


def private_course_allowed(
    folder: Path, course: Path, *, sandbox: bool, env: Mapping[str, str] | None = None
) -> None:
    """Raise :class:`InstructorError` unless the submission in ``folder`` can be graded with
    ``course`` without reading it; ``env`` is the job's environment (the runner's files)."""
    if folder == course or folder in course.parents or course in folder.parents:
        raise InstructorError(
            f"the course folder {course} and the student's folder {folder} overlap; unpack "
            "the private course outside the checkout (the workflow uses $RUNNER_TEMP/course)"
        )
    if not sandbox:
        raise InstructorError(
            "--no-sandbox with the private course would let the submission read the hidden "
            "checks and the reference; grade with the sandbox, or without --course"
        )
    if not landlock.abi_version():
        raise InstructorError(
            "this machine has no Landlock (Linux 5.13 or later with landlock among the LSMs), "
            "so the sandbox cannot keep the submission from reading the private course; "
            "grade on such a machine (GitHub's ubuntu-latest runners are), or without --course"
        )
    files = [Path(env[name]) for name in RUNNER_FILES if env and env.get(name)]
    shared = [str(p) for p in (course, *files) if _under_worker_writable(p)]
    if shared and not private_tmp():
        raise InstructorError(
            f"{', '.join(shared)} under /tmp or /dev/shm, which a worker on this machine can "
            "read and write (no user namespaces here to give it a private /tmp); keep the "
            "course and the runner's work folder elsewhere (GitHub's runners use "
            "/home/runner/work)"
        )


def _under_worker_writable(path: Path) -> bool:
    resolved = path.resolve()
    return any(resolved == top or top in resolved.parents for top in WORKER_WRITABLE)


def private_tmp() -> bool:
    """Whether a worker here gets new namespaces (and so a private /tmp): tried in a child
    process, as the sandbox tries it."""
    try:
        proc = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-I", "-m", "grader.ci.guard"],  # exits 0 when it could
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


APPARMOR_KNOB = "kernel.apparmor_restrict_unprivileged_userns"


def sandbox_mode(sandbox: bool) -> str:
    """The sandbox a worker gets on this machine, in one line for the job summary: ``full``
    (user namespaces and Landlock), ``weaker`` (and what is missing, with the fix), or ``off``."""
    if not sandbox:
        return "off (--no-sandbox): the submission runs with this user's rights"
    missing = []
    if not private_tmp():
        missing.append(
            f"no user namespaces, so no network or process isolation (on Ubuntu, "
            f"AppArmor's {APPARMOR_KNOB}=1; the workflow sets it to 0, see docs/ci.md)"
        )
    if not landlock.abi_version():
        missing.append("no Landlock, so files outside the work folder are not protected")
    if not missing:
        return "full (user namespaces and Landlock)"
    return "weaker: " + "; ".join(missing)


if __name__ == "__main__":  # the probe: can this machine give a worker its own namespaces?
    from grader.worker.sandbox import _try_unshare

    raise SystemExit(0 if _try_unshare() else 1)
