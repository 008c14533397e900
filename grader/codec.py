"""What may cross the trust boundary, and how: framed JSON plus raw buffers, never pickle.

A message is one frame::

    u64 payload length | u32 header length | header (UTF-8 JSON) | buffer 0 | buffer 1 | ...

The header holds ``{"msg": <tree>, "buffers": [len0, len1, ...]}``. A value tree is JSON
with a few tagged forms:

=========================  =====================================================
Python value               tree
=========================  =====================================================
None, bool, int, str       the JSON value itself
float                      JSON number, or ``{"$f": "nan" | "inf" | "-inf"}``
list                       JSON array
tuple                      ``{"$tuple": [...]}``
dict                       ``{"$dict": [[key, value], ...]}`` (keys any tree)
bytes                      ``{"$bytes": buffer}``
complex                    ``{"$complex": [re, im]}``
numpy.ndarray              ``{"$nd": [dtype, shape, buffer]}`` (numeric dtypes only)
numpy scalar               ``{"$np": [dtype, buffer]}``
torch.Tensor               ``{"$tensor": [dtype, shape, buffer, requires_grad]}``
object left in the worker  ``{"$handle": id}``
=========================  =====================================================

The decoder is strict: it rebuilds fresh objects of exactly these types, checks every size
against its buffer, and refuses unknown tags and object dtypes. Whatever the worker's objects
claim about themselves (``__eq__``, ``__array__``, subclasses) never reaches the trusted
process: only bytes do.

A reply's bytes are hostile (a submission can reach its own channel and write anything), so
decoding one is bounded by :class:`grader.frames.Limits` (the frame, the header, the values,
the nesting, the buffer table; the table is in :mod:`grader.frames`), shapes have at most 32
dimensions whose product times the item size equals the buffer's length, and ``deadline``
stops a decode that runs past it with :class:`DecodeTimeout` (the supervisor passes the time
the check has left, and charges the decode to the check).

Every failure is a :class:`CodecError`, whatever the bytes (``RecursionError``,
``MemoryError``, bad UTF-8, json's and numpy's errors and int-conversion limits included).
"""

from __future__ import annotations

import itertools
import json
import math
import struct
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from grader.frames import (
    MAX_BUFFERS,
    MAX_DEPTH,
    MAX_FRAME_BYTES,
    MAX_HEADER_BYTES,
    MAX_NODES,
    REPLY_LIMITS,
    REQUEST_LIMITS,
    CodecError,
    DecodeTimeout,
    Limits,
    check_header_length,
    recv_exact,
    recv_frame,
    send_frame,
)

__all__ = [  # the framing is re-exported: one import gives a client everything it needs
    "MAX_BUFFERS",
    "MAX_DEPTH",
    "MAX_FRAME_BYTES",
    "MAX_HEADER_BYTES",
    "MAX_NODES",
    "REPLY_LIMITS",
    "REQUEST_LIMITS",
    "Buffers",
    "CodecError",
    "DecodeTimeout",
    "Decoder",
    "Encoder",
    "Limits",
    "decode_payload",
    "encode_message",
    "recv_exact",
    "recv_frame",
    "send_frame",
]

_DEADLINE_EVERY = 1024  # values decoded between two looks at the clock

_NUMERIC_DTYPES = frozenset(
    np.dtype(t).str
    for t in (
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
        "complex64",
        "complex128",
    )
)
_TORCH_DTYPES = (
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "complex64",
    "complex128",
)


# --------------------------------------------------------------------------- encoding


