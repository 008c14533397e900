"""Public checks, Part A: the derivatives against torch.autograd, on small float32 inputs.

The hidden checks test the same functions more thoroughly, on other shapes. Inputs are
float32, the homework's dtype; expected values come from torch's own functions and
torch.autograd, run here in float64 on the same numbers, never from a stored answer.
"""

from __future__ import annotations

import torch

from grader.checks import expect

from helpers import tensors

RTOL, ATOL = expect.tolerance("cpu", "float32")


def test_sigmoid_values_small(submission, rng) -> None:
    """sigmoid(x) must compute 1 / (1 + exp(-x)) elementwise and keep x's shape."""
    x = tensors.float32(rng.normal(scale=3.0, size=(4, 3)))
    got = tensors.values(submission.activations.sigmoid(x), "sigmoid(x) for x of shape (4, 3)")
    expect.close(got, torch.sigmoid(x.double()).numpy(), rtol=RTOL, atol=ATOL, what="sigmoid(x)")


def test_d_softmax_small_jacobian(submission, rng) -> None:
    """d_softmax(s) must return the full (n, n) Jacobian s_i (delta_ij - s_j) of each row."""
    x = tensors.float32(rng.normal(size=(2, 4))).double()
    s = torch.softmax(x, dim=-1)
    # Rows do not interact, so row b's Jacobian is the (b, :, b, :) block of the full one.
    full = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, dim=-1), x)  # (2, 4, 2, 4)
    want = torch.stack([full[b, :, b, :] for b in range(2)])  # (2, 4, 4)
    got = tensors.values(
        submission.activations.d_softmax(s.float()), "d_softmax(s) for s of shape (2, 4)"
    )
    expect.close(got, want.numpy(), rtol=RTOL, atol=ATOL, what="d_softmax(s), shape (2, 4, 4)")


def test_softmax_ce_grad_small(submission, rng) -> None:
    """softmax_ce_grad(logits, y) must be the gradient of the mean cross-entropy: (softmax - onehot) / N."""
    logits = tensors.float32(rng.normal(size=(5, 3)))
    y = torch.from_numpy(rng.integers(0, 3, size=5))
    leaf = logits.double().requires_grad_()
    (want,) = torch.autograd.grad(torch.nn.functional.cross_entropy(leaf, y), leaf)
    got = tensors.values(submission.activations.softmax_ce_grad(logits, y), "softmax_ce_grad")
    expect.close(got, want.numpy(), rtol=RTOL, atol=ATOL, what="softmax_ce_grad(logits, y)")
