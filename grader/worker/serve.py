"""The worker's request loop: the only place where submission code runs.

The trusted process sends one request at a time and waits for one reply. Requests:

=========  ===========================================================================
op         meaning
=========  ===========================================================================
import     import the submission's modules; reply maps module name -> handle id
call       call ``target(*args, **kwargs)``; reply is the value (or handles inside it)
getattr    read an attribute path from a handle
setattr    set ``target.name = value``
getitem    ``target[key]``
setitem    ``target[key] = value``
put        park a plain value in the worker (e.g. a ``params`` dict the student mutates)
load_weights  load a submitted checkpoint with ``torch.load(weights_only=True)``; with
           ``missing_ok``, the reply for a file that was not handed in is None
define     run a few lines of instructor helper code and return a handle to ``name``
release    forget handles
hello      the worker's pid and the sandbox it runs in
=========  ===========================================================================

Every reply is ``{"ok": true, "value": ...}`` or ``{"ok": false, "error": {...}}``.
Objects the codec cannot send by value stay here in ``self.objects`` and go out as handles.
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
from typing import Any

from grader.codec import (
    REQUEST_LIMITS,
    CodecError,
    decode_payload,
    encode_message,
    recv_frame,
    send_frame,
)
from grader.worker.cells import run_units
from grader.worker.forbid import Guard
from grader.worker.gpu import cap_gpu_memory, is_gpu_out_of_memory

_MAX_TRACEBACK_CHARS = 8000


class _Keep:
    """Marks a value to be parked as a handle even if the codec could send it by value."""

    __slots__ = ("obj",)

    def __init__(self, obj: Any) -> None:
        self.obj = obj


class Server:
    """Holds the worker's objects and answers requests until the channel closes."""

    def __init__(
        self, sock: socket.socket, workdir: str, limits: dict[str, Any], isolation: list[str]
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
                reply = {"ok": True, "value": self.dispatch(request)}
            except BaseException as exc:  # noqa: BLE001 - every student exception becomes a reply
                reply = self.describe(exc)
            violation = self.guard.end()
            if violation is not None:  # reported even if the student's code caught the error
                reply = _error("forbidden", "ForbiddenAPI", violation, "")
            reply["seq"] = request.get("seq", _peek_seq(payload))  # replies are matched to requests
            _flush_output()  # the worker may be killed at any time: its prints reach the log now
            self.reply(reply)

    def describe(self, exc: BaseException) -> dict[str, Any]:
        """The reply for an exception: a limit the code ran into is named in plain words."""
        tb = self.student_tb(exc)
        if isinstance(exc, SystemExit):
            return _error("exit", "SystemExit", _exit_message(exc), tb)
        limit = _named_limit(exc, self.limits)
        if limit is not None:
            return _error("limit", type(exc).__name__, limit, tb)
        return _error("raised", type(exc).__name__, _safe_str(exc), tb)

    def reply(self, reply: dict[str, Any]) -> None:
        try:
            parts = encode_message(reply, self.park)
        except (CodecError, RecursionError, MemoryError) as exc:
            parts = encode_message(
                _error("codec", "CodecError", f"the result could not be sent: {exc}", ""), self.park
            )
        send_frame(self.sock, parts)

    def dispatch(self, req: dict[str, Any]) -> Any:
        op = req["op"]
        if op == "call":
            return req["target"](*req.get("args", []), **req.get("kwargs", {}))
        if op == "getattr":
            return req["target"]
        if op == "setattr":
            setattr(req["target"], req["name"], req["value"])
            return None
        if op == "getitem":
            return req["target"][req["key"]]
        if op == "setitem":
            req["target"][req["key"]] = req["value"]
            return None
        if op == "put":
            return _Keep(req["value"])
        if op == "fetch":
            return req["target"]
        if op == "import":
            self.guard.install(req.get("forbidden", []))  # before the submission can alias anything
            return self.import_modules(req["modules"], req.get("notebook"))
        if op == "define":
            namespace: dict[str, Any] = {"np": importlib.import_module("numpy")}
            exec(compile(req["source"], "<grader helper>", "exec"), namespace)  # noqa: S102 - instructor code
            return _Keep(namespace[req["name"]])
        if op == "release":
            for handle in req["handles"]:
                self.objects.pop(handle, None)
            return None
        if op == "load_weights":
            weights = _load_weights(self.workdir, req["file"], req.get("missing_ok") is True)
            return None if weights is None else _Keep(weights)
        if op == "hello":
            return {"pid": os.getpid(), "isolation": self.isolation}
        raise ValueError(f"unknown op {op!r}")

    def import_modules(self, names: list[str], notebook: dict[str, Any] | None) -> dict[str, Any]:
        """Import the submission: plain modules, or the module built from a notebook, run
        unit by unit (each failed unit is reported in ``problems`` and costs only itself)."""
        modules: dict[str, Any] = {}
        problems: list[dict[str, Any]] = []
        if notebook is not None:
            built = [n for n in names if n in notebook["modules"]]
            module, problems = run_units(
                os.path.join(self.workdir, notebook["file"]),
                built,
                notebook["units"],
                float(notebook["unit_seconds"]),
                lambda exc: self.describe(exc)["error"],
                threads=int(notebook.get("threads", 1)),
                wall_factor=float(notebook.get("wall_factor", 3.0)),
            )
            modules = {n: _Keep(module) for n in built}
        for name in names:
            if name not in modules:
                modules[name] = _Keep(importlib.import_module(name))
        return {"modules": modules, "problems": problems}

    def student_tb(self, exc: BaseException) -> str:
        """The traceback, trimmed to frames in the student's own files."""
        frames = [
            f for f in traceback.extract_tb(exc.__traceback__) if _inside(f.filename, self.workdir)
        ]
        lines = traceback.format_list(frames) if frames else []
        lines += traceback.format_exception_only(type(exc), exc)
        text = "".join(lines).replace(self.workdir + os.sep, "")
        return text[-_MAX_TRACEBACK_CHARS:]


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


def _named_limit(exc: BaseException, limits: dict[str, Any]) -> str | None:
    """Plain words for an exception that is really a sandbox limit, else None."""
    memory = (
        f"used more than {limits.get('memory_mb')} MB of memory (the limit for this assignment)"
    )
    share = limits.get("gpu_memory_fraction")
    if share is not None and is_gpu_out_of_memory(exc):
        return (
            f"ran out of GPU memory: each submission may use {float(share):.0%} of the GPU's "
            "memory, because several are graded on it at once (use smaller batches or models)"
        )
    if isinstance(exc, MemoryError) or "can't allocate memory" in _safe_str(exc):
        return memory
    if not isinstance(exc, OSError):
        return None
    words = {
        errno.EAGAIN: f"tried to run more than {limits.get('processes')} processes at once (the limit)",
        errno.EMFILE: f"opened more than {limits.get('open_files')} files at once (the limit)",
        errno.EFBIG: f"wrote a file larger than {limits.get('file_size_mb')} MB (the limit)",
        errno.ENOSPC: f"filled its {limits.get('disk_mb')} MB of disk space (the limit)",
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


def _error(kind: str, exc_type: str, message: str, tb: str) -> dict[str, Any]:
    return {
        "ok": False,
        "error": {"kind": kind, "type": exc_type, "message": message, "traceback": tb},
    }


def run(fd: int, workdir: str, limits: dict[str, Any], isolation: list[str]) -> None:
    """Entry point once the process is set up: serve on the inherited socket ``fd``."""
    sock = socket.socket(fileno=fd)
    sys.path.insert(0, workdir)
    os.chdir(workdir)
    builtins.input = _no_input
    if limits.get("gpu_memory_fraction") is not None:
        cap_gpu_memory(float(limits["gpu_memory_fraction"]))
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
