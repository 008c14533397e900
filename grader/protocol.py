"""The worker protocol: what the trusted side may ask of a worker, and what it may answer.

Both sides import this module, so it needs the standard library only (the worker runs it).

* The trusted side builds a typed request (:class:`Call`, :class:`Import`, ...);
  :func:`to_message` makes it the message the codec sends. Every reply goes through
  :func:`parse_reply`, the one place where a reply's shape is checked: a reply that is not
  what its request allows raises :class:`MalformedReply`.
* The worker reads a message back into its request with :func:`parse_request` and answers
  with :func:`ok` or :func:`failure`.
* :class:`WorkerLimits` is one worker's policy, built once on the trusted side from the
  spec's ``[limits]`` and the run's options; it travels whole, in a :class:`ForkRequest`, to
  the warm parent, the sandbox and the worker's messages.

On the wire (values as :mod:`grader.codec` encodes them), a request is
``{"op": <Op>, <its fields>, "seq": n, "forbid": [api, ...]}`` and a reply is
``{"ok": true, "value": ..., "seq": n}`` or
``{"ok": false, "error": {"kind": ..., "type": ..., "message": ..., "traceback": ...}, "seq": n}``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, ClassVar, Literal, get_args

__all__ = [
    "REQUESTS",
    "Call",
    "Define",
    "Done",
    "Failure",
    "Fetch",
    "ForkRequest",
    "GetItem",
    "Greeting",
    "Handle",
    "Hello",
    "Import",
    "Imported",
    "LoadWeights",
    "Made",
    "MalformedReply",
    "NotebookPlan",
    "Op",
    "Put",
    "Release",
    "Reply",
    "Request",
    "SetAttr",
    "SetItem",
    "UnitFailure",
    "Value",
    "Weights",
    "WorkerLimits",
    "failure",
    "ok",
    "parse_reply",
    "parse_request",
    "to_message",
]


class Op(StrEnum):
    """The operations a worker answers."""

    HELLO = "hello"
    IMPORT = "import"
    CALL = "call"
    FETCH = "fetch"
    SETATTR = "setattr"
    GETITEM = "getitem"
    SETITEM = "setitem"
    PUT = "put"
    DEFINE = "define"
    LOAD_WEIGHTS = "load_weights"
    RELEASE = "release"


# -- the worker's limits ------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerLimits:
    """What one worker may use: the sandbox's limits, and on a GPU run its share of the GPU."""

    memory_mb: int
    cpu_seconds: int = 3600  # RLIMIT_CPU of the worker process: a backstop behind the budgets
    processes: int = 32
    open_files: int = 256
    file_size_mb: int = 256
    disk_mb: int = 512
    gpu_memory_fraction: float | None = None  # set on GPU runs: the worker's share of the GPU

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> WorkerLimits:
        return cls(**{f.name: raw[f.name] for f in fields(cls) if f.name in raw})


@dataclass(frozen=True)
class ForkRequest:
    """The trusted side's request to the warm parent for one worker (one JSON line)."""

    workdir: str
    sandbox: bool
    limits: WorkerLimits

    def to_json(self) -> dict[str, Any]:
        return {"workdir": self.workdir, "sandbox": self.sandbox, "limits": self.limits.to_json()}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ForkRequest:
        return cls(
            str(raw["workdir"]), raw["sandbox"] is True, WorkerLimits.from_json(raw["limits"])
        )


# -- requests -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NotebookPlan:
    """How the worker builds a module from a notebook, unit by unit (no cell text: that is
    in the module file the load stage wrote)."""

    notebook: str  # the notebook's name, for messages
    file: str  # the module file, relative to the work folder
    modules: list[str]  # the module names it is imported as
    units: list[tuple[int, int, str]]  # (first line, last line, label)
    unit_seconds: float  # each unit's CPU-time limit, per thread
    threads: int = 1
    wall_factor: float = 3.0

    def to_json(self) -> dict[str, Any]:
        plain = {f.name: getattr(self, f.name) for f in fields(self)}
        return {**plain, "units": [list(u) for u in self.units]}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> NotebookPlan:
        return cls(
            notebook=str(raw["notebook"]),
            file=str(raw["file"]),
            modules=list(raw["modules"]),
            units=[(int(first), int(last), str(label)) for first, last, label in raw["units"]],
            unit_seconds=float(raw["unit_seconds"]),
            threads=int(raw.get("threads", 1)),
            wall_factor=float(raw.get("wall_factor", 3.0)),
        )


@dataclass(frozen=True)
class Hello:
    """the worker's pid and the sandbox it runs in"""

    OP: ClassVar[Op] = Op.HELLO


