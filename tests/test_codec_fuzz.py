"""The reply decoder and the frame reader under hostile bytes (property tests, hypothesis).

The invariant: whatever a worker writes on its channel, the trusted side gets a value of an
allowed type or a :class:`CodecError` (the frame reader may also say the channel closed,
``EOFError``), and the memory it takes stays bounded by what was sent, never by what was
claimed. The default run keeps each property to a few seconds; ``-m slow`` runs many more
examples.
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from grader.codec import (
    MAX_BUFFERS,
    MAX_DEPTH,
    MAX_FRAME_BYTES,
    MAX_HEADER_BYTES,
    MAX_NODES,
    CodecError,
    DecodeTimeout,
    decode_payload,
    encode_message,
    recv_frame,
)

FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
SLOW = settings(
    max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
ALLOWED = (type(None), bool, int, float, str, bytes, complex, list, tuple, dict, np.ndarray)
TAGS = ["$tuple", "$dict", "$f", "$complex", "$bytes", "$nd", "$np", "$tensor", "$handle", "$ref"]


def payload(header: bytes, buffers: bytes = b"") -> bytearray:
    return bytearray(struct.pack(">I", len(header)) + header + buffers)


def header_of(msg: Any, sizes: Any) -> bytes:
    return json.dumps({"msg": msg, "buffers": sizes}, separators=(",", ":")).encode()


def allowed(value: Any) -> bool:
    """Only the codec's exact types, all the way down (handles come back as tuples here)."""
    if type(value) in (list, tuple):
        return all(allowed(v) for v in value)
    if type(value) is dict:
        return all(allowed(k) and allowed(v) for k, v in value.items())
    torch = sys.modules.get("torch")  # tensors are decoded with torch, once one arrives
    tensor = torch is not None and type(value) is torch.Tensor
    return type(value) in ALLOWED or isinstance(value, np.generic) or tensor


def decode_or_refuse(data: bytearray) -> Any:
    """Decode ``data``; a refusal is a CodecError and nothing else."""
    try:
        value = decode_payload(data, lambda body: ("handle", body))
    except CodecError:
        return None
    assert allowed(value), repr(value)[:200]
    return value


@contextmanager
def peak_memory(most: int) -> Iterator[None]:
    """The block allocates at most ``most`` bytes at its peak (tracemalloc's count)."""
    tracemalloc.start()
    try:
        yield
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= most, f"peak {peak / 1e6:.1f} MB, more than {most / 1e6:.1f} MB"


# -- strategies ----------------------------------------------------------------------------

INDEX = st.one_of(
    st.integers(-3, 6),
    st.integers(-(2**70), 2**70),
    st.booleans(),
    st.floats(allow_nan=False),
    st.text(max_size=3),
    st.none(),
)
DTYPE = st.one_of(
    st.sampled_from(["<f8", "<f4", "|u1", "|b1", "<c16", "|O", "<M8[s]", "V8", "<U4", "float64"]),
    st.text(max_size=6),
    st.integers(),
)
SHAPE = st.one_of(
    st.lists(st.integers(-2, 4), max_size=4),
    st.lists(st.integers(0, 2**64), max_size=40),
    st.lists(st.sampled_from([0, 2**31, 2**62, 2**63 - 1]), min_size=1, max_size=5),
    st.integers(),
    st.text(max_size=3),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**80), 2**80),
    st.floats(),
    st.text(max_size=8),
)


