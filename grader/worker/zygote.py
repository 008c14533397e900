"""The warm parent: imports numpy, torch and torchvision once, then forks one worker per request.

Importing torch costs seconds; forking a process that has already imported it costs
milliseconds. The zygote never initialises CUDA: a worker that needs the GPU does that itself.

Protocol on the control socket (the trusted side is the only peer): the request is one JSON
line, a :class:`grader.protocol.ForkRequest` (the work folder, the sandbox switch and the
worker's :class:`grader.protocol.WorkerLimits`), with three file descriptors attached (the
worker's channel, its output file, and the write end of a status pipe); the reply is one
JSON line ``{"pid": N}``. When a worker ends, its wait status (4 bytes, big-endian) is
written to its status pipe, so the trusted side can say how it ended.
"""

from __future__ import annotations

import importlib
import json
import os
import select
import signal
import socket
import struct
import sys
from typing import Any

from grader.procutil import die_with_parent
from grader.protocol import ForkRequest
from grader.worker import sandbox, serve


def preload(modules: list[str]) -> list[str]:
    """Import what can be imported; a module that is not installed is simply not warm."""
    loaded = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a broken optional package must not stop grading
            continue
        loaded.append(name)
    return loaded


class Zygote:
    """Forks workers on request and reports how each one ended."""

    def __init__(self, control: socket.socket, read_only: list[str]) -> None:
        self.control = control
        self.read_only = read_only
        self.status_fds: dict[int, int] = {}

    def serve(self) -> None:
        buffer = b""
        while True:
            self.reap()
            ready, _, _ = select.select([self.control], [], [], 0.05)
            if not ready:
                continue
            data, fds, _, _ = socket.recv_fds(self.control, 65536, 3)
            if not data:
                return  # the trusted side is gone; workers follow through PDEATHSIG
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                self.fork(json.loads(line), fds)
                fds = []

    def fork(self, request: dict[str, Any], fds: list[int]) -> None:
        channel, output, status = fds
        pid = os.fork()
        if pid == 0:
            self._child(request, channel, output)
        os.close(channel)
        os.close(output)
        self.status_fds[pid] = status
        self.control.sendall(json.dumps({"pid": pid}).encode() + b"\n")

    def _child(self, request: dict[str, Any], channel: int, output: int) -> None:
        code = 0
        try:
            os.setsid()
            die_with_parent()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.dup2(output, 1)
            os.dup2(output, 2)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.closerange(3, channel)
            os.closerange(channel + 1, 65536)
            fork = ForkRequest.from_json(request)
            workdir, applied = fork.workdir, ["NO SANDBOX: turned off by the instructor"]
            if fork.sandbox:
                policy = sandbox.Policy(fork.workdir, fork.limits, read_only=self.read_only)
                workdir, applied = sandbox.enter(policy)
            serve.run(channel, workdir, fork.limits, isolation=applied)
        except BaseException as exc:  # noqa: BLE001 - a child must never return into the zygote loop
            os.write(2, f"worker start-up failed: {type(exc).__name__}: {exc}\n".encode())
            code = 70
        os._exit(code)

    def reap(self) -> None:
        while self.status_fds:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            fd = self.status_fds.pop(pid, None)
            if fd is not None:
                try:
                    os.write(fd, struct.pack(">i", status))
                except OSError:
                    pass  # the trusted side stopped listening (it killed this worker itself)
                finally:
                    os.close(fd)
            _remove_cgroup(pid)


def _remove_cgroup(pid: int) -> None:
    """Kill whatever is left in a worker's pids cgroup (escaped daemons), then remove it."""
    path = sandbox.cgroup_path(pid)
    if not os.path.isdir(path):
        return
    for _ in range(50):
        try:
            with open(f"{path}/cgroup.procs") as handle:
                left = [int(p) for p in handle.read().split()]
            for other in left:
                os.kill(other, signal.SIGKILL)
            os.rmdir(path)
            return
        except OSError:
            select.select([], [], [], 0.01)


def main() -> None:
    """``-c`` entry point: ``zygote.py FD PRELOAD`` (PRELOAD is comma-separated)."""
    fd, modules = int(sys.argv[1]), [m for m in sys.argv[2].split(",") if m]
    sys.dont_write_bytecode = (
        True  # -I ignores PYTHONDONTWRITEBYTECODE; no __pycache__ in the work folder
    )
    die_with_parent()
    loaded = preload(modules)
    control = socket.socket(fileno=fd)
    read_only = sandbox.read_only_paths(list(sys.path), [])
    control.sendall(
        json.dumps({"ready": True, "preloaded": loaded, "pid": os.getpid()}).encode() + b"\n"
    )
    Zygote(control, read_only).serve()
