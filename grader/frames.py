"""The wire between the trusted side and a worker: frames, their limits, and the one error.

A message is one frame::

    u64 payload length | u32 header length | header (UTF-8 JSON) | buffer 0 | buffer 1 | ...

What the header and buffers mean is :mod:`grader.codec`'s business; this module reads and
writes whole frames and says how big one may be. A reply's bytes are hostile (a submission can reach its own channel and write anything), so
decoding one is bounded (:data:`REPLY_LIMITS`):

=======================  ===================================================================
frame                    at most :data:`MAX_FRAME_BYTES` (256 MiB), refused from its first 8
                         bytes; memory grows as bytes arrive, never to a claimed length
header                   at most :data:`MAX_HEADER_BYTES` (8 MiB), refused from its 4-byte
                         length before it is read
values                   at most :data:`MAX_NODES` JSON values, counted from the header's
                         separators *before* ``json.loads`` builds anything
nesting                  at most :data:`MAX_DEPTH` levels; json's own recursion on deeper
                         input is stopped and refused
buffer table             at most :data:`MAX_BUFFERS` entries, each within the frame; buffers
                         are sliced only when a value refers to one
shapes                   at most 32 dimensions, each at most the frame limit, their product
                         times the item size equal to the buffer's length
time                     ``deadline``: a decode running past it raises :class:`DecodeTimeout`
                         (the supervisor passes the time the check has left, and charges
                         the decode to the check)
=======================  ===================================================================

Every failure is a :class:`CodecError`, whatever the bytes (``RecursionError``,
``MemoryError``, bad UTF-8, json's and numpy's errors and int-conversion limits included).
So one reply costs the trusted side at most the frame, one copy of its buffers and about
150 MB of Python objects, and never more time than its check had left. Requests (from the
trusted side) are read by the worker under the looser :data:`REQUEST_LIMITS`.
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass

__all__ = [
    "MAX_BUFFERS",
    "MAX_DEPTH",
    "MAX_FRAME_BYTES",
    "MAX_HEADER_BYTES",
    "MAX_NODES",
    "REPLY_LIMITS",
    "REQUEST_LIMITS",
    "CodecError",
    "DecodeTimeout",
    "Limits",
    "check_header_length",
    "recv_exact",
    "recv_frame",
    "send_frame",
]

MAX_DEPTH = 64
"""Levels of nesting a value may have, either way (a tagged form counts as one level)."""
MAX_FRAME_BYTES = 256 << 20
"""256 MiB: the largest reply the trusted side reads. The largest reply a bundled check
receives is FCN32's scores for one VOC-sized image, (1, 21, 375, 500) float32, 15.75 MB; this
leaves room for a batch of 16 of them. A reply that claims more is refused from its first
8 bytes, and a frame's memory grows only as its bytes arrive."""
MAX_HEADER_BYTES = 8 << 20
"""8 MiB of JSON header: a list of about 400,000 Python floats, 200,000 numpy scalars."""
MAX_NODES = 1 << 20
"""Values in one reply's JSON header (the tags' own parts included), counted from its
separators before it is parsed: with the header's size, this bounds the Python objects one
reply can make the trusted side build (about 150 MB at worst, typically far less)."""
MAX_BUFFERS = 1 << 18
"""Buffers in one reply (one per array, tensor, numpy scalar or bytes): 262,144."""
_RECV_CHUNK = 1 << 20  # bytes asked of the socket at a time


@dataclass(frozen=True)
class Limits:
    """What one frame may hold. Replies (hostile) get :data:`REPLY_LIMITS`; the worker reads
    requests (the trusted side's own) under the looser :data:`REQUEST_LIMITS`."""

    frame_bytes: int = MAX_FRAME_BYTES
    header_bytes: int = MAX_HEADER_BYTES
    values: int = MAX_NODES
    buffers: int = MAX_BUFFERS
    depth: int = MAX_DEPTH


REPLY_LIMITS = Limits()
REQUEST_LIMITS = Limits(1 << 31, 1 << 30, 1 << 27, 1 << 24)


class CodecError(ValueError):
    """A value that cannot be encoded, or bytes that do not decode to an allowed value."""


class DecodeTimeout(CodecError):
    """Decoding ran past its deadline (the time the check had left)."""


def check_header_length(header_len: int, payload_len: int, limits: Limits) -> None:
    if header_len > limits.header_bytes:
        raise CodecError(
            f"a header of {header_len} bytes is over the limit of {limits.header_bytes}"
        )
    if header_len > payload_len - 4:
        raise CodecError("header longer than the frame")


def send_frame(sock: socket.socket, parts: list[bytes | memoryview]) -> None:
    """Write one frame; the parts come from :func:`encode_message`."""
    for part in parts:
        sock.sendall(part)


def recv_exact(
    sock: socket.socket, n: int, into: bytearray | None = None, deadline: float | None = None
) -> bytearray:
    """Read exactly ``n`` bytes (appended to ``into``) or raise EOFError; with ``deadline``
    (a ``time.monotonic()`` value), TimeoutError once it passes, however the bytes trickle.

    Memory grows as bytes arrive, never ahead of them: a peer that claims a length and
    sends less costs what it sent, not what it claimed.
    """
    buf = bytearray() if into is None else into
    end = len(buf) + n
    while len(buf) < end:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the frame did not arrive in time")
            sock.settimeout(left)
        chunk = sock.recv(min(end - len(buf), _RECV_CHUNK))
        if not chunk:
            raise EOFError("channel closed")
        buf += chunk
    return buf


def recv_frame(
    sock: socket.socket, limits: Limits = REPLY_LIMITS, deadline: float | None = None
) -> bytearray:
    """Read one frame's payload by ``deadline``, refusing it as soon as its length or its
    header's length is over ``limits`` (before reading further)."""
    (length,) = struct.unpack(">Q", bytes(recv_exact(sock, 8, deadline=deadline)))
    if length > limits.frame_bytes:
        raise CodecError(
            f"a reply of {length} bytes is over the limit of {limits.frame_bytes} bytes"
        )
    if length < 4:
        raise CodecError("truncated frame")
    payload = recv_exact(sock, 4, deadline=deadline)
    check_header_length(struct.unpack_from(">I", payload, 0)[0], length, limits)
    return recv_exact(sock, length - 4, into=payload, deadline=deadline)
