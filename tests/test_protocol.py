"""The worker protocol (grader/protocol.py): one parser for every reply, typed requests, one
table of handlers in the worker, and the worker's grader modules derived from its imports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from grader.errors import BadReply
from grader.protocol import (
    REQUESTS,
    Call,
    Define,
    Done,
    Failure,
    Fetch,
    ForkRequest,
    GetItem,
    Greeting,
    Handle,
    Hello,
    Import,
    Imported,
    LoadWeights,
    Made,
    MalformedReply,
    NotebookPlan,
    Op,
    Put,
    Release,
    Request,
    SetAttr,
    SetItem,
    Value,
    Weights,
    WorkerLimits,
    parse_reply,
    parse_request,
    to_message,
)
from grader.remote import SubmissionHandle, SubmissionSession
from grader.supervisor import WorkerConfig, prepare_runtime
from grader.worker.manifest import worker_files, worker_modules
from grader.worker.serve import Server


class _H(Handle):
    """A handle as the trusted side's codec would decode one."""

    __slots__ = ()


def _ok(value: Any) -> dict[str, Any]:
    return {"ok": True, "value": value, "seq": 1}


PLAN = NotebookPlan("hw.ipynb", "hw.py", ["hw"], [(1, 3, "cell 1"), (5, 5, "cell 2")], 2.0, 2)
EXAMPLES: list[Request] = [
    Hello(),
    Import(["nn"], ["torch.nn"], PLAN),
    Import(["nn"]),
    Call("f", [1, 2], {"k": 3}),
    Fetch("t"),
    SetAttr("t", "name", 1),
    GetItem("t", "k"),
    SetItem("t", "k", 2),
    Put({"a": 1}),
    Define("def f(): pass", "f"),
    LoadWeights("model.pt", missing_ok=True),
    Release([3, 4]),
]


@pytest.mark.parametrize("request_", EXAMPLES, ids=lambda r: type(r).__name__)
def test_a_request_reads_back_as_itself_in_the_worker(request_: Request) -> None:
    """Does every request survive to_message -> parse_request, with its op, seq and forbid?"""
    msg = to_message(request_, 7, ["torch.nn"])
    assert msg["op"] == request_.OP and type(msg["op"]) is str  # plain str: the codec sends it
    assert (msg["seq"], msg["forbid"]) == (7, ["torch.nn"])
    assert parse_request(msg) == request_
    assert "forbid" not in to_message(request_, 7)


def test_every_op_has_a_request_a_reply_and_a_handler() -> None:
    """Is each op in the request table, answered by the worker's table, and parsed on return?"""
    assert set(REQUESTS) == set(Op) == set(Server.HANDLERS)
    for op in Op:
        parse_reply(op, {"ok": False, "error": {"kind": "raised"}})  # no KeyError for any op


def test_the_servers_docstring_lists_exactly_its_handlers() -> None:
    """Is the op table in Server's docstring generated from HANDLERS (no drift possible)?"""
    doc = Server.__doc__ or ""
    listed = [line.split()[0] for line in doc.splitlines() if line[:1].isalpha() and "  " in line]
    assert listed == ["op", *(op.value for op in Server.HANDLERS)]


def test_unknown_ops_are_refused_in_the_worker() -> None:
    with pytest.raises(ValueError, match="unknown op 'getattr'"):
        parse_request({"op": "getattr", "target": 1})
    with pytest.raises(ValueError, match="unknown op None"):
        parse_request({})


@pytest.mark.parametrize(
    "op, value, kind",
    [
        (Op.HELLO, {"pid": 9, "isolation": ["ns", 3]}, Greeting(9, ["ns", "3"])),
        (Op.CALL, [1, 2], Value([1, 2])),
        (Op.FETCH, None, Value(None)),
        (Op.SETATTR, None, Done()),
        (Op.RELEASE, None, Done()),
        (Op.LOAD_WEIGHTS, None, Weights(None)),
    ],
)
def test_honest_replies_are_typed(op: Op, value: Any, kind: Any) -> None:
    assert parse_reply(op, _ok(value)) == kind


def test_handles_and_import_replies_are_typed() -> None:
    handle = _H()
    assert parse_reply(Op.PUT, _ok(handle)) == Made(handle)
    assert parse_reply(Op.LOAD_WEIGHTS, _ok(handle)) == Weights(handle)
    problem = {"label": "cell 3", "kind": "timeout", "type": "Timeout", "message": "m" * 5000}
    reply = parse_reply(Op.IMPORT, _ok({"modules": {"nn": handle}, "problems": [problem]}))
    assert isinstance(reply, Imported) and reply.modules == {"nn": handle}
    (unit,) = reply.problems
    assert unit.label == "cell 3" and unit.failure.kind == "timeout"
    assert len(unit.failure.message) == 2000  # cut to size at the boundary


