"""Recordings stay small: repeated calls stored once, a numerical gradient loop compressed."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from grader.checks.gradcheck import numerical_gradient
from grader.codec import CodecError
from grader.selfcheck.recording import (
    Recorder,
    Replayer,
    ReplayMiss,
    decode_recording,
    encode,
    recordings_close,
)


def conv2d_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A same-padded 3x3 convolution. x (N, C, H, W), w (F, C, 3, 3), b (F,) -> (N, F, H, W)."""
    n, _, h, width = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.zeros((n, w.shape[0], h, width))
    for i in range(h):
        for j in range(width):
            patch = padded[:, :, i : i + 3, j : j + 3]  # (N, C, 3, 3)
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


def gradient_check(reference: Any) -> tuple[np.ndarray, ...]:
    """A public check's body: numerical gradients of the reference's forward, (2, 2, 4, 4)."""
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(2, 2, 4, 4)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    dout = rng.normal(size=(2, 3, 4, 4))
    out = reference.conv.conv2d_forward(x, w, b)
    dx = numerical_gradient(lambda x_: (reference.conv.conv2d_forward(x_, w, b) * dout).sum(), x)
    dw = numerical_gradient(lambda w_: (reference.conv.conv2d_forward(x, w_, b) * dout).sum(), w)
    return out, dx, dw, reference.conv.conv2d_forward(x, w, b)


def test_a_gradient_loop_is_recorded_compactly() -> None:
    """Does a numerical gradient through the reference (238 calls) take a fifth of its
    uncompressed size, and replay to the very same gradients?"""
    recorder = Recorder(SimpleNamespace(conv=SimpleNamespace(conv2d_forward=conv2d_forward)))
    want = gradient_check(recorder.for_check("test_conv_grad"))
    files = recorder.files()
    plain = len(encode({"check": "test_conv_grad", "calls": recorder.logs["test_conv_grad"]}))
    size = len(files["test_conv_grad.rec"])
    assert plain > 200_000 and size < plain / 5, (plain, size)
    got = gradient_check(Replayer(["conv"], files).for_check("test_conv_grad"))
    for a, b in zip(want, got, strict=True):
        np.testing.assert_array_equal(a, b)


def test_repeated_calls_are_stored_once_and_replayed_as_often() -> None:
    """Is a call repeated with the same arguments and answer stored once with a count, replayed
    that many times in order among other calls, and one call more a miss?"""

    def double(x: np.ndarray) -> np.ndarray:
        return 2 * x

    def body(reference: Any) -> list[np.ndarray]:
        ones, twos = np.ones(3), np.full(3, 2.0)
        calls = [ones, ones, twos, ones]
        return [reference.ops.double(x) for x in calls]

    recorder = Recorder(SimpleNamespace(ops=SimpleNamespace(double=double)))
    want = body(recorder.for_check("test_x"))
    stored = decode_recording(recorder.files()["test_x.rec"])["calls"]
    assert [c.get("times", 1) for c in stored] == [3, 1]
    replay = Replayer(["ops"], recorder.files()).for_check("test_x")
    for a, b in zip(want, body(replay), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ReplayMiss):
        replay.ops.double(np.ones(3))


def test_uncompressed_recordings_still_replay() -> None:
    """Does a recording written before compression (a bare codec frame) still replay and
    compare equal to the same calls compressed?"""
    recorder = Recorder(SimpleNamespace(ops=SimpleNamespace(double=lambda x: 2 * x)))
    recorder.for_check("test_x").ops.double(np.arange(3.0))
    old = encode({"check": "test_x", "calls": recorder.logs["test_x"]})
    new = recorder.files()["test_x.rec"]
    assert old != new and recordings_close(old, new)
    replay = Replayer(["ops"], {"test_x.rec": old}).for_check("test_x")
    np.testing.assert_array_equal(replay.ops.double(np.arange(3.0)), 2 * np.arange(3.0))


def test_a_damaged_compressed_recording_is_refused() -> None:
    """Is a cut-short compressed recording a CodecError, never a partial replay?"""
    recorder = Recorder(SimpleNamespace(ops=SimpleNamespace(double=lambda x: 2 * x)))
    recorder.for_check("test_x").ops.double(np.arange(3.0))
    data = recorder.files()["test_x.rec"]
    with pytest.raises(CodecError):
        decode_recording(data[:-10])
    assert not recordings_close(data, data[:-10])
