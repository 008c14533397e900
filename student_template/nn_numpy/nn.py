"""A fully connected network in numpy.

The code cells of the notebook nn_numpy.ipynb, which is also the handout: its text gives the
conventions and the shapes, and each function's docstring its contract.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Params = dict[str, Any]
Activation = Callable[[np.ndarray], np.ndarray]


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
    raise NotImplementedError("initialize_weights: your code here")


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Elementwise logistic sigmoid 1 / (1 + exp(-x)). Any shape -> same shape."""
    raise NotImplementedError("sigmoid: your code here")


def sigmoid_deriv(post_act: np.ndarray) -> np.ndarray:
    """d sigmoid / d pre_act, written in terms of the output s = sigmoid(pre_act): s (1 - s).

    post_act: any shape -> same shape.
    """
    raise NotImplementedError("sigmoid_deriv: your code here")


def linear_deriv(post_act: np.ndarray) -> np.ndarray:
    """Derivative of the identity activation: ones shaped like post_act."""
    raise NotImplementedError("linear_deriv: your code here")


def relu(x: np.ndarray) -> np.ndarray:
    """Elementwise max(x, 0). Any shape -> same shape."""
    raise NotImplementedError("relu: your code here")


def relu_deriv(post_act: np.ndarray) -> np.ndarray:
    """Derivative of ReLU from its output: 1 where post_act > 0, else 0 (float)."""
    raise NotImplementedError("relu_deriv: your code here")


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
    raise NotImplementedError("forward: your code here")


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
    raise NotImplementedError("backwards: your code here")


def softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by each row's max so exp never overflows.

    softmax(x)_ij = exp(x_ij - m_i) / sum_k exp(x_ik - m_i) with m_i = max_k x_ik; the
    shift cancels between numerator and denominator. x: (N, C) -> (N, C), rows sum to 1.
    """
    raise NotImplementedError("softmax: your code here")


def compute_loss_and_acc(y: np.ndarray, probs: np.ndarray) -> tuple[float, float]:
    """Summed cross-entropy and accuracy of a batch.

    Args:
        y: one-hot labels, shape (N, C).
        probs: predicted class probabilities, shape (N, C).

    Returns:
        (loss, acc): loss = -sum_ij y_ij log probs_ij (summed, not averaged, over the
        batch); acc = fraction of rows whose argmax of probs is the labelled class.
    """
    raise NotImplementedError("compute_loss_and_acc: your code here")


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
    raise NotImplementedError("get_random_batches: your code here")


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
    raise NotImplementedError("numerical_gradient: your code here")


def sgd_step(params: Params, names: list[str], lr: float) -> None:
    """Plain gradient descent, in place: W -= lr * grad_W and b -= lr * grad_b per layer."""
    raise NotImplementedError("sgd_step: your code here")


def momentum_step(params: Params, names: list[str], lr: float, beta: float = 0.9) -> None:
    """Gradient descent with momentum, in place (Polyak 1964; Sutskever et al. 2013, eq. 1).

    For each parameter p of each layer: M = beta M - lr grad_p; p = p + M. The velocity M
    lives in params["m_" + key] (e.g. "m_Wlayer1"), zeros on first use.
    """
    raise NotImplementedError("momentum_step: your code here")


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
    raise NotImplementedError("train_mlp: your code here")