def tagged(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A tag with a body that is sometimes right and often not."""
    body = st.one_of(
        children,
        st.tuples(DTYPE, SHAPE, INDEX).map(list),
        st.tuples(DTYPE, INDEX).map(list),
        st.tuples(
            st.sampled_from(["float32", "bfloat16", "object", "x"]), SHAPE, INDEX, st.booleans()
        ).map(list),
        INDEX,
        st.lists(children, max_size=3),
        st.sampled_from(["nan", "inf", "-inf", "NaN", ""]),
    )
    return st.builds(lambda tag, b: {tag: b}, st.sampled_from(TAGS + ["$pickle", ""]), body)


TREES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=4), children, max_size=3),
        tagged(children),
    ),
    max_leaves=30,
)
SIZES = st.one_of(
    st.lists(st.integers(0, 16), max_size=6),
    st.lists(st.integers(-(2**65), 2**65), max_size=4),
    st.lists(st.one_of(st.integers(0, 8), st.floats(), st.text(max_size=2)), max_size=4),
    st.integers(),
    st.none(),
)


# -- properties ----------------------------------------------------------------------------


@FAST
@given(st.binary(max_size=512))
@example(bytes(payload(b'{"msg":' + b"7" * 5000 + b',"buffers":[]}')))  # over int's digit limit
def test_random_bytes_are_refused_or_decoded(data: bytes) -> None:
    """Do arbitrary bytes ever raise anything but a CodecError?"""
    decode_or_refuse(bytearray(data))


@FAST
@given(st.binary(max_size=256), st.binary(max_size=64))
@example(b"[" * 5000, b"")  # json's scanner recurses: RecursionError once
def test_random_headers_are_refused_or_decoded(header: bytes, buffers: bytes) -> None:
    """A well-formed length with arbitrary header bytes (bad UTF-8, bad JSON) behind it."""
    decode_or_refuse(payload(header, buffers))


@FAST
@given(TREES, SIZES, st.binary(max_size=64))
@example({"$nd": ["<f8", [0, 2**62, 2**62], 0]}, [0], b"")  # zero bytes, an absurd shape
@example({"$tensor": ["float32", [2**40, 0], 0, False]}, [0], b"")
@example({"$nd": ["<f8", [2**64, 2**64], 0]}, [16], bytes(16))  # a product past 64 bits
def test_random_trees_and_tables_are_refused_or_decoded(msg: Any, sizes: Any, data: bytes) -> None:
    """Random JSON trees full of tags, with bogus indices, dtypes, shapes (products that
    overflow 64 bits, absurd zero-size arrays) and buffer tables that lie."""
    decode_or_refuse(payload(header_of(msg, sizes), data))


@FAST
@given(TREES)
@example({"$nd": ["|u1", [0, 2**63 - 1, 4], 0]})
def test_tables_that_add_up_still_cannot_smuggle_anything(msg: Any) -> None:
    """The same trees over a consistent buffer table: every buffer in range and sized."""
    sizes = [0, 1, 2, 4, 8, 16, 32]
    decode_or_refuse(payload(header_of(msg, sizes), bytes(sum(sizes))))


@FAST
@given(
    st.integers(MAX_DEPTH + 1, 200_000),
    st.sampled_from([("[", "]"), ('{"$tuple":[', "]}"), ('{"a":', "}"), ('{"$dict":[[1,', "]]}")]),
)
def test_deep_nesting_is_refused_however_deep(depth: int, brackets: tuple[str, str]) -> None:
    """Nesting deeper than MAX_DEPTH is refused, also far past Python's recursion limit
    (json's scanner recurses: a RecursionError there is a refusal too)."""
    opening, closing = brackets
    header = ('{"msg":' + opening * depth + "1" + closing * depth + ',"buffers":[]}').encode()
    with pytest.raises(CodecError):
        decode_payload(payload(header), lambda body: body)


def test_an_unclosed_deep_header_is_refused() -> None:
    with pytest.raises(CodecError):
        decode_payload(payload(b'{"msg":' + b"[" * 500_000), lambda body: body)


@pytest.mark.parametrize(
    "count, match", [(MAX_BUFFERS + 1, "buffers"), (3_000_000, "values"), (10_000_000, "header")]
)
def test_huge_buffer_tables_are_refused_in_bounded_memory(count: int, match: str) -> None:
    """Hundreds of thousands to ten million zero-length buffers (the issue's 20 MB reply,
    which grew a lane by 2 GB) are refused, by the table's length, the header's value count
    or its size, in memory of the order of the header itself."""
    table = b"0," * (count - 1) + b"0"
    data = payload(b'{"msg":{"$bytes":%d},"buffers":[%s]}' % (count - 1, table))
    with peak_memory(12 * len(data) + (1 << 20)), pytest.raises(CodecError, match=match):
        decode_payload(data, lambda body: body)


def test_values_are_counted_before_json_builds_them() -> None:
    """Two million empty lists are refused from the header's separators, before parsing."""
    data = payload(b'{"msg":[' + b"[]," * 2_000_000 + b'[]],"buffers":[]}')
    started = time.monotonic()
    with peak_memory(len(data) + (1 << 20)), pytest.raises(CodecError, match="values"):
        decode_payload(data, lambda body: body)
    assert time.monotonic() - started < 1.0


def test_a_header_over_its_limit_is_refused_unread() -> None:
    """A header one byte over 8 MiB is refused from its length, not parsed."""
    data = bytearray(struct.pack(">I", MAX_HEADER_BYTES + 1) + bytes(MAX_HEADER_BYTES + 1))
    with pytest.raises(CodecError, match="over the limit"):
        decode_payload(data, lambda body: body)


@FAST
@given(
    st.lists(
        st.sampled_from(["[]", '"abcdef"', "1.5", "{}", '{"$f":"nan"}', "12345678"]), max_size=2000
    ),
    st.integers(0, 50_000),
)
@example([], 50_000)  # a table of empty buffers: 2 bytes each in the header
def test_memory_stays_bounded_by_the_reply(items: list[str], empty: int) -> None:
    """Whatever a bounded header holds (values, a table of empty buffers), decoding it
    allocates a bounded multiple of it."""
    msg = "[" + ",".join(items) + "]"
    header = ('{"msg":' + msg + ',"buffers":[' + ",".join(["0"] * empty) + "]}").encode()
    data = payload(header)
    with peak_memory(64 * len(data) + (256 << 10)):
        decode_or_refuse(data)


@pytest.mark.slow
def test_the_largest_header_decodes_within_the_memory_bound() -> None:
    """About a million short strings (the most values, in the largest header): the worst
    honest-looking reply costs a bounded multiple of its size."""
    count = MAX_NODES - 8
    header = b'{"msg":[' + b",".join([b'"abcde"'] * count) + b'],"buffers":[]}'
    assert len(header) <= MAX_HEADER_BYTES
    with peak_memory(16 * len(header)):
        assert len(decode_payload(payload(header), lambda body: body)) == count


def test_a_decode_past_its_deadline_stops() -> None:
    """A deadline already passed stops a large decode within a thousand values."""
    header = header_of(list(range(100_000)), [])
    with pytest.raises(DecodeTimeout):
        decode_payload(payload(header), lambda body: body, deadline=time.monotonic() - 1)


def test_errors_from_on_handle_pass_unchanged() -> None:
    """The handle callback is trusted code: what it raises on purpose is not a CodecError."""

    class Refused(Exception):
        pass

    def refuse(body: Any) -> Any:
        raise Refused(body)

    with pytest.raises(Refused):
        decode_payload(payload(header_of({"$handle": 3}, [])), refuse)


# -- the frame reader ----------------------------------------------------------------------


def feed(chunks: list[bytes], close: bool = True) -> socket.socket:
    """A socket from which ``chunks`` can be read (written from a thread, then closed)."""
    reader, writer = socket.socketpair()

    def write() -> None:
        try:
            for chunk in chunks:
                writer.sendall(chunk)
        except OSError:
            pass
        finally:
            if close:
                writer.close()

    threading.Thread(target=write, daemon=True).start()
    return reader


def read(chunks: list[bytes]) -> Callable[[], bytearray]:
    sock = feed(chunks)

    def go() -> bytearray:
        try:
            return recv_frame(sock)
        finally:
            sock.close()

    return go


@FAST
@given(st.integers(0, 2**64 - 1), st.integers(0, 2**32 - 1), st.binary(max_size=256))
def test_lying_lengths_cost_what_was_sent_not_what_was_claimed(
    length: int, header_len: int, rest: bytes
) -> None:
    """A frame that claims any length and header length, then sends a little and hangs up:
    refused or ended (EOFError), in memory bounded by the bytes that came."""
    go = read([struct.pack(">QI", length, header_len) + rest])
    with peak_memory(2 << 20):
        try:
            data = go()
        except (CodecError, EOFError):
            return
    assert len(data) == length <= MAX_FRAME_BYTES
    decode_or_refuse(data)


def test_a_claimed_length_under_the_cap_is_not_allocated_ahead() -> None:
    """200 MiB claimed (under the cap), 1 KiB sent: the reader holds about 1 KiB."""
    claimed = 200 << 20
    go = read([struct.pack(">QI", claimed, 16) + b"\0" * 1024])
    with peak_memory(2 << 20), pytest.raises(EOFError):
        go()


@pytest.mark.parametrize("claimed", [MAX_FRAME_BYTES + 1, 300 << 20, 2**64 - 1])
def test_frames_over_the_cap_are_refused_from_their_first_bytes(claimed: int) -> None:
    """300 MiB was a legal reply under the old 2 GiB cap: now refused, from 8 bytes."""
    go = read([struct.pack(">QI", claimed, 16)])
    with peak_memory(1 << 20), pytest.raises(CodecError, match="over the limit"):
        go()


def test_a_trickling_frame_meets_one_deadline() -> None:
    """A byte every 20 ms: the reader gives up at its deadline, not a timeout per byte."""
    reader, writer = socket.socketpair()
    stop = threading.Event()

    def trickle() -> None:
        try:
            writer.sendall(struct.pack(">QI", 1000, 10))
            while not stop.wait(0.02):
                writer.sendall(b" ")
        except OSError:
            pass

    threading.Thread(target=trickle, daemon=True).start()
    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError):
            recv_frame(reader, deadline=started + 0.3)
    finally:
        stop.set()
        reader.close()
    assert time.monotonic() - started < 1.0
    writer.close()


def test_honest_frames_still_arrive_whole() -> None:
    """An encoded reply of 20 MB (arrays and a header) comes through the reader intact."""
    value = {"scores": np.arange(5_000_000, dtype=np.float32), "labels": list(range(1000))}
    parts = encode_message(value, lambda v: pytest.fail(f"unexpected {v!r}"))
    go = read([bytes(p) for p in parts])
    got = decode_payload(go(), lambda body: body)
    np.testing.assert_array_equal(got["scores"], value["scores"])
    assert got["labels"] == value["labels"]


# -- longer runs ---------------------------------------------------------------------------


@pytest.mark.slow
@SLOW
@given(TREES, SIZES, st.binary(max_size=256))
def test_random_trees_and_tables_many(msg: Any, sizes: Any, data: bytes) -> None:
    decode_or_refuse(payload(header_of(msg, sizes), data))


@pytest.mark.slow
@SLOW
@given(st.binary(max_size=4096))
def test_random_bytes_many(data: bytes) -> None:
    decode_or_refuse(bytearray(data))
