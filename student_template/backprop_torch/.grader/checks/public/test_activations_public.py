"""Public checks, Part A: the derivatives against torch.autograd, on small float64 inputs.

The hidden checks test the same functions more thoroughly, on other shapes. Expected values
come from torch's own functions and torch.autograd, run here, never from a stored answer.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.checks import expect


def _values(got: object, want: torch.Tensor, what: str) -> np.ndarray:
    """got as a float64 numpy array, after checking it is a tensor of want's dtype."""
    expect.that(got is not None, f"{what} is None; did the function forget to return its result?")
    expect.that(
        type(got) is torch.Tensor,
        f"{what} must be a torch.Tensor, but it is a {type(got).__name__}",
    )
    expect.that(
        got.dtype == want.dtype,
        f"{what} has dtype {got.dtype}; it must keep the input's dtype {want.dtype}",
    )
    return got.detach().double().numpy()


def test_sigmoid_values_small(submission, rng) -> None:
    """sigmoid(x) must compute 1 / (1 + exp(-x)) elementwise and keep x's shape and dtype."""
    x = torch.from_numpy(rng.normal(scale=3.0, size=(4, 3)))
    want = torch.sigmoid(x)
    got = _values(submission.activations.sigmoid(x), want, "sigmoid(x) for x of shape (4, 3)")
    expect.close(got, want.numpy(), rtol=1e-12, atol=1e-15, what="sigmoid(x)")


def test_d_softmax_small_jacobian(submission, rng) -> None:
    """d_softmax(s) must return the full (n, n) Jacobian s_i (delta_ij - s_j) of each row."""
    x = torch.from_numpy(rng.normal(size=(2, 4)))
    s = torch.softmax(x, dim=-1)
    # Rows do not interact, so row b's Jacobian is the (b, :, b, :) block of the full one.
    full = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, dim=-1), x)  # (2, 4, 2, 4)
    want = torch.stack([full[b, :, b, :] for b in range(2)])  # (2, 4, 4)
    got = _values(submission.activations.d_softmax(s), want, "d_softmax(s) for s of shape (2, 4)")
    expect.close(got, want.numpy(), rtol=1e-9, atol=1e-12, what="d_softmax(s), shape (2, 4, 4)")


def test_softmax_ce_grad_small(submission, rng) -> None:
    """softmax_ce_grad(logits, y) must be the gradient of the mean cross-entropy: (softmax - onehot) / N."""
    logits = torch.from_numpy(rng.normal(size=(5, 3))).requires_grad_()
    y = torch.from_numpy(rng.integers(0, 3, size=5))
    (want,) = torch.autograd.grad(torch.nn.functional.cross_entropy(logits, y), logits)
    logits = logits.detach()
    got = _values(submission.activations.softmax_ce_grad(logits, y), want, "softmax_ce_grad")
    expect.close(got, want.numpy(), rtol=1e-9, atol=1e-12, what="softmax_ce_grad(logits, y)")
