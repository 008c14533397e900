"""Activations, softmax and cross-entropy in torch, each with its derivative written by hand.

After Technion Deep Learning HW1, Q1. Conventions used throughout:

* Inputs are float32 tensors (torch's default dtype, used throughout this homework and by
  the checks); every function returns a tensor of its input's dtype. Nothing here may call
  autograd: the derivatives are the exercise.
* ``softmax`` and its derivatives act on the last dimension, so an input of shape (..., n)
  is a batch of rows of length n; the leading dimensions can be anything, or nothing.
* Derivatives of elementwise activations take the activation's *output*: d_sigmoid gets
  s = sigmoid(x), d_tanh gets t = tanh(x), d_softmax gets s = softmax(x).
* Class labels ``y`` are integer tensors of shape (N,), with values in 0..C-1.
"""

from __future__ import annotations

import torch

# ---------------------------------------------------------------------------------------------
# Elementwise activations, each next to its derivative
# ---------------------------------------------------------------------------------------------


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """Logistic sigmoid 1 / (1 + exp(-x)), elementwise, without overflow for any finite x.

    exp(-x) overflows for x << 0; use z = exp(-|x|), which lies in (0, 1], and write
    sigmoid(x) = 1 / (1 + z) where x >= 0 and z / (1 + z) where x < 0.
    x: any shape -> same shape.
    """
    z = torch.exp(-torch.abs(x))  # any shape, in (0, 1]
    return torch.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def d_sigmoid(s: torch.Tensor) -> torch.Tensor:
    """d sigmoid(x) / dx, elementwise, in terms of the output s = sigmoid(x): s (1 - s).

    s: any shape -> same shape.
    """
    return s * (1.0 - s)


def tanh(x: torch.Tensor) -> torch.Tensor:
    """Hyperbolic tangent (e^x - e^-x) / (e^x + e^-x), elementwise, without overflow.

    e^x overflows for |x| > ~88 in float32 (~709 in float64); use z = exp(-2|x|) in (0, 1]
    and write tanh(x) = sign(x) (1 - z) / (1 + z). x: any shape -> same shape.
    """
    z = torch.exp(-2.0 * torch.abs(x))  # any shape, in (0, 1]
    return torch.sign(x) * (1.0 - z) / (1.0 + z)


def d_tanh(t: torch.Tensor) -> torch.Tensor:
    """d tanh(x) / dx, elementwise, in terms of the output t = tanh(x): 1 - t^2.

    t: any shape -> same shape.
    """
    return 1.0 - t**2


# ---------------------------------------------------------------------------------------------
# Softmax and its Jacobian
# ---------------------------------------------------------------------------------------------


def softmax(x: torch.Tensor) -> torch.Tensor:
    """Softmax over the last dimension, shifted by each row's max so exp never overflows.

    softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m) with m = max_j x_j; the shift cancels.
    x: (..., n) -> (..., n), and every row (last dimension) sums to 1.
    """
    shifted = x - x.max(dim=-1, keepdim=True).values  # (..., n), each row's max is 0
    exps = torch.exp(shifted)  # (..., n), in (0, 1]
    return exps / exps.sum(dim=-1, keepdim=True)  # (..., n) / (..., 1)


def d_softmax(s: torch.Tensor) -> torch.Tensor:
    """The full Jacobian of softmax, in terms of its output s = softmax(x).

    J_ij = d s_i / d x_j = s_i (delta_ij - s_j), i.e. J = diag(s) - s s^T for each row.
    Its diagonal s_i (1 - s_i) alone is not the Jacobian: every output depends on every input.
    s: (..., n) -> (..., n, n); J[..., i, j] is the derivative of output i by input j.
    """
    outer = s.unsqueeze(-1) * s.unsqueeze(-2)  # (..., n, 1) * (..., 1, n) -> (..., n, n)
    return torch.diag_embed(s) - outer  # (..., n, n)


# ---------------------------------------------------------------------------------------------
# Cross-entropy, and its gradient through the softmax
# ---------------------------------------------------------------------------------------------


def cross_entropy(y: torch.Tensor, y_hat: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of predicted probabilities against integer labels.

    L = -(1/N) sum_n log y_hat[n, y_n].
    y: integer labels, shape (N,). y_hat: class probabilities (rows of a softmax), (N, C).
    Returns a 0-dimensional tensor.
    """
    rows = torch.arange(y_hat.shape[0])  # (N,)
    return -torch.log(y_hat[rows, y]).mean()  # (N,) -> ()


def softmax_ce_grad(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Gradient of cross_entropy(y, softmax(logits)) with respect to the logits.

    The softmax Jacobian and the log's derivative collapse to (softmax(logits) - onehot(y)) / N,
    the 1 / N coming from the mean over the batch.
    logits: (N, C). y: integer labels, shape (N,). Returns (N, C).
    """
    n = logits.shape[0]
    onehot = torch.zeros_like(logits)  # (N, C)
    onehot[torch.arange(n), y] = 1.0
    return (softmax(logits) - onehot) / n  # (N, C)
