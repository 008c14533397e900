"""A fully connected network in numpy, forward and backward by hand.

After CMU 16-720 (Computer Vision) HW5, Q2-Q3 and Q5. Conventions used throughout:

* A batch of inputs ``X`` has shape ``(N, D)``: one example per row.
* A layer called ``name`` keeps its weights in ``params["W" + name]`` with shape ``(D, H)``
  and its biases in ``params["b" + name]`` with shape ``(H,)``.
* ``forward`` caches ``(X, pre_act, post_act)`` in ``params["cache_" + name]``;
  ``backwards`` reads that cache and stores ``params["grad_W" + name]`` and
  ``params["grad_b" + name]``, summed over the batch.
* Labels ``y`` are one-hot, shape ``(N, C)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Params = dict[str, Any]
Activation = Callable[[np.ndarray], np.ndarray]


# ---------------------------------------------------------------------------------------------
# Initialisation
# ---------------------------------------------------------------------------------------------


def initialize_weights(
    in_size: int,
    out_size: int,
    params: Params,
    name: str = "",
    *,
    rng: np.random.Generator | None = None,
) -> None:
    """Xavier (Glorot) uniform initialisation of one layer, in place.

    W ~ U(-a, a) with a = sqrt(6 / (in_size + out_size)), so Var(W) = a^2 / 3
    = 2 / (in_size + out_size) (Glorot & Bengio 2010, eq. 16). Biases start at zero.

    Args:
        in_size: D, the number of inputs to the layer.
        out_size: H, the number of units in the layer.
        params: the parameter dict; gains ``"W" + name`` of shape (D, H) and
            ``"b" + name`` of shape (H,).
        name: the layer's name, e.g. ``"layer1"``.
        rng: where to draw from; numpy's global generator when None.
    """
    bound = np.sqrt(6.0 / (in_size + out_size))
    uniform = np.random.uniform if rng is None else rng.uniform
    params["W" + name] = uniform(-bound, bound, size=(in_size, out_size))  # (D, H)
    params["b" + name] = np.zeros(out_size)  # (H,)


# ---------------------------------------------------------------------------------------------
# Activations, each next to its derivative. Derivatives take the activation's *output*.
# ---------------------------------------------------------------------------------------------


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Elementwise logistic sigmoid 1 / (1 + exp(-x)). Any shape -> same shape."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def sigmoid_deriv(post_act: np.ndarray) -> np.ndarray:
    """d sigmoid / d pre_act, written in terms of the output s = sigmoid(pre_act): s (1 - s).

    post_act: any shape -> same shape.
    """
    return post_act * (1.0 - post_act)


def linear_deriv(post_act: np.ndarray) -> np.ndarray:
    """Derivative of the identity activation: ones shaped like post_act."""
    return np.ones_like(post_act)


def relu(x: np.ndarray) -> np.ndarray:
    """Elementwise max(x, 0). Any shape -> same shape."""
    return np.where(x > 0, x, 0.0)


def relu_deriv(post_act: np.ndarray) -> np.ndarray:
    """Derivative of ReLU from its output: 1 where post_act > 0, else 0 (float)."""
    return np.greater(post_act, 0).astype(float)


# ---------------------------------------------------------------------------------------------
# One layer: forward, then its backward
# ---------------------------------------------------------------------------------------------


def forward(
    X: np.ndarray, params: Params, name: str = "", activation: Activation = sigmoid
) -> np.ndarray:
    """Fully connected layer: post_act = activation(X @ W + b).

    Args:
        X: inputs, shape (N, D).
        params: holds ``"W" + name`` (D, H) and ``"b" + name`` (H,). Gains
            ``"cache_" + name`` = (X, pre_act, post_act) for :func:`backwards`.
        name: the layer's name.
        activation: elementwise function, (N, H) -> (N, H).

    Returns:
        post_act, shape (N, H).
    """
    W = params["W" + name]  # (D, H)
    b = params["b" + name]  # (H,)
    pre_act = X @ W + b  # (N, D) @ (D, H) + (H,) -> (N, H)
    post_act = activation(pre_act)  # (N, H)
    params["cache_" + name] = (X, pre_act, post_act)
    return post_act


def backwards(
    delta: np.ndarray,
    params: Params,
    name: str = "",
    activation_deriv: Activation = sigmoid_deriv,
) -> np.ndarray:
    """Backward step of :func:`forward` for the layer ``name``.

    With upstream gradient delta = dL/d post_act, the chain rule gives
    dL/d pre_act = delta * activation_deriv(post_act), and from pre_act = X W + b:
    dL/dW = X^T dL/d pre_act, dL/db = sum over the batch, dL/dX = dL/d pre_act W^T.

    Args:
        delta: dL/d post_act, shape (N, H).
        params: holds ``"W" + name`` (D, H) and ``"cache_" + name`` from :func:`forward`.
            Gains ``"grad_W" + name`` (D, H) and ``"grad_b" + name`` (H,).
        name: the layer's name.
        activation_deriv: derivative of the activation in terms of its output,
            (N, H) -> (N, H).

    Returns:
        grad_X = dL/dX, shape (N, D).
    """
    X, pre_act, post_act = params["cache_" + name]  # (N, D), (N, H), (N, H)
    W = params["W" + name]  # (D, H)
    delta_pre = delta * activation_deriv(post_act)  # (N, H)
    params["grad_W" + name] = X.T @ delta_pre  # (D, N) @ (N, H) -> (D, H)
    params["grad_b" + name] = delta_pre.sum(axis=0)  # (N, H) -> (H,)
    grad_X = delta_pre @ W.T  # (N, H) @ (H, D) -> (N, D)
    return grad_X


# ---------------------------------------------------------------------------------------------
# Output layer: softmax and cross-entropy
# ---------------------------------------------------------------------------------------------


def softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by each row's max so exp never overflows.

    softmax(x)_ij = exp(x_ij - m_i) / sum_k exp(x_ik - m_i) with m_i = max_k x_ik; the
    shift cancels between numerator and denominator. x: (N, C) -> (N, C), rows sum to 1.
    """
    shifted = x - x.max(axis=1, keepdims=True)  # (N, C), each row's max is 0
    exps = np.exp(shifted)  # (N, C), in (0, 1]
    return exps / exps.sum(axis=1, keepdims=True)  # (N, C) / (N, 1)


