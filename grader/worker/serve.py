"""The worker's request loop: the only place where submission code runs.

The trusted process sends one request at a time and waits for one reply. The requests are
the types in :mod:`grader.protocol`; :class:`Server` answers each through its table
``HANDLERS`` (its docstring lists them, generated from that table). Every reply is
``{"ok": true, "value": ...}`` or ``{"ok": false, "error": {...}}``
(:func:`grader.protocol.ok`, :func:`grader.protocol.failure`). Objects the codec cannot send
by value stay here in ``Server.objects`` and go out as handles.
"""

from __future__ import annotations

import builtins
import errno
import importlib
import json
import os
import socket
import struct
import sys
import traceback
from collections.abc import Callable
from typing import Any, ClassVar

from grader import protocol
from grader.codec import (
    REQUEST_LIMITS,
    CodecError,
    decode_payload,
    encode_message,
    recv_frame,
    send_frame,
)
from grader.protocol import (
    REQUESTS,
    Call,
    Define,
    Fetch,
    GetItem,
    Hello,
    Import,
    LoadWeights,
    Op,
    Put,
    Release,
    SetAttr,
    SetItem,
    WorkerLimits,
    parse_request,
)
from grader.worker.cells import run_units
from grader.worker.forbid import Guard
from grader.worker.gpu import cap_gpu_memory, is_gpu_out_of_memory

__all__ = ["Server", "run"]

_MAX_TRACEBACK_CHARS = 8000