@dataclass(frozen=True)
class Import:
    """gate the ``forbidden`` APIs, then import the submission's ``modules`` (or build them
    from a notebook, unit by unit); the reply maps each module to a handle"""

    OP: ClassVar[Op] = Op.IMPORT
    modules: list[str]
    forbidden: list[str] = field(default_factory=list)
    notebook: NotebookPlan | None = None


@dataclass(frozen=True)
class Call:
    """``target(*args, **kwargs)``; the reply is the value (handles inside it)"""

    OP: ClassVar[Op] = Op.CALL
    target: Any
    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Fetch:
    """the value of ``target`` (a handle, or an attribute path from one)"""

    OP: ClassVar[Op] = Op.FETCH
    target: Any


@dataclass(frozen=True)
class SetAttr:
    """``target.name = value``"""

    OP: ClassVar[Op] = Op.SETATTR
    target: Any
    name: str
    value: Any


@dataclass(frozen=True)
class GetItem:
    """``target[key]``"""

    OP: ClassVar[Op] = Op.GETITEM
    target: Any
    key: Any


@dataclass(frozen=True)
class SetItem:
    """``target[key] = value``"""

    OP: ClassVar[Op] = Op.SETITEM
    target: Any
    key: Any
    value: Any


@dataclass(frozen=True)
class Put:
    """park a plain value in the worker (a ``params`` dict the student mutates); reply: its handle"""

    OP: ClassVar[Op] = Op.PUT
    value: Any


@dataclass(frozen=True)
class Define:
    """run a few lines of instructor helper code; reply: a handle to ``name``"""

    OP: ClassVar[Op] = Op.DEFINE
    source: str
    name: str


@dataclass(frozen=True)
class LoadWeights:
    """load a submitted checkpoint with ``torch.load(weights_only=True)``; reply: a handle, or
    with ``missing_ok`` None for a file that was not handed in"""

    OP: ClassVar[Op] = Op.LOAD_WEIGHTS
    file: str
    missing_ok: bool = False


@dataclass(frozen=True)
class Release:
    """forget ``handles`` (the objects one check made)"""

    OP: ClassVar[Op] = Op.RELEASE
    handles: list[int]


Request = (
    Hello
    | Import
    | Call
    | Fetch
    | SetAttr
    | GetItem
    | SetItem
    | Put
    | Define
    | LoadWeights
    | Release
)
REQUESTS: dict[Op, type[Request]] = {cls.OP: cls for cls in get_args(Request)}


def to_message(request: Request, seq: int, forbid: Sequence[str] = ()) -> dict[str, Any]:
    """The message for ``request``: its op, its fields (shallow: values are the codec's to
    encode), its sequence number, and the APIs forbidden while it runs (if any)."""
    msg: dict[str, Any] = {"op": request.OP.value}
    for f in fields(request):
        value = getattr(request, f.name)
        msg[f.name] = value.to_json() if isinstance(value, NotebookPlan) else value
    msg["seq"] = seq
    if forbid:
        msg["forbid"] = list(forbid)
    return msg


def parse_request(msg: dict[str, Any]) -> Request:
    """The worker's side: a decoded message back into its request (the trusted side sent it)."""
    try:
        cls = REQUESTS[Op(msg["op"])]
    except (KeyError, ValueError, TypeError):
        raise ValueError(f"unknown op {msg.get('op')!r}") from None
    found = {f.name: msg[f.name] for f in fields(cls) if f.name in msg}
    if cls is Import and found.get("notebook") is not None:
        found["notebook"] = NotebookPlan.from_json(found["notebook"])
    return cls(**found)


# -- replies ------------------------------------------------------------------------------


class Handle:
    """An object that stays in the worker, as the trusted side holds it
    (:class:`grader.remote.Remote`; its codec decodes every ``$handle`` to one)."""

    __slots__ = ()


FailureKind = Literal["raised", "limit", "exit", "forbidden", "codec", "timeout"]
_KINDS: tuple[str, ...] = get_args(FailureKind)


@dataclass(frozen=True)
class Failure:
    """The request did not finish: the code raised (``raised``), ran into a sandbox limit
    (``limit``), called ``sys.exit`` (``exit``), used a forbidden API (``forbidden``), or its
    result could not be sent (``codec``); a notebook unit may also run out of time
    (``timeout``). An unknown kind is read as ``raised``."""

    kind: FailureKind
    type: str
    message: str
    traceback: str


@dataclass(frozen=True)
class UnitFailure:
    """One notebook unit that failed while the submission was imported."""

    label: str
    failure: Failure


