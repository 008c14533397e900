"""The trusted side of one worker process: have it forked, talk to it under a deadline, kill it.

Nothing the worker sends is unpickled: replies are read with :func:`grader.frames.recv_frame`,
go through :func:`grader.codec.decode_payload`, under :data:`grader.frames.REPLY_LIMITS`, and
then through :func:`grader.protocol.parse_reply`, which checks their shape and types them.
Each request gets an allowance (:class:`grader.budget.Spent`): CPU seconds of the worker's
process tree, read from ``/proc`` while the trusted side waits (:mod:`grader.cputime`), and
wall-clock seconds. Decoding the reply happens inside the same allowance: its time is charged
to the request, and a decode that runs past what is left stops the request as a timeout. A
worker that runs past either limit is killed with its whole process group; a reply the codec
or the protocol refuses kills it too (its channel can no longer be trusted); a worker that dies is described
in plain words (signal, exit code, CPU limit).
"""

from __future__ import annotations

import math
import os
import select
import signal
import socket
import struct
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from grader.budget import Kind, Spent
from grader.codec import (
    REPLY_LIMITS,
    CodecError,
    DecodeTimeout,
    decode_payload,
    encode_message,
    recv_frame,
)
from grader.cputime import RequestMeter, TreeClock
from grader.errors import BadReply, WorkerDied, WorkerTimeout
from grader.extras import MissingExtra, missing_message
from grader.protocol import (
    ForkRequest,
    MalformedReply,
    Reply,
    Request,
    WorkerLimits,
    parse_reply,
    to_message,
)
from grader.warm import prepare_runtime, warm_parents
from grader.worker.sandbox import CPU_LIMIT_EXIT

__all__ = ["WorkerClient", "WorkerConfig", "WorkerLimits", "prepare_runtime"]

_SIGNAL_WORDS = {
    signal.SIGSEGV: "crashed with a segmentation fault (SIGSEGV)",
    signal.SIGBUS: "crashed with a bus error (SIGBUS)",
    signal.SIGABRT: "aborted (SIGABRT)",
    signal.SIGFPE: "crashed with a floating-point exception (SIGFPE)",
    signal.SIGILL: "crashed with an illegal instruction (SIGILL)",
    signal.SIGKILL: "was killed (SIGKILL): it ran past a hard limit, or something killed it",
    signal.SIGTERM: "was terminated (SIGTERM)",
}


_LOST = -1  # no wait status came: the warm parent itself ended
_TICK = 0.1  # seconds between two readings of the worker's CPU time while a request runs
DECODE_GRACE_S = 0.5
"""The least time a reply's decode gets, even when the worker answered at its limit: an
honest 256 MiB reply decodes in about 0.2 s. Its time is charged all the same."""


@dataclass
class WorkerConfig:
    """How to start one worker: where, with which warm parent, and within which limits."""

    workdir: Path
    output_path: Path
    runtime_dir: Path
    limits: WorkerLimits
    threads: int = 1
    sandbox: bool = True
    preload: tuple[str, ...] = ("numpy",)
    python: str = sys.executable

    def fork_request(self) -> ForkRequest:
        return ForkRequest(str(self.workdir), self.sandbox, self.limits)