class _Keep:
    """Marks a value to be parked as a handle even if the codec could send it by value."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj


class Server:
    """Holds the worker's objects and answers requests until the channel closes."""

    def __init__(
        self, sock: socket.socket, workdir: str, limits: WorkerLimits, isolation: list[str]
    ) -> None:
        self.sock = sock
        self.isolation = isolation
        self.workdir = os.path.realpath(workdir)
        self.limits = limits
        self.guard = Guard()
        self.objects: dict[int, Any] = {}
        self.next_id = 1

    # -- handles ---------------------------------------------------------------------

    def park(self, obj: Any) -> dict[str, int]:
        if type(obj) is _Keep:
            obj = obj.obj
        handle = self.next_id
        self.next_id += 1
        self.objects[handle] = obj
        return {"$handle": handle}

    def resolve(self, body: Any) -> Any:
        if type(body) is int:
            return self.objects[body]
        root, path = body  # a "$ref": [handle, [attr, ...]]
        obj = self.objects[root]
        for name in path:
            obj = getattr(obj, name)
        return obj

    # -- the loop --------------------------------------------------------------------

    def serve(self) -> None:
        while True:
            try:
                payload = recv_frame(self.sock, REQUEST_LIMITS)
            except (EOFError, OSError):
                return
            request: dict[str, Any] = {}
            try:
                request = decode_payload(payload, self.resolve, REQUEST_LIMITS)
                self.guard.begin(request.get("forbid", []))
                reply = protocol.ok(self.dispatch(request))
            except BaseException as exc:  # noqa: BLE001 - every student exception becomes a reply
                reply = self.describe(exc)
            violation = self.guard.end()
            if violation is not None:  # reported even if the student's code caught the error
                reply = protocol.failure("forbidden", "ForbiddenAPI", violation, "")
            reply["seq"] = request.get("seq", _peek_seq(payload))  # replies are matched to requests
            _flush_output()  # the worker may be killed at any time: its prints reach the log now
            self.reply(reply)

    def describe(self, exc: BaseException) -> dict[str, Any]:
        """The reply for an exception: a limit the code ran into is named in plain words."""
        tb = self.student_tb(exc)
        if isinstance(exc, SystemExit):
            return protocol.failure("exit", "SystemExit", _exit_message(exc), tb)
        limit = _named_limit(exc, self.limits)
        if limit is not None:
            return protocol.failure("limit", type(exc).__name__, limit, tb)
        return protocol.failure("raised", type(exc).__name__, _safe_str(exc), tb)

    def reply(self, reply: dict[str, Any]) -> None:
        try:
            parts = encode_message(reply, self.park)
        except (CodecError, RecursionError, MemoryError) as exc:
            message = f"the result could not be sent: {exc}"
            parts = encode_message(protocol.failure("codec", "CodecError", message, ""), self.park)
        send_frame(self.sock, parts)

    def dispatch(self, message: dict[str, Any]) -> Any:
        """Answer one decoded request message through ``HANDLERS``."""
        request = parse_request(message)
        return self.HANDLERS[request.OP](self, request)

    # -- the handlers, one per op ------------------------------------------------------

    def on_hello(self, req: Hello) -> Any:
        return {"pid": os.getpid(), "isolation": self.isolation}

    def on_import(self, req: Import) -> Any:
        """Import the submission: plain modules, or the module built from a notebook, run
        unit by unit (each failed unit is reported in ``problems`` and costs only itself)."""
        self.guard.install(req.forbidden)  # before the submission can alias anything
        modules: dict[str, Any] = {}
        problems: list[dict[str, Any]] = []
        notebook = req.notebook
        if notebook is not None:
            built = [n for n in req.modules if n in notebook.modules]
            module, problems = run_units(
                os.path.join(self.workdir, notebook.file),
                built,
                [list(u) for u in notebook.units],
                notebook.unit_seconds,
                lambda exc: self.describe(exc)["error"],
                threads=notebook.threads,
                wall_factor=notebook.wall_factor,
            )
            modules = {n: _Keep(module) for n in built}
        for name in req.modules:
            if name not in modules:
                modules[name] = _Keep(importlib.import_module(name))
        return {"modules": modules, "problems": problems}

    def on_call(self, req: Call) -> Any:
        return req.target(*req.args, **req.kwargs)

    def on_fetch(self, req: Fetch) -> Any:
        return req.target

    def on_setattr(self, req: SetAttr) -> Any:
        setattr(req.target, req.name, req.value)

    def on_getitem(self, req: GetItem) -> Any:
        return req.target[req.key]

    def on_setitem(self, req: SetItem) -> Any:
        req.target[req.key] = req.value

    def on_put(self, req: Put) -> Any:
        return _Keep(req.value)

    def on_define(self, req: Define) -> Any:
        namespace: dict[str, Any] = {"np": importlib.import_module("numpy")}
        exec(compile(req.source, "<grader helper>", "exec"), namespace)  # noqa: S102 - instructor code
        return _Keep(namespace[req.name])

    def on_load_weights(self, req: LoadWeights) -> Any:
        weights = _load_weights(self.workdir, req.file, req.missing_ok is True)
        return None if weights is None else _Keep(weights)

    def on_release(self, req: Release) -> Any:
        for handle in req.handles:
            self.objects.pop(handle, None)

    HANDLERS: ClassVar[dict[Op, Callable[[Server, Any], Any]]] = {
        Op.HELLO: on_hello,
        Op.IMPORT: on_import,
        Op.CALL: on_call,
        Op.FETCH: on_fetch,
        Op.SETATTR: on_setattr,
        Op.GETITEM: on_getitem,
        Op.SETITEM: on_setitem,
        Op.PUT: on_put,
        Op.DEFINE: on_define,
        Op.LOAD_WEIGHTS: on_load_weights,
        Op.RELEASE: on_release,
    }

    def student_tb(self, exc: BaseException) -> str:
        """The traceback, trimmed to frames in the student's own files."""
        frames = [
            f for f in traceback.extract_tb(exc.__traceback__) if _inside(f.filename, self.workdir)
        ]
        lines = traceback.format_list(frames) if frames else []
        lines += traceback.format_exception_only(type(exc), exc)
        text = "".join(lines).replace(self.workdir + os.sep, "")
        return text[-_MAX_TRACEBACK_CHARS:]


def _ops_doc(handlers: dict[Op, Any]) -> str:
    """The requests in ``handlers``, one line each, for :class:`Server`'s docstring."""
    width = max(len(op.value) for op in handlers) + 2
    rule = "=" * (width - 2) + "  " + "=" * 60
    rows = [
        f"{op.value:<{width}}{' '.join((REQUESTS[op].__doc__ or '').split())}" for op in handlers
    ]
    return "\n".join([rule, f"{'op':<{width}}meaning", rule, *rows, rule])


Server.__doc__ = f"""{Server.__doc__}

The requests it answers (generated from ``Server.HANDLERS``; see :mod:`grader.protocol`):

{_ops_doc(Server.HANDLERS)}
"""


