"""The codec: plain data round-trips exactly; nothing else is ever rebuilt from the worker's bytes."""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np
import pytest

from grader import supervisor
from grader.budget import Spent
from grader.codec import CodecError, decode_payload, encode_message
from grader.errors import BadReply, WorkerTimeout
from grader.supervisor import WorkerClient


def roundtrip(value: Any, on_other: Any = None) -> Any:
    parts = encode_message(value, on_other or (lambda v: pytest.fail(f"unexpected {v!r}")))
    payload = bytearray(bytes(parts[0])[8:] + b"".join(bytes(p) for p in parts[1:]))
    (length, _) = struct.unpack(">QI", bytes(parts[0]))
    assert length == len(payload)
    return decode_payload(payload, lambda body: ("handle", body))


def frame(header: dict[str, Any], *buffers: bytes) -> bytearray:
    head = json.dumps(header).encode()
    return bytearray(struct.pack(">I", len(head)) + head + b"".join(buffers))


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -7,
        2**80,
        1.5,
        "héllo",
        b"\x00\xff",
        [1, [2, 3]],
        (1, (2.0, "x")),
        {"a": 1, 2: (3,)},
        complex(1, -2),
        float("inf"),
        float("-inf"),
    ],
)
def test_plain_values_roundtrip(value: Any) -> None:
    """Do plain Python values come back equal and of the same type?"""
    got = roundtrip(value)
    assert got == value and type(got) is type(value)


def test_nan_roundtrips() -> None:
    assert np.isnan(roundtrip(float("nan")))


@pytest.mark.parametrize(
    "dtype", ["float64", "float32", "float16", "int64", "int8", "uint8", "bool", "complex128"]
)
def test_arrays_roundtrip_with_dtype_and_shape(dtype: str) -> None:
    """Does an array keep its dtype, shape and values, and come back writable?"""
    arr = (np.arange(24).reshape(2, 3, 4) % 5).astype(dtype)
    got = roundtrip(arr)
    assert type(got) is np.ndarray and got.dtype == arr.dtype and got.shape == arr.shape
    np.testing.assert_array_equal(got, arr)
    got[0, 0, 0] = 1  # writable copy


def test_non_contiguous_and_empty_arrays() -> None:
    arr = np.arange(12.0).reshape(3, 4).T
    np.testing.assert_array_equal(roundtrip(arr), arr)
    assert roundtrip(np.zeros((0, 5))).shape == (0, 5)


def test_zero_dimensional_arrays_keep_their_shape() -> None:
    """Does a 0-d array (np.mean(x, keepdims=False) of some code, np.asarray(1.5)) come back
    with shape (), not (1,)?"""
    got = roundtrip(np.asarray(1.5))
    assert type(got) is np.ndarray and got.shape == () and float(got) == 1.5
    assert roundtrip(np.asarray(3, dtype=np.int8)).dtype == np.int8


def test_numpy_scalars_keep_their_type() -> None:
    got = roundtrip(np.float32(1.25))
    assert type(got) is np.float32 and got == np.float32(1.25)


def test_array_subclass_goes_through_on_other() -> None:
    """Is an ndarray subclass (which can lie about itself) kept out of the by-value path?"""

    class Sneaky(np.ndarray):
        pass

    seen = []
    roundtrip(np.zeros(3).view(Sneaky), on_other=lambda v: seen.append(v) or {"$handle": 1})
    assert len(seen) == 1


def test_object_arrays_are_not_sent_by_value() -> None:
    out = roundtrip(np.array([object()], dtype=object), on_other=lambda v: {"$handle": 9})
    assert out == ("handle", 9)


def test_tensors_roundtrip() -> None:
    torch = pytest.importorskip("torch")
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3).requires_grad_(True)
    got = roundtrip(t)
    assert type(got) is torch.Tensor and got.dtype == torch.float32 and got.requires_grad
    assert torch.equal(got.detach(), t.detach())
    b = torch.tensor([1.5, -2.0], dtype=torch.bfloat16)
    assert torch.equal(roundtrip(b), b)