def compute_loss_and_acc(y: np.ndarray, probs: np.ndarray) -> tuple[float, float]:
    """Summed cross-entropy and accuracy of a batch.

    Args:
        y: one-hot labels, shape (N, C).
        probs: predicted class probabilities, shape (N, C).

    Returns:
        (loss, acc): loss = -sum_ij y_ij log probs_ij (summed, not averaged, over the
        batch); acc = fraction of rows whose argmax of probs is the labelled class.
    """
    loss = -np.sum(y * np.log(probs))
    acc = np.mean(np.argmax(probs, axis=1) == np.argmax(y, axis=1))
    return float(loss), float(acc)


# ---------------------------------------------------------------------------------------------
# Mini-batches and gradient checking
# ---------------------------------------------------------------------------------------------


def get_random_batches(
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    *,
    rng: np.random.Generator | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffle the examples and cut them into mini-batches.

    Args:
        x: inputs, shape (N, D).
        y: labels, shape (N, C); row i belongs to x[i].
        batch_size: B, the number of rows per batch.
        rng: where to draw the shuffle from; numpy's global generator when None.

    Returns:
        A list of (xb, yb) pairs of shapes (B, D) and (B, C), except that the last pair has
        N mod B rows when B does not divide N. Every example appears exactly once.
    """
    order = np.random.permutation(len(x)) if rng is None else rng.permutation(len(x))  # (N,)
    return [
        (x[order[start : start + batch_size]], y[order[start : start + batch_size]])
        for start in range(0, len(x), batch_size)
    ]


def numerical_gradient(
    loss_fn: Callable[[Params], float], params: Params, eps: float = 1e-6
) -> dict[str, np.ndarray]:
    """Central-difference gradient of loss_fn with respect to every W and b array in params.

    dL/dp ~ (L(p + eps) - L(p - eps)) / (2 eps), one scalar at a time; the error is
    O(eps^2), so in float64 eps = 1e-6 gives about 10 correct digits. params is perturbed
    in place and restored exactly before returning.

    Args:
        loss_fn: params -> float, the scalar loss.
        params: the parameter dict. Every entry whose key starts with "W" or "b" and whose
            value is a numpy array is differentiated; other entries are left alone.
        eps: the step.

    Returns:
        A dict with the *same keys* as the differentiated entries (e.g. "Wlayer1",
        "blayer1", not "grad_Wlayer1"), each array shaped like its parameter.
    """
    grads = {}
    for key, value in params.items():
        if not key.startswith(("W", "b")) or not isinstance(value, np.ndarray):
            continue
        grad = np.zeros(value.shape)
        for idx in np.ndindex(value.shape):
            original = value[idx]
            value[idx] = original + eps
            loss_plus = loss_fn(params)
            value[idx] = original - eps
            loss_minus = loss_fn(params)
            value[idx] = original
            grad[idx] = (loss_plus - loss_minus) / (2 * eps)
        grads[key] = grad
    return grads


# ---------------------------------------------------------------------------------------------
# Optimisers
# ---------------------------------------------------------------------------------------------


def sgd_step(params: Params, names: list[str], lr: float) -> None:
    """Plain gradient descent, in place: W -= lr * grad_W and b -= lr * grad_b per layer."""
    for name in names:
        params["W" + name] = params["W" + name] - lr * params["grad_W" + name]
        params["b" + name] = params["b" + name] - lr * params["grad_b" + name]


def momentum_step(params: Params, names: list[str], lr: float, beta: float = 0.9) -> None:
    """Gradient descent with momentum, in place (Polyak 1964; Sutskever et al. 2013, eq. 1).

    For each parameter p of each layer: M = beta M - lr grad_p; p = p + M. The velocity M
    lives in params["m_" + key] (e.g. "m_Wlayer1"), zeros on first use.
    """
    for name in names:
        for key in ("W" + name, "b" + name):
            velocity = params.get("m_" + key, np.zeros_like(params[key]))
            velocity = beta * velocity - lr * params["grad_" + key]
            params["m_" + key] = velocity
            params[key] = params[key] + velocity


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------


def train_mlp(
    train_x: np.ndarray,
    train_y: np.ndarray,
    valid_x: np.ndarray,
    valid_y: np.ndarray,
    hidden_size: int = 64,
    batch_size: int = 32,
    learning_rate: float = 1e-2,
    epochs: int = 30,
    seed: int = 0,
) -> tuple[Params, dict[str, list[float]]]:
    """Train a one-hidden-layer classifier with mini-batch SGD.

    The network is X -> forward("layer1", sigmoid) -> forward("output", softmax); with
    softmax + cross-entropy, dL/d pre_act of the output layer is probs - y, so the output
    layer's backward step uses linear_deriv.

    Args:
        train_x, valid_x: inputs, shapes (N, D) and (M, D).
        train_y, valid_y: one-hot labels, shapes (N, C) and (M, C).
        hidden_size: H, the width of the hidden layer.
        batch_size: B, rows per mini-batch.
        learning_rate: the SGD step (gradients are summed over a batch, not averaged).
        epochs: passes over the training set.
        seed: seeds the initialisation and the batching.

    Returns:
        (params, history): params holds Wlayer1 (D, H), blayer1 (H,), Woutput (H, C),
        boutput (C,); history maps "train_loss", "train_acc", "valid_loss", "valid_acc"
        to one float per epoch. train_loss is summed over the epoch's batches and
        train_acc is the fraction classified right along the way; the valid figures are
        measured on the whole validation split after the epoch.
    """
    rng = np.random.default_rng(seed)
    params: Params = {}
    initialize_weights(train_x.shape[1], hidden_size, params, "layer1", rng=rng)
    initialize_weights(hidden_size, train_y.shape[1], params, "output", rng=rng)
    history: dict[str, list[float]] = {
        k: [] for k in ("train_loss", "train_acc", "valid_loss", "valid_acc")
    }
    for _ in range(epochs):
        total_loss, total_correct = 0.0, 0.0
        for xb, yb in get_random_batches(train_x, train_y, batch_size, rng=rng):
            hidden = forward(xb, params, "layer1", sigmoid)  # (B, H)
            probs = forward(hidden, params, "output", softmax)  # (B, C)
            loss, acc = compute_loss_and_acc(yb, probs)
            total_loss += loss
            total_correct += acc * len(xb)
            delta = backwards(probs - yb, params, "output", linear_deriv)  # (B, H)
            backwards(delta, params, "layer1", sigmoid_deriv)
            sgd_step(params, ["layer1", "output"], learning_rate)
        probs = forward(forward(valid_x, params, "layer1", sigmoid), params, "output", softmax)
        valid_loss, valid_acc = compute_loss_and_acc(valid_y, probs)
        history["train_loss"].append(total_loss)
        history["train_acc"].append(total_correct / len(train_x))
        history["valid_loss"].append(valid_loss)
        history["valid_acc"].append(valid_acc)
    return params, history