class WorkerClient:
    """One live worker process (forked by the warm parent) and the socket to it."""

    def __init__(self, config: WorkerConfig) -> None:
        self.config = config
        warm = warm_parents().get(config.runtime_dir, config.preload, config.threads, config.python)
        missing = [name for name in config.preload if name not in warm.preloaded]
        if missing:  # the grader's environment lacks it: never the student's import error
            why = "the worker preloads it for the code under test"
            raise MissingExtra(missing_message(missing[0], why), module=missing[0])
        parent, child = socket.socketpair()
        output = os.open(config.output_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        status_read, status_write = os.pipe()
        try:
            fds = [child.fileno(), output, status_write]
            self.pid = warm.fork(config.fork_request().to_json(), fds)
        finally:
            child.close()
            os.close(output)
            os.close(status_write)
        self.sock = parent
        self._status_fd = status_read
        self._status: int | None = None
        self._killed = False
        self._seq = 0
        self.clock = TreeClock(self.pid)
        self._meter = RequestMeter(self.clock, Spent(), 0.0)
        self.spent = Spent()  # what the last request took
        self.stopped_by: Kind | None = None  # the limit that stopped the last request

    @property
    def alive(self) -> bool:
        return not self._killed and self._wait_status(0) is None

    def _wait_status(self, timeout: float) -> int | None:
        """The worker's wait status once the warm parent has reaped it, else None."""
        if self._status is None and self._status_fd >= 0:
            ready, _, _ = select.select([self._status_fd], [], [], timeout)
            if ready:
                data = os.read(self._status_fd, 4)
                os.close(self._status_fd)
                self._status_fd = -1
                self._status = struct.unpack(">i", data)[0] if len(data) == 4 else _LOST
        return self._status

    def request(
        self,
        request: Request,
        allowance: Spent,
        on_other: Callable[[Any], Any],
        on_handle: Callable[[Any], Any],
        what: str,
        forbid: Sequence[str] = (),
    ) -> Reply:
        """Send ``request`` (with the APIs in ``forbid`` gated while it runs) and wait for the
        reply while the worker stays within ``allowance``; the reply as
        :func:`grader.protocol.parse_reply` reads it.

        Afterwards ``spent`` holds what the request took: the wall-clock time it was awaited
        (and how much of it the worker was queued for a core), and the CPU time the worker's
        tree used since the previous reading (so work a student's thread does between
        requests is charged too; short requests are read at most every 0.1 s, and
        :meth:`settle` reads at once). ``stopped_by`` names the limit that stopped it, if one
        did.
        """
        self._seq += 1
        msg = to_message(request, self._seq, forbid)
        self._meter = RequestMeter(self.clock, allowance, self._meter.charged)
        self.stopped_by = None
        answered = False
        try:
            for part in encode_message(msg, on_other):
                self._send(part, what)
            payload = self._receive(what)
            answered = True
        except (EOFError, BrokenPipeError, ConnectionResetError) as exc:
            raise WorkerDied(f"{what}: your code's process {self.describe_death()}") from exc
        finally:
            self.spent = self._meter.finish(settle=not answered)
        reply = self._decode(payload, allowance, on_handle, what)
        if type(reply) is not dict or reply.get("seq") != self._seq:
            self.kill()
            raise BadReply(
                f"{what}: your code's process sent a message out of turn (it wrote to the grader's channel)"
            )
        try:
            return parse_reply(request.OP, reply)
        except MalformedReply as exc:
            self.kill()
            raise BadReply(f"{what}: the worker's reply was malformed ({exc})") from exc

    def _decode(
        self, payload: bytearray, allowance: Spent, on_handle: Callable[[Any], Any], what: str
    ) -> Any:
        """Decode a reply within what the request has left of ``allowance`` (at least
        ``DECODE_GRACE_S``). The decode's own time is added to ``spent``, as CPU and wall
        time: a reply that is slow to read uses its check's time, and one that runs past it
        stops the request as the worker's running past it would."""
        left = min(allowance.cpu_s - self.spent.cpu_s, allowance.wall_s - self.spent.counted_wall_s)
        started, cpu = time.monotonic(), time.thread_time()
        deadline = None if math.isinf(left) else started + max(left, DECODE_GRACE_S)
        try:
            return decode_payload(payload, on_handle, REPLY_LIMITS, deadline)
        except DecodeTimeout as exc:
            self._stop("cpu", what, exc)
        except CodecError as exc:
            self._unreadable(what, exc)
        finally:
            used = Spent(time.thread_time() - cpu, time.monotonic() - started)
            self.spent = self.spent + used

    def settle(self) -> float:
        """Read the worker's CPU time now; the CPU seconds not yet charged to any request."""
        return self._meter.settle()

    def _wait(self, what: str, for_write: bool = False) -> None:
        """Wait until the socket is ready; every tick, compare the worker's CPU time with the
        allowance. The number comes from the kernel, not from the worker."""
        socks: list[socket.socket] = [self.sock]
        while True:
            tick = min(max(self._meter.wall_left(), 0.0), _TICK)
            ready = (
                select.select([], socks, [], tick)
                if for_write
                else select.select(socks, [], [], tick)
            )
            if any(ready):
                return
            kind = self._meter.tick()
            if kind is not None:
                self._stop(kind, what)

    def _unreadable(self, what: str, exc: CodecError) -> NoReturn:
        self.kill()
        raise BadReply(
            f"{what}: your code sent back something the grader cannot read ({exc})"
        ) from exc

    def _stop(self, kind: Kind, what: str, cause: Exception | None = None) -> NoReturn:
        self.stopped_by = kind
        self.kill()
        raise WorkerTimeout(what) from cause

    def _send(self, data: bytes | memoryview, what: str) -> None:
        view = memoryview(data).cast("B")
        while view.nbytes:
            self._wait(what, for_write=True)
            view = view[self.sock.send(view) :]

    def _receive(self, what: str) -> bytearray:
        """One reply frame. Once its first bytes are in, the rest is read under the wall-clock
        limit only, as one deadline however slowly the bytes trickle (a worker that sends
        half a frame and spins is stopped by the backstop)."""
        self._wait(what)
        remaining = self._meter.wall_left()
        deadline = None if math.isinf(remaining) else time.monotonic() + max(remaining, 0.001)
        try:
            return recv_frame(self.sock, REPLY_LIMITS, deadline)
        except TimeoutError as exc:
            self.stopped_by = "wall"
            self.kill()
            raise WorkerTimeout(what) from exc
        except CodecError as exc:
            self._unreadable(what, exc)
        finally:
            if self.sock.fileno() >= 0:  # kill() above may have closed it
                self.sock.settimeout(None)

    def describe_death(self) -> str:
        """Plain words for how the worker ended."""
        status = self._wait_status(3)
        if status is None:
            self.kill()
            status = self._wait_status(3)
        if status is None:
            return "stopped answering"
        if status == _LOST:
            return "ended together with the grader's worker parent (a grader problem, not yours)"
        if os.WIFSIGNALED(status):
            sig = signal.Signals(os.WTERMSIG(status))
            if sig == signal.SIGXCPU:
                return f"used more than its {self.config.limits.cpu_seconds} s of CPU time and was stopped"
            return _SIGNAL_WORDS.get(sig, f"was killed by signal {sig.name}")
        code = os.waitstatus_to_exitcode(status)
        if code == 70:
            return "could not be started by the grader (see the output below)"
        if code == CPU_LIMIT_EXIT:
            return (
                f"used more than its {self.config.limits.cpu_seconds} s of CPU time and was stopped"
            )
        return (
            f"exited with code {code} in the middle of a call (os._exit() or a crash in a C "
            "extension ends the whole process; a graded function must return)"
        )

    def kill(self) -> None:
        """Kill the worker and everything it started; safe to call twice. The warm parent
        reaps it (and empties its cgroup) without making us wait."""
        if not self._killed and self._wait_status(0) is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self._killed = True
        self.sock.close()

    def close(self) -> None:
        """Kill the worker and let go of its status pipe."""
        self.kill()
        if self._status_fd >= 0:
            os.close(self._status_fd)
            self._status_fd = -1