def test_failures_are_read_and_cut_to_size() -> None:
    error = {"kind": "mystery", "type": ["x"] * 100, "message": "m" * 9000, "traceback": 5}
    reply = parse_reply(Op.CALL, {"ok": False, "error": error})
    assert isinstance(reply, Failure)
    assert reply.kind == "raised"  # an unknown kind reads as an exception the code raised
    assert len(reply.type) == 200 and len(reply.message) == 2000 and reply.traceback == "5"


@pytest.mark.parametrize(
    "op, raw, words",
    [
        (Op.CALL, [True, 1], "not a reply"),
        (Op.CALL, {"value": 1}, "not a reply"),
        (Op.CALL, {"ok": 1, "value": 1}, "not a reply"),
        (Op.CALL, {"ok": False, "error": "boom"}, "failure without a description"),
        (Op.HELLO, _ok("hi"), "greeting"),
        (Op.IMPORT, _ok({"modules": []}), "map module names to handles"),
        (Op.IMPORT, _ok({"modules": {"nn": 5}}), "map module names to handles"),
        (Op.IMPORT, _ok({"modules": {}, "problems": ["x"]}), "problems"),
        (Op.PUT, _ok(5), "must be a handle, not int"),
        (Op.DEFINE, _ok(None), "must be a handle, not NoneType"),
        (Op.LOAD_WEIGHTS, _ok("w"), "handle or None, not str"),
        (Op.SETITEM, _ok(1), "must be None, not int"),
    ],
)
def test_malformed_replies_raise_one_error(op: Op, raw: Any, words: str) -> None:
    """Is every reply that its request does not allow refused with MalformedReply?"""
    with pytest.raises(MalformedReply, match=words):
        parse_reply(op, raw)


def test_limits_travel_whole_to_the_warm_parent() -> None:
    limits = WorkerLimits(memory_mb=512, cpu_seconds=9, disk_mb=16, gpu_memory_fraction=0.25)
    fork = ForkRequest("/tmp/work", True, limits)
    assert ForkRequest.from_json(fork.to_json()) == fork
    assert WorkerLimits.from_json({"memory_mb": 64}) == WorkerLimits(memory_mb=64)


# -- against a real worker ------------------------------------------------------------------

FORGER = """
import gc, socket

def _server():
    for obj in gc.get_objects():
        if type(obj).__name__ == "Server" and isinstance(getattr(obj, "sock", None), socket.socket):
            return obj

_srv = _server()
_reply = _srv.reply

def _forged(message):
    if message.get("ok") and type(message.get("value")) is not dict and "value" in message:
        if message["value"] is not None and type(message["value"]).__name__ != "int":
            message["value"] = 5  # a handle replaced by a number
    _reply(message)

def forge():
    _srv.reply = _forged

def grader_modules():
    import sys
    return sorted(m for m in sys.modules if m == "grader" or m.startswith("grader."))
"""


def _session(tmp_path: Path, sandbox: bool = True) -> SubmissionSession:
    work = tmp_path / "sub"
    work.mkdir()
    (work / "nn.py").write_text(FORGER)
    config = WorkerConfig(
        workdir=work,
        output_path=tmp_path / "out.txt",
        runtime_dir=prepare_runtime(tmp_path / "runtime"),
        limits=WorkerLimits(memory_mb=1024),
        sandbox=sandbox,
    )
    session = SubmissionSession(config, ["nn"], import_seconds=20, submission_seconds=60)
    session.begin_check(20)
    return session


def test_a_forged_reply_to_put_is_refused_and_the_worker_killed(tmp_path: Path) -> None:
    """A handle replaced by a number: before the protocol module, an AssertionError in the
    trusted process; now BadReply, and the worker that forged it is gone."""
    session = _session(tmp_path)
    try:
        SubmissionHandle(session).nn.forge()
        with pytest.raises(BadReply, match="creating an object .* malformed .*handle, not int"):
            session.put({"a": 1})
        assert session.client is not None and not session.client.alive
    finally:
        session.close()


@pytest.mark.parametrize("sandbox", [True, False])
def test_the_worker_imports_no_grader_module_outside_its_list(
    tmp_path: Path, sandbox: bool
) -> None:
    """Are the grader modules loaded in a running worker all in the derived list? Without the
    sandbox an installed grader is importable, so a stray import would show here."""
    session = _session(tmp_path, sandbox)
    try:
        loaded = SubmissionHandle(session).nn.grader_modules()
    finally:
        session.close()
    assert "grader.protocol" in loaded and "grader.worker.serve" in loaded
    assert set(loaded) <= set(worker_modules()), set(loaded) - set(worker_modules())


def test_the_derived_list_is_what_the_runtime_holds(tmp_path: Path) -> None:
    """Is the worker's runtime folder exactly the derived files (and none of the trusted side)?"""
    runtime = prepare_runtime(tmp_path / "runtime") / "grader"
    copied = sorted(str(p.relative_to(runtime)) for p in runtime.rglob("*.py"))
    assert copied == sorted(worker_files())
    for trusted in ("errors.py", "remote.py", "spec.py", "supervisor.py", "worker/manifest.py"):
        assert trusted not in copied