def _inside(filename: str, folder: str) -> bool:
    if not os.path.isabs(filename):  # "<frozen importlib._bootstrap>", "<string>", ...
        return False
    try:
        return os.path.realpath(filename).startswith(folder + os.sep)
    except (OSError, ValueError):
        return False


class WeightsRefused(Exception):
    """A submitted weights file that ``torch.load(weights_only=True)`` will not read."""


def _load_weights(workdir: str, name: str, missing_ok: bool = False) -> Any:
    """Load a submitted checkpoint as plain tensors only: a pickle that is not weights is refused.
    A file that was not handed in is None when ``missing_ok`` (an optional checkpoint)."""
    path = os.path.join(workdir, name)
    if not os.path.isfile(path):
        if missing_ok:
            return None
        raise FileNotFoundError(f"{name} is missing; hand in your trained weights as {name}")
    import torch  # only assignments with checkpoints get here

    save = f"save it with torch.save(model.state_dict(), {name!r})"
    try:
        weights = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - whatever the file is, the answer is the same
        raise WeightsRefused(
            f"{name} is not a file of weights (torch.load with weights_only=True refused it: "
            f"{type(exc).__name__}); {save}"
        ) from None
    if weights is None:  # None is the reply for a missing file, and no weights either
        raise WeightsRefused(f"{name} holds None, not weights; {save}")
    return weights


def _peek_seq(payload: bytearray) -> Any:
    """A request's sequence number, read even when the request could not be decoded in full."""
    try:
        (size,) = struct.unpack_from(">I", payload, 0)
        pairs = json.loads(bytes(payload[4 : 4 + size]))["msg"]["$dict"]
        return next(value for key, value in pairs if key == "seq")
    except (ValueError, KeyError, TypeError, StopIteration, struct.error):
        return None


def _named_limit(exc: BaseException, limits: WorkerLimits) -> str | None:
    """Plain words for an exception that is really a sandbox limit, else None."""
    memory = f"used more than {limits.memory_mb} MB of memory (the limit for this assignment)"
    share = limits.gpu_memory_fraction
    if share is not None and is_gpu_out_of_memory(exc):
        return (
            f"ran out of GPU memory: each submission may use {share:.0%} of the GPU's "
            "memory, because several are graded on it at once (use smaller batches or models)"
        )
    if isinstance(exc, MemoryError) or "can't allocate memory" in _safe_str(exc):
        return memory
    if not isinstance(exc, OSError):
        return None
    words = {
        errno.EAGAIN: f"tried to run more than {limits.processes} processes at once (the limit)",
        errno.EMFILE: f"opened more than {limits.open_files} files at once (the limit)",
        errno.EFBIG: f"wrote a file larger than {limits.file_size_mb} MB (the limit)",
        errno.ENOSPC: f"filled its {limits.disk_mb} MB of disk space (the limit)",
        errno.ENOMEM: memory,
    }
    return words.get(exc.errno or 0)


def _safe_str(exc: BaseException) -> str:
    try:
        text = str(exc)
    except BaseException:  # noqa: BLE001 - a student's __str__ may raise
        text = "<the exception's message could not be read>"
    return text[:2000]


def _exit_message(exc: SystemExit) -> str:
    return f"called sys.exit({exc.code!r}); a graded function must return, not exit the program"


def run(fd: int, workdir: str, limits: WorkerLimits, isolation: list[str]) -> None:
    """Entry point once the process is set up: serve on the inherited socket ``fd``."""
    sock = socket.socket(fileno=fd)
    sys.path.insert(0, workdir)
    os.chdir(workdir)
    builtins.input = _no_input
    if limits.gpu_memory_fraction is not None:
        cap_gpu_memory(limits.gpu_memory_fraction)
    Server(sock, workdir, limits, isolation).serve()


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001, S110 - a student may have replaced or closed it
            pass


def _no_input(prompt: object = "") -> str:
    """``input()`` in graded code: nobody is there to type, so say that instead of hanging."""
    raise RuntimeError(
        "input() asks someone to type an answer, but nobody types while your code is graded; "
        "pass the value as an argument or set it in the code instead"
    )
