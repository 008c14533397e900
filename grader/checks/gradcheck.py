"""Numerical gradients in float64, for checks of a hand-written backward pass.

A check compares the student's analytic gradient with central differences of a scalar
function, and reports the CS231n relative error (a few 1e-7 or less is right in float64;
1e-2 or more is a bug)::

    from grader.checks import numerical_gradient, rel_error

    def test_affine_backward_dw(submission, rng):
        \"\"\"affine_backward's dw must match a numerical gradient of sum(affine_forward * dout).\"\"\"
        x, w, b = rng.normal(size=(4, 5)), rng.normal(size=(5, 3)), rng.normal(size=3)
        dout = rng.normal(size=(4, 3))
        out, cache = submission.nn.affine_forward(x, w, b)
        _, dw, _ = submission.nn.affine_backward(dout, cache)
        num = numerical_gradient(lambda w_: (submission.nn.affine_forward(x, w_, b)[0] * dout).sum(), w)
        assert rel_error(dw, num) < 1e-6

Both run on the trusted side, on arrays: ``f`` may call the submission, whose answers come
back through the codec as arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["numerical_gradient", "rel_error"]


def numerical_gradient(
    f: Callable[[NDArray[np.float64]], Any], x: ArrayLike, h: float = 1e-6
) -> NDArray[np.float64]:
    """The gradient of the scalar function ``f`` at ``x`` by central differences in float64.

    ``x`` has any shape ``S`` (a scalar included); it is copied to float64 and never changed.
    Each entry ``i`` costs two calls: ``(f(x + h e_i) - f(x - h e_i)) / (2 h)``, with ``f``'s
    value taken as a float64 scalar (a 0-d or one-element array is fine). Returns an array
    of shape ``S``, dtype float64. The error is O(h^2); with the default ``h`` and a smooth
    ``f`` of values near 1, about 1e-9.
    """
    point = np.array(x, dtype=np.float64)  # (S), a private copy: f never sees the caller's array
    grad = np.zeros_like(point)  # (S)
    flat, flat_grad = point.reshape(-1), grad.reshape(-1)  # views, (prod(S),)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + h
        above = _scalar(f(point.copy()))
        flat[i] = saved - h
        below = _scalar(f(point.copy()))
        flat[i] = saved
        flat_grad[i] = (above - below) / (2.0 * h)
    return grad


def rel_error(a: ArrayLike, b: ArrayLike) -> float:
    """The CS231n relative error ``max(|a - b| / max(1e-8, |a| + |b|))``, in float64.

    ``a`` and ``b`` have the same shape, or shapes that broadcast; the result is one float.
    Symmetric, scale-free, and 0.0 for two empty arrays.
    """
    a64, b64 = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if np.broadcast(a64, b64).size == 0:
        return 0.0
    ratio = np.abs(a64 - b64) / np.maximum(1e-8, np.abs(a64) + np.abs(b64))
    return float(np.max(ratio))


def _scalar(value: Any) -> float:
    """``f``'s value as one float64, or a TypeError naming what ``f`` returned."""
    array = np.asarray(value, dtype=np.float64)
    if array.size != 1:
        raise TypeError(
            f"numerical_gradient needs f to return a scalar, given an array of shape {array.shape}; "
            "reduce it first, e.g. (out * dout).sum()"
        )
    return float(array.reshape(()))
