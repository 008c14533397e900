"""Why train_mlp fell short: the first function it builds on that is wrong on a small layer.

Trusted-side code shared by the public and hidden training checks. Each passes the names of
its own checks (``tested_by``), so a public check never names a hidden one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-z))
    return out


def culprit(submission: Any, rng: np.random.Generator, tested_by: Mapping[str, str]) -> str:
    """'' when the activations, forward, backwards, softmax and sgd_step (what train_mlp builds
    on) are right on a small layer, by this file's own numpy; else a sentence naming the first
    wrong one and the check that tests it (``tested_by[function]``, when there is one)."""
    X, W, b, G = (rng.normal(size=s) for s in ((5, 4), (4, 3), (3,), (5, 3)))
    post = _sigmoid(X @ W + b)
    delta = G * post * (1 - post)
    try:
        for function, got, want in (
            ("sigmoid", submission.nn.sigmoid(G), _sigmoid(G)),
            ("sigmoid_deriv", submission.nn.sigmoid_deriv(post), post * (1 - post)),
            ("linear_deriv", submission.nn.linear_deriv(post), np.ones_like(post)),
        ):
            if np.shape(got) != want.shape or not np.allclose(
                np.asarray(got, dtype=np.float64), want
            ):
                return _blame(function, tested_by)
        params = submission.put({"Wt": W, "bt": b})
        got = submission.nn.forward(X, params, "t")
        if not np.allclose(np.asarray(got, dtype=np.float64), post, atol=1e-8):
            return _blame("forward", tested_by)
        grad_X = submission.nn.backwards(G, params, "t")
        stored = params.fetch()
        ok = np.allclose(np.asarray(grad_X, dtype=np.float64), delta @ W.T, atol=1e-8)
        ok = ok and np.allclose(np.asarray(stored["grad_Wt"], dtype=np.float64), X.T @ delta)
        grad_b = np.asarray(stored["grad_bt"], dtype=np.float64)
        if not (ok and grad_b.size == 3 and np.allclose(grad_b.reshape(3), delta.sum(axis=0))):
            return _blame("backwards", tested_by)
        exps = np.exp(X - X.max(axis=1, keepdims=True))
        got = np.asarray(submission.nn.softmax(X), dtype=np.float64)
        if got.shape != X.shape or not np.allclose(got, exps / exps.sum(axis=1, keepdims=True)):
            return _blame("softmax", tested_by)
        params = submission.put({"Wt": W, "bt": b, "grad_Wt": W, "grad_bt": b})
        submission.nn.sgd_step(params, ["t"], 0.25)
        stored = params.fetch()
        if not np.allclose(stored["Wt"], 0.75 * W) or not np.allclose(stored["bt"], 0.75 * b):
            return _blame("sgd_step", tested_by)
    except Exception:  # a helper that raises or returns junk: its own checks report it
        return "; a function train_mlp builds on fails on a small layer: see the checks above"
    return ""


def _blame(function: str, tested_by: Mapping[str, str]) -> str:
    check = tested_by.get(function, "")
    tested = f" ({check} tests it)" if check else ""
    return (
        f"; the cause is probably {function}, which gives wrong results on a small layer"
        f"{tested}: fix {function} first"
    )
