"""Functions the hidden checks hand to the student's code, defined inside the worker
(``in_worker``): losses with gradients known in closed form, a call counter, activations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Loss = Callable[[dict[str, np.ndarray]], float]


def make_polynomial_loss(A: np.ndarray, c: np.ndarray) -> Loss:
    """L = 1/2 sum(A * Wq^2) + 1/3 sum(c * bq^3): dL/dWq = A * Wq, dL/dbq = c * bq^2."""

    def loss(params: dict[str, np.ndarray]) -> float:
        return float(0.5 * np.sum(A * params["Wq"] ** 2) + np.sum(c * params["bq"] ** 3) / 3.0)

    return loss


def make_sigmoid_layer_loss(X: np.ndarray, G: np.ndarray) -> Loss:
    """L = sum(G * sigmoid(X @ Ws + bs)): one sigmoid layer under an upstream gradient G."""

    def loss(params: dict[str, np.ndarray]) -> float:
        return float(np.sum(G / (1.0 + np.exp(-(X @ params["Ws"] + params["bs"])))))

    return loss


def make_linear_loss(A: np.ndarray, c: np.ndarray) -> Loss:
    """L = sum(A * Wq) + sum(c * bq): dL/dWq = A, dL/dbq = c, whatever the parameters."""

    def loss(params: dict[str, np.ndarray]) -> float:
        return float(np.sum(A * params["Wq"]) + np.sum(c * params["bq"]))

    return loss


def counting(loss: Loss) -> Any:
    """``loss``, counting its calls in ``.calls``."""

    def counted(params: dict[str, np.ndarray]) -> float:
        counted.calls += 1  # type: ignore[attr-defined]
        return loss(params)

    counted.calls = 0  # type: ignore[attr-defined]
    return counted


def tanh(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.tanh(x)
    return out


def odd_deriv(post_act: np.ndarray) -> np.ndarray:
    """An activation derivative no student hard-codes; it differs on pre_act and post_act."""
    return 2.0 * post_act + 0.5