@pytest.mark.parametrize(
    "header, buffers, match",
    [
        (
            {"msg": {"$nd": ["|O", [1], 0]}, "buffers": [8]},
            [b"\0" * 8],
            "not a plain numeric dtype",
        ),
        ({"msg": {"$nd": ["<f8", [3], 0]}, "buffers": [8]}, [b"\0" * 8], "does not match"),
        ({"msg": {"$pickle": "x"}, "buffers": []}, [], "unknown tag"),
        ({"msg": {"$nd": ["<f8", [1], 5]}, "buffers": [8]}, [b"\0" * 8], "out of range"),
        ({"msg": 1, "buffers": [100]}, [b"\0" * 8], "does not add up"),
        ({"msg": {"$dict": [[[1], 2]]}, "buffers": []}, [], "unhashable"),
        ({"msg": 1}, [], "malformed header"),
        ({"msg": {"$nd": ["<f8", [-1], 0]}, "buffers": [8]}, [b"\0" * 8], "malformed shape"),
    ],
)
def test_decoder_refuses_malformed_frames(
    header: dict[str, Any], buffers: list[bytes], match: str
) -> None:
    """Does the decoder refuse, with a reason, everything that is not a well-formed allowed value?"""
    with pytest.raises(CodecError, match=match):
        decode_payload(frame(header, *buffers), lambda body: body)


def test_decoder_refuses_deep_nesting() -> None:
    tree: Any = 1
    for _ in range(200):
        tree = [tree]
    with pytest.raises(CodecError, match="deeper"):
        decode_payload(frame({"msg": tree, "buffers": []}), lambda body: body)


def test_encoder_refuses_deep_nesting() -> None:
    value: Any = []
    for _ in range(200):
        value = [value]
    with pytest.raises(CodecError, match="deeper"):
        encode_message(value, lambda v: v)


def test_lone_surrogates_are_replaced() -> None:
    """Can a string from the worker always be written as UTF-8?"""
    got = roundtrip("bad \ud800 text")
    assert got == "bad ? text"
    got.encode("utf-8")


# -- decoding inside the check's time (the supervisor's side) --------------------------------


def _bare_client(spent: Spent) -> WorkerClient:
    """A WorkerClient with no worker behind it: enough to decode a reply."""
    client = WorkerClient.__new__(WorkerClient)
    client.spent, client.stopped_by = spent, None
    client.kill = lambda: None  # type: ignore[method-assign]
    return client


def test_decoding_a_reply_is_charged_to_the_request() -> None:
    """Is the decode's own time added to what the request took?"""
    client = _bare_client(Spent(cpu_s=0.25, wall_s=0.25))
    data = frame({"msg": list(range(200_000)), "buffers": []})
    value = client._decode(data, Spent(cpu_s=10, wall_s=30), lambda body: body, "f(...)")
    assert value == list(range(200_000))
    assert client.spent.wall_s > 0.25 and client.spent.cpu_s > 0.25


def test_a_decode_past_the_time_left_is_the_checks_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """A reply that takes longer to decode than its check has left stops the request as a
    CPU timeout (charged), not as a free extra."""
    monkeypatch.setattr(supervisor, "DECODE_GRACE_S", 0.0)
    client = _bare_client(Spent(cpu_s=1.0, wall_s=1.0))
    data = frame({"msg": list(range(200_000)), "buffers": []})
    with pytest.raises(WorkerTimeout):
        client._decode(data, Spent(cpu_s=1.0, wall_s=3.0), lambda body: body, "f(...)")
    assert client.stopped_by == "cpu" and client.spent.wall_s > 1.0


def test_a_refused_reply_is_a_bad_reply_in_plain_words() -> None:
    client = _bare_client(Spent())
    data = frame({"msg": {"$nd": ["|O", [1], 0]}, "buffers": [8]}, b"\0" * 8)
    with pytest.raises(BadReply, match="cannot read .*not a plain numeric dtype"):
        client._decode(data, Spent(cpu_s=10, wall_s=30), lambda body: body, "f(...)")