@dataclass(frozen=True)
class Greeting:
    """The reply to :class:`Hello`."""

    pid: int | None
    isolation: list[str]


@dataclass(frozen=True)
class Imported:
    """The reply to :class:`Import`: a handle per module, and the notebook units that failed."""

    modules: dict[str, Handle]
    problems: list[UnitFailure]


@dataclass(frozen=True)
class Value:
    """The reply to :class:`Call`, :class:`Fetch` and :class:`GetItem`."""

    value: Any


@dataclass(frozen=True)
class Made:
    """The reply to :class:`Put` and :class:`Define`: a handle to what was made."""

    handle: Handle


@dataclass(frozen=True)
class Weights:
    """The reply to :class:`LoadWeights`: a handle, or None for a missing optional file."""

    handle: Handle | None


@dataclass(frozen=True)
class Done:
    """The reply to :class:`SetAttr`, :class:`SetItem` and :class:`Release`."""


Reply = Failure | Greeting | Imported | Value | Made | Weights | Done


class MalformedReply(ValueError):
    """A reply whose shape is not what its request allows (a forged one: the worker's own
    replies always fit). The trusted side kills the worker and fails the request."""


def parse_reply(op: Op | str, raw: Any) -> Reply:
    """The reply to a request of ``op``, checked and typed; :class:`MalformedReply` if it is
    not one. Strings are cut to size here, so nothing downstream reads an unbounded one."""
    if type(raw) is not dict or type(raw.get("ok")) is not bool:
        raise MalformedReply("it is not a reply")
    if not raw["ok"]:
        return _failure(raw.get("error"))
    return _REPLIES[Op(op)](raw.get("value"))


def _text(value: Any, most: int) -> str:
    return (value if type(value) is str else str(value))[:most]


def _failure(error: Any) -> Failure:
    if type(error) is not dict:
        raise MalformedReply("a failure without a description")
    kind = error.get("kind")
    return Failure(
        kind=kind if kind in _KINDS else "raised",
        type=_text(error.get("type", "Exception"), 200),
        message=_text(error.get("message", ""), 2000),
        traceback=_text(error.get("traceback", ""), 8000),
    )


def _greeting(value: Any) -> Greeting:
    if type(value) is not dict or type(value.get("isolation", [])) is not list:
        raise MalformedReply("a greeting must be a dict with an isolation list")
    pid = value.get("pid")
    return Greeting(
        pid=pid if type(pid) is int else None,
        isolation=[_text(line, 2000) for line in value.get("isolation", [])],
    )


def _imported(value: Any) -> Imported:
    if type(value) is not dict or type(value.get("modules")) is not dict:
        raise MalformedReply("an import's reply must map module names to handles")
    modules = value["modules"]
    if not all(type(k) is str and isinstance(v, Handle) for k, v in modules.items()):
        raise MalformedReply("an import's reply must map module names to handles")
    problems = value.get("problems", [])
    if type(problems) is not list or not all(type(p) is dict for p in problems):
        raise MalformedReply("an import's problems must be a list of descriptions")
    return Imported(
        modules=dict(modules),
        problems=[UnitFailure(_text(p.get("label", ""), 200), _failure(p)) for p in problems],
    )


def _made(value: Any) -> Made:
    if not isinstance(value, Handle):
        raise MalformedReply(f"the reply must be a handle, not {type(value).__name__}")
    return Made(value)


def _weights(value: Any) -> Weights:
    if value is not None and not isinstance(value, Handle):
        raise MalformedReply(f"the reply must be a handle or None, not {type(value).__name__}")
    return Weights(value)


def _done(value: Any) -> Done:
    if value is not None:
        raise MalformedReply(f"the reply must be None, not {type(value).__name__}")
    return Done()


_REPLIES: dict[Op, Callable[[Any], Reply]] = {
    Op.HELLO: _greeting,
    Op.IMPORT: _imported,
    Op.CALL: Value,
    Op.FETCH: Value,
    Op.GETITEM: Value,
    Op.SETATTR: _done,
    Op.SETITEM: _done,
    Op.RELEASE: _done,
    Op.PUT: _made,
    Op.DEFINE: _made,
    Op.LOAD_WEIGHTS: _weights,
}


# -- the worker's side of replies ---------------------------------------------------------


def ok(value: Any) -> dict[str, Any]:
    """The message for a request that finished with ``value``."""
    return {"ok": True, "value": value}


def failure(kind: FailureKind, exc_type: str, message: str, traceback: str) -> dict[str, Any]:
    """The message for a request that did not finish (see :class:`Failure`)."""
    return {
        "ok": False,
        "error": {"kind": kind, "type": exc_type, "message": message, "traceback": traceback},
    }
