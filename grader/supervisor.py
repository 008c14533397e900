"""The trusted side of one worker process: start it, talk to it under a deadline, kill it.

Nothing the worker sends is unpickled: replies go through :func:`grader.codec.decode_payload`.
A worker that runs past its deadline is killed with its whole process group; a worker
that dies is described in plain words (signal, exit code, memory limit).
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from grader.codec import MAX_FRAME_BYTES, CodecError, decode_payload, encode_message, recv_frame
from grader.errors import BadReply, WorkerDied, WorkerTimeout

_SIGNAL_WORDS = {
    signal.SIGSEGV: "crashed with a segmentation fault (SIGSEGV)",
    signal.SIGBUS: "crashed with a bus error (SIGBUS)",
    signal.SIGABRT: "aborted (SIGABRT)",
    signal.SIGFPE: "crashed with a floating-point exception (SIGFPE)",
    signal.SIGILL: "crashed with an illegal instruction (SIGILL)",
    signal.SIGKILL: "was killed (SIGKILL), most often for using more memory than allowed",
    signal.SIGTERM: "was terminated (SIGTERM)",
}


@dataclass
class WorkerConfig:
    """How to start one worker."""

    workdir: Path
    memory_mb: int
    output_path: Path
    runtime_dir: Path
    threads: int = 1
    python: str = sys.executable
    env_extra: dict[str, str] = field(default_factory=dict)


def worker_env(config: WorkerConfig) -> dict[str, str]:
    """A small, explicit environment: no secrets of the grader's, fixed thread counts."""
    keep = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "SYSTEMROOT", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if k in keep}
    threads = str(config.threads)
    env.update(
        OMP_NUM_THREADS=threads,
        OPENBLAS_NUM_THREADS=threads,
        MKL_NUM_THREADS=threads,
        NUMEXPR_NUM_THREADS=threads,
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
        PYTHONHASHSEED="0",
    )
    env.update(config.env_extra)
    return env


WORKER_MODULES = (
    "__init__.py",
    "codec.py",
    "procutil.py",
    "worker/__init__.py",
    "worker/__main__.py",
    "worker/serve.py",
)


def prepare_runtime(folder: Path) -> Path:
    """Copy the few grader modules a worker runs into ``folder`` and return it.

    The worker's ``sys.path`` gets this folder instead of the grader's own location, which in
    a course checkout is also the folder holding ``reference/`` and ``assignments/``: so the
    reference and the checks cannot simply be imported from the worker.
    """
    source = Path(__file__).resolve().parent
    for rel in WORKER_MODULES:
        dest = folder / "grader" / rel
        if not dest.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / rel, dest)
    return folder


class WorkerClient:
    """One live worker process and the socket to it."""

    def __init__(self, config: WorkerConfig) -> None:
        self.config = config
        parent, child = socket.socketpair()
        self._output: BinaryIO = open(config.output_path, "ab")  # noqa: SIM115 - closed in kill()
        cmd = [
            config.python,
            "-I",
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); "
            "from grader.worker.__main__ import main; sys.argv = sys.argv[1:]; main()",
            str(config.runtime_dir),
            "--fd",
            str(child.fileno()),
            "--workdir",
            str(config.workdir),
            "--memory-mb",
            str(config.memory_mb),
        ]
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            cmd,
            pass_fds=[child.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            cwd=config.workdir,
            env=worker_env(config),
            start_new_session=True,
        )
        child.close()
        self.sock = parent
        self.started = time.monotonic()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def request(
        self,
        msg: dict[str, Any],
        deadline: float,
        on_other: Callable[[Any], Any],
        on_handle: Callable[[Any], Any],
        what: str,
    ) -> Any:
        """Send ``msg`` and wait for the reply until ``deadline`` (monotonic seconds)."""
        try:
            parts = encode_message(msg, on_other)
            for part in parts:
                self._send(part, deadline, what)
            payload = self._receive(deadline, what)
        except (EOFError, BrokenPipeError, ConnectionResetError) as exc:
            raise WorkerDied(f"{what}: your code's process {self.describe_death()}") from exc
        try:
            return decode_payload(payload, on_handle)
        except CodecError as exc:
            self.kill()
            raise BadReply(
                f"{what}: your code sent back something the grader cannot read ({exc})"
            ) from exc

    def _wait(self, deadline: float, what: str, for_write: bool = False) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            self.kill()
            raise WorkerTimeout(what)
        socks: list[socket.socket] = [self.sock]
        ready = (
            select.select([], socks, [], remaining)
            if for_write
            else select.select(socks, [], [], remaining)
        )
        if not any(ready):
            self.kill()
            raise WorkerTimeout(what)

    def _send(self, data: bytes | memoryview, deadline: float, what: str) -> None:
        view = memoryview(data).cast("B")
        while view.nbytes:
            self._wait(deadline, what, for_write=True)
            sent = self.sock.send(view)
            view = view[sent:]

    def _receive(self, deadline: float, what: str) -> bytearray:
        self._wait(deadline, what)
        self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            return recv_frame(self.sock, MAX_FRAME_BYTES)
        except TimeoutError as exc:
            self.kill()
            raise WorkerTimeout(what) from exc
        except CodecError as exc:
            self.kill()
            raise BadReply(f"{what}: {exc}") from exc
        finally:
            self.sock.settimeout(None)

    def describe_death(self) -> str:
        """Plain words for how the worker ended; waits briefly for its exit status."""
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
            return "stopped answering"
        self.kill()
        if code < 0:
            sig = signal.Signals(-code)
            return _SIGNAL_WORDS.get(sig, f"was killed by signal {sig.name}")
        return (
            f"exited with code {code} in the middle of a call (os._exit() or a crash in a C "
            "extension ends the whole process; a graded function must return)"
        )

    def kill(self) -> None:
        """Kill the worker and everything it started; safe to call twice."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # stragglers that outlived the leader
        except (ProcessLookupError, PermissionError):
            pass
        self.sock.close()
        self._output.close()
