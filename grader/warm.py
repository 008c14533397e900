"""The trusted side of the warm parent (:mod:`grader.worker.zygote`): start it once, fork often.

One warm parent per lane process and per (interpreter, preload list, thread count) is kept
and reused across submissions; one that died is started again on the next request.
"""

from __future__ import annotations

import functools
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from grader.errors import InstructorError
from grader.procutil import THREAD_VARIABLES
from grader.worker.manifest import worker_files

__all__ = ["WarmParent", "WarmParents", "prepare_runtime", "warm_parents"]

START_SECONDS = 180.0  # importing torch and torchvision cold can take a while


def prepare_runtime(folder: Path) -> Path:
    """Copy the few grader modules the worker side runs (derived from its imports,
    :mod:`grader.worker.manifest`) into ``folder`` and return it.

    The warm parent's ``sys.path`` gets this folder instead of the grader's own location,
    which in a course checkout also holds ``reference/`` and ``assignments/``.

    Each file appears whole (copied beside it, then renamed): lanes starting together share
    the folder, and a warm parent must never import a half-copied module.
    """
    source = Path(__file__).resolve().parent
    for rel in worker_files():
        dest = folder / "grader" / rel
        if not dest.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            partial = dest.with_name(f".{dest.name}.{os.getpid()}.part")
            shutil.copyfile(source / rel, partial)
            os.replace(partial, dest)
    return folder


def thread_env(threads: int) -> dict[str, str]:
    """A small, explicit environment: no secrets of the grader's, fixed thread counts."""
    keep = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "SYSTEMROOT", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(dict.fromkeys(THREAD_VARIABLES, str(threads)))
    env.update(
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
        PYTHONHASHSEED="0",
    )
    return env


class WarmParent:
    """A running warm parent and the control socket to it."""

    def __init__(
        self, runtime_dir: Path, preload: tuple[str, ...], threads: int, python: str
    ) -> None:
        parent, child = socket.socketpair()
        code = (
            "import sys; sys.path.insert(0, sys.argv[1]); from grader.worker.zygote import main; "
            "sys.argv = sys.argv[1:]; main()"
        )
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [python, "-I", "-c", code, str(runtime_dir), str(child.fileno()), ",".join(preload)],
            pass_fds=[child.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=thread_env(threads),
            start_new_session=True,
        )
        child.close()
        self.control = parent
        self._buffer = b""
        hello = self._read_line(time.monotonic() + START_SECONDS)
        if not hello.get("ready"):
            raise InstructorError(
                f"the warm worker parent did not start ({hello}); check the Python environment"
            )
        self.preloaded: list[str] = hello.get("preloaded", [])

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def _read_line(self, deadline: float) -> dict[str, Any]:
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self.control], [], [], max(remaining, 0))
            chunk = self.control.recv(65536) if ready else b""
            if not chunk:
                self.close()
                raise InstructorError(
                    "the warm worker parent stopped answering; check the Python environment"
                )
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        reply: dict[str, Any] = json.loads(line)
        return reply

    def fork(self, request: dict[str, Any], fds: list[int]) -> int:
        """Ask for one worker; ``fds`` are its channel, its output file and its status pipe."""
        socket.send_fds(self.control, [json.dumps(request).encode() + b"\n"], fds)
        return int(self._read_line(time.monotonic() + 30)["pid"])

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
            self.proc.wait()
        self.control.close()


class WarmParents:
    """The warm parents of this (lane) process, by configuration; restarted when dead."""

    def __init__(self) -> None:
        self._parents: dict[tuple[Any, ...], WarmParent] = {}

    def get(
        self,
        runtime_dir: Path,
        preload: tuple[str, ...],
        threads: int,
        python: str = sys.executable,
    ) -> WarmParent:
        key = (str(runtime_dir), preload, threads, python)
        parent = self._parents.get(key)
        if parent is None or not parent.alive:
            if parent is not None:
                parent.close()
            parent = self._parents[key] = WarmParent(runtime_dir, preload, threads, python)
        return parent

    def close(self) -> None:
        for parent in self._parents.values():
            parent.close()
        self._parents.clear()


@functools.lru_cache(maxsize=1)
def warm_parents() -> WarmParents:
    """This process's warm parents (one registry per process, created on first use)."""
    return WarmParents()