class Encoder:
    """Turns a value into (tree, buffers). ``on_other`` decides what to do with the rest.

    In the worker, ``on_other`` parks the object and returns a handle id; in the trusted
    process, ``on_other`` encodes a :class:`grader.remote.Remote` as a reference, and refuses
    anything else (the trusted side only sends plain data).
    """

    def __init__(self, on_other: Callable[[Any], Any]) -> None:
        self.on_other = on_other
        self.buffers: list[bytes | memoryview] = []

    def _buffer(self, data: bytes | memoryview) -> int:
        self.buffers.append(data)
        return len(self.buffers) - 1

    def encode(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise CodecError(f"value nested deeper than {MAX_DEPTH} levels")
        kind = type(value)
        if value is None or kind is bool or kind is str:
            return value
        if kind is int:
            return value
        if kind is float:
            return value if math.isfinite(value) else {"$f": repr(value)}
        if kind is list:
            return [self.encode(v, depth + 1) for v in value]
        if kind is tuple:
            return {"$tuple": [self.encode(v, depth + 1) for v in value]}
        if kind is dict:
            return {
                "$dict": [
                    [self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()
                ]
            }
        if kind is bytes:
            return {"$bytes": self._buffer(value)}
        if kind is complex:
            return {"$complex": [self.encode(value.real), self.encode(value.imag)]}
        if kind is np.ndarray and value.dtype.str in _NUMERIC_DTYPES:
            arr = np.ascontiguousarray(value).reshape(
                value.shape
            )  # ascontiguousarray makes 0-d 1-d
            data = arr.reshape(-1).view(np.uint8).data if arr.size else b""
            return {"$nd": [arr.dtype.str, list(arr.shape), self._buffer(data)]}
        if isinstance(value, np.generic) and type(value) is np.dtype(value.dtype).type:
            if value.dtype.str in _NUMERIC_DTYPES:
                return {"$np": [value.dtype.str, self._buffer(np.asarray(value).tobytes())]}
        tensor = _encode_tensor(self, value)
        if tensor is not None:
            return tensor
        return self.on_other(value)


def _encode_tensor(enc: Encoder, value: Any) -> dict[str, Any] | None:
    torch = sys.modules.get("torch")  # never import torch just to look at a value
    if torch is None or type(value) is not torch.Tensor:
        return None
    if value.is_sparse or value.layout != torch.strided:
        return None
    name = str(value.dtype).removeprefix("torch.")
    if name not in _TORCH_DTYPES:
        return None
    flat = value.detach().to("cpu").contiguous()
    if name == "bfloat16":
        flat = flat.view(torch.int16)
    data = flat.numpy().tobytes() if flat.numel() else b""
    return {"$tensor": [name, list(value.shape), enc._buffer(data), bool(value.requires_grad)]}


def encode_message(msg: Any, on_other: Callable[[Any], Any]) -> list[bytes | memoryview]:
    """Encode ``msg`` into the parts of one frame (header first)."""
    enc = Encoder(on_other)
    tree = enc.encode(msg)
    header = json.dumps(
        {"msg": tree, "buffers": [memoryview(b).nbytes for b in enc.buffers]},
        allow_nan=False,
        separators=(",", ":"),
    ).encode("utf-8")
    total = 4 + len(header) + sum(memoryview(b).nbytes for b in enc.buffers)
    return [struct.pack(">QI", total, len(header)), header, *enc.buffers]


# --------------------------------------------------------------------------- decoding


class Decoder:
    """Rebuilds a value from (tree, buffers). ``on_handle`` turns a handle id into an object."""

    def __init__(
        self,
        buffers: Buffers | list[memoryview],
        on_handle: Callable[[Any], Any],
        limits: Limits = REPLY_LIMITS,
        deadline: float | None = None,
    ) -> None:
        self.buffers = buffers
        self.on_handle = on_handle
        self.limits = limits
        self.deadline = deadline
        self.nodes = 0

    def _buf(self, index: Any) -> memoryview:
        if type(index) is not int or not 0 <= index < len(self.buffers):
            raise CodecError(f"buffer index {index!r} out of range")
        return self.buffers[index]

    def decode(self, tree: Any, depth: int = 0) -> Any:
        self.nodes += 1
        if self.nodes > self.limits.values:
            raise CodecError(f"more than {self.limits.values} values in one message")
        if depth > self.limits.depth:
            raise CodecError(f"value nested deeper than {self.limits.depth} levels")
        if self.deadline is not None and self.nodes % _DEADLINE_EVERY == 0:
            if time.monotonic() > self.deadline:
                raise DecodeTimeout("decoding the reply ran past the time left")
        kind = type(tree)
        if kind is str and not tree.isascii():
            return tree.encode("utf-8", "replace").decode("utf-8")  # no lone surrogates get through
        if tree is None or kind in (bool, int, float, str):
            return tree
        if kind is list:
            return [self.decode(v, depth + 1) for v in tree]
        if kind is not dict or len(tree) != 1:
            raise CodecError(f"malformed value of type {kind.__name__}")
        ((tag, body),) = tree.items()
        handler = _TAGS.get(tag)
        if handler is None:
            raise CodecError(f"unknown tag {tag!r:.80}")
        return handler(self, body, depth)

    def _tuple(self, body: Any, depth: int) -> tuple[Any, ...]:
        if type(body) is not list:
            raise CodecError("malformed tuple")
        return tuple(self.decode(v, depth + 1) for v in body)

    def _dict(self, body: Any, depth: int) -> dict[Any, Any]:
        if type(body) is not list:
            raise CodecError("malformed dict")
        out: dict[Any, Any] = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2:
                raise CodecError("malformed dict entry")
            key = self.decode(pair[0], depth + 1)
            try:
                out[key] = self.decode(pair[1], depth + 1)
            except TypeError as exc:  # an unhashable key (a list, an array)
                raise CodecError(f"unhashable dict key of type {type(key).__name__}") from exc
        return out

    def _float(self, body: Any, depth: int) -> float:
        if body not in ("nan", "inf", "-inf"):
            raise CodecError(f"malformed float {body!r}")
        return float(body)

    def _complex(self, body: Any, depth: int) -> complex:
        if type(body) is not list or len(body) != 2:
            raise CodecError("malformed complex")
        re_, im = (self.decode(v, depth + 1) for v in body)
        if type(re_) is not float or type(im) is not float:
            raise CodecError("malformed complex")
        return complex(re_, im)

    def _bytes(self, body: Any, depth: int) -> bytes:
        return bytes(self._buf(body))

    def _ndarray(self, body: Any, depth: int) -> np.ndarray[Any, Any]:
        dtype, shape, index = _unpack(body, 3, "array")
        dt = _numeric_dtype(dtype)
        dims = _shape(shape, self.limits.frame_bytes)
        buf = self._buf(index)
        if buf.nbytes != math.prod(dims) * dt.itemsize:
            raise CodecError(
                f"array of shape {tuple(dims)} and dtype {dt} does not match its {buf.nbytes} bytes"
            )
        return np.frombuffer(buf, dtype=dt).reshape(tuple(dims)).copy()  # () for a 0-d array

    def _scalar(self, body: Any, depth: int) -> np.generic:
        dtype, index = _unpack(body, 2, "scalar")
        dt = _numeric_dtype(dtype)
        buf = self._buf(index)
        if buf.nbytes != dt.itemsize:
            raise CodecError("malformed numpy scalar")
        return np.frombuffer(buf, dtype=dt)[0].copy()  # type: ignore[no-any-return]

    def _tensor(self, body: Any, depth: int) -> Any:
        name, shape, index, requires_grad = _unpack(body, 4, "tensor")
        if name not in _TORCH_DTYPES or type(requires_grad) is not bool:
            raise CodecError(f"tensor dtype {name!r:.80} is not allowed")
        dims = _shape(shape, self.limits.frame_bytes)
        storage = "int16" if name == "bfloat16" else name
        arr = self._ndarray([np.dtype(storage).str, dims, index], depth)
        import torch  # only for a well-formed tensor: a forged one costs no import

        out = torch.from_numpy(arr)
        if name == "bfloat16":
            out = out.view(torch.bfloat16)
        return out.requires_grad_(requires_grad) if out.is_floating_point() else out

    def _handle(self, body: Any, depth: int) -> Any:
        try:
            return self.on_handle(body)
        except Exception as exc:  # noqa: BLE001 - the trusted side's own error: passed on as is
            raise _HandleFailed(exc) from exc


_TAGS: dict[str, Callable[[Decoder, Any, int], Any]] = {
    "$tuple": Decoder._tuple,
    "$dict": Decoder._dict,
    "$f": Decoder._float,
    "$complex": Decoder._complex,
    "$bytes": Decoder._bytes,
    "$nd": Decoder._ndarray,
    "$np": Decoder._scalar,
    "$tensor": Decoder._tensor,
    "$handle": Decoder._handle,
    "$ref": Decoder._handle,
}


def _unpack(body: Any, n: int, what: str) -> list[Any]:
    if type(body) is not list or len(body) != n:
        raise CodecError(f"malformed {what}")
    return body


def _numeric_dtype(name: Any) -> np.dtype[Any]:
    if type(name) is not str or name not in _NUMERIC_DTYPES:
        raise CodecError(f"dtype {name!r} is not a plain numeric dtype")
    return np.dtype(name)


def _shape(shape: Any, most: int) -> list[int]:
    """A shape of at most 32 dimensions, none longer than ``most`` (the frame's bytes limit:
    a zero-size array may not claim absurd dimensions either)."""
    if (
        type(shape) is not list
        or len(shape) > 32
        or any(type(d) is not int or not 0 <= d <= most for d in shape)
    ):
        raise CodecError(f"malformed shape {shape!r:.200}")
    return shape


def decode_payload(
    payload: bytearray,
    on_handle: Callable[[Any], Any],
    limits: Limits = REPLY_LIMITS,
    deadline: float | None = None,
) -> Any:
    """Decode one frame's payload (everything after the u64 length) within ``limits``.

    Whatever the bytes are, the only exception that leaves is :class:`CodecError`
    (``RecursionError``, ``MemoryError``, ``UnicodeDecodeError``, numpy's and json's errors
    included), except those ``on_handle`` raises itself, which pass unchanged. ``deadline``
    (a ``time.monotonic()`` value) stops a decode that runs past it with
    :class:`DecodeTimeout`.
    """
    try:
        header, buffers = _split(payload, limits)
        return Decoder(buffers, on_handle, limits, deadline).decode(header["msg"])
    except CodecError:
        raise
    except _HandleFailed as failed:
        raise failed.original from None
    except RecursionError as exc:
        raise CodecError("the message is nested too deeply to read") from exc
    except MemoryError as exc:
        raise CodecError("the message is too large to hold in memory") from exc
    except Exception as exc:  # noqa: BLE001 - hostile bytes: anything else is a refusal too
        raise CodecError(
            f"the message cannot be read ({type(exc).__name__}: {exc!s:.200})"
        ) from exc


def _split(payload: bytearray, limits: Limits) -> tuple[dict[str, Any], Buffers]:
    """The header (parsed, checked) and the buffer table over ``payload``."""
    if len(payload) < 4:
        raise CodecError("truncated frame")
    (header_len,) = struct.unpack_from(">I", payload, 0)
    check_header_length(header_len, len(payload), limits)
    raw = bytes(memoryview(payload)[4 : 4 + header_len])
    # Every JSON value but the first follows one of , [ { : so this bounds what json.loads
    # builds (separators inside strings only make the bound stricter), before it builds it.
    values = 1 + sum(raw.count(c) for c in (b",", b"[", b"{", b":"))
    if values > limits.values:
        raise CodecError(f"more than {limits.values} values in one message")
    try:
        header = json.loads(raw.decode("utf-8"))
    except RecursionError as exc:  # json's scanner recurses: deep nesting ends here
        raise CodecError(f"value nested deeper than {limits.depth} levels") from exc
    except ValueError as exc:  # bad UTF-8, bad JSON, an int of more than 4300 digits
        raise CodecError(f"header is not JSON: {exc!s:.200}") from exc
    if type(header) is not dict or set(header) != {"msg", "buffers"}:
        raise CodecError("malformed header")
    return header, Buffers(payload, 4 + header_len, header["buffers"], limits)


class Buffers:
    """The frame's buffers, sliced out of it only when a value asks for one."""

    def __init__(self, payload: bytearray, start: int, sizes: Any, limits: Limits) -> None:
        if type(sizes) is not list:
            raise CodecError("malformed buffer table")
        if len(sizes) > limits.buffers:
            raise CodecError(f"more than {limits.buffers} buffers in one message")
        if any(type(s) is not int or s < 0 for s in sizes):
            raise CodecError("malformed buffer table")
        room = len(payload) - start
        if any(s > room for s in sizes):  # so that the sums below stay small
            raise CodecError("buffer table does not add up to the frame")
        self.offsets = list(itertools.accumulate(sizes, initial=start))
        if self.offsets[-1] != len(payload):
            raise CodecError("buffer table does not add up to the frame")
        self.view = memoryview(payload)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, index: int) -> memoryview:
        return self.view[self.offsets[index] : self.offsets[index + 1]]


class _HandleFailed(Exception):
    """Carries an exception ``on_handle`` raised (trusted code) past the catch-all."""

    def __init__(self, original: Exception) -> None:
        super().__init__(str(original))
        self.original = original
