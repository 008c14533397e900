"""Hidden checks, Part A: softmax, its full Jacobian, cross-entropy and its gradient.

Inputs are float32 tensors, the homework's dtype. Expected values come from torch.softmax,
torch.nn.functional.cross_entropy and torch.autograd, run here at grade time in float64 on
the same (float32) numbers; tolerances are float32's.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.checks import expect

from helpers import tensors

RTOL, ATOL = expect.tolerance("cpu", "float32")


def _softmax_jacobians(x: torch.Tensor) -> torch.Tensor:
    """d softmax(x) / dx for each row of x (..., n), by autograd in float64: (..., n, n)."""
    n = x.shape[-1]
    rows = x.double().reshape(-1, n)
    jacobians = [
        torch.autograd.functional.jacobian(lambda v: torch.softmax(v, dim=-1), row) for row in rows
    ]
    return torch.stack(jacobians).reshape(*x.shape, n)


def _ce_grad(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """d cross_entropy / d logits by autograd in float64, with torch's mean cross-entropy."""
    leaf = logits.double().clone().requires_grad_()
    (grad,) = torch.autograd.grad(torch.nn.functional.cross_entropy(leaf, y), leaf)
    return grad


def _finite(got: np.ndarray, what: str) -> None:
    bad = int(np.count_nonzero(~np.isfinite(got)))
    expect.that(
        bad == 0,
        f"{what} has {bad} NaN or infinite value(s); subtract each row's max before exp",
    )


def test_softmax_values(submission, rng) -> None:
    """softmax(x) must normalise over the last dimension, for inputs with batch dimensions."""
    x = tensors.float32(rng.normal(scale=2.0, size=(2, 3, 7)))
    got = tensors.values(submission.activations.softmax(x), "softmax(x) for x of shape (2, 3, 7)")
    want = torch.softmax(x.double(), dim=-1).numpy()
    expect.close(got, want, rtol=RTOL, atol=ATOL, what="softmax(x)")


def test_softmax_is_stable(submission, rng) -> None:
    """softmax must not overflow for inputs of magnitude 1e3 (subtract each row's max first)."""
    x = rng.normal(scale=1e3, size=(5, 8))
    x[:, 0] = np.abs(x[:, 0]) + 800.0  # every row reaches far past 88, where exp overflows
    x = tensors.float32(x)
    got = tensors.values(submission.activations.softmax(x), "softmax(x) for |x| ~ 1e3")
    _finite(got, "softmax(x) for |x| ~ 1e3")
    want = torch.softmax(x.double(), dim=-1).numpy()
    expect.close(got, want, rtol=RTOL, atol=ATOL, what="softmax(x) for |x| ~ 1e3")


def test_d_softmax_matches_autograd(submission, rng) -> None:
    """d_softmax(s) must return each row's full Jacobian s_i (delta_ij - s_j), off-diagonal entries included."""
    x = tensors.float32(rng.normal(size=(2, 3, 6)))
    want = _softmax_jacobians(x)  # (2, 3, 6, 6)
    s = torch.softmax(x.double(), dim=-1).float()
    got = tensors.values(
        submission.activations.d_softmax(s), "d_softmax(s) for s of shape (2, 3, 6)"
    )
    expect.close(got, want.numpy(), rtol=RTOL, atol=ATOL, what="d_softmax(s), shape (2, 3, 6, 6)")


def test_d_softmax_single_row(submission, rng) -> None:
    """d_softmax(s) for a single row s of shape (n,) must return its (n, n) Jacobian."""
    x = tensors.float32(rng.normal(scale=1.5, size=9))
    want = _softmax_jacobians(x)  # (9, 9)
    s = torch.softmax(x.double(), dim=-1).float()
    got = tensors.values(submission.activations.d_softmax(s), "d_softmax(s) for s of shape (9,)")
    expect.close(got, want.numpy(), rtol=RTOL, atol=ATOL, what="d_softmax(s), shape (9, 9)")


def test_cross_entropy_matches_torch(submission, rng) -> None:
    """cross_entropy(y, y_hat) must be -mean_n log y_hat[n, y_n], a 0-dimensional tensor."""
    logits = tensors.float32(rng.normal(scale=2.0, size=(12, 5)))
    y = torch.from_numpy(rng.integers(0, 5, size=12))
    y_hat = torch.softmax(logits.double(), dim=-1).float()
    want = torch.nn.functional.cross_entropy(y_hat.double().log(), y)
    got = tensors.values(submission.activations.cross_entropy(y, y_hat), "cross_entropy(y, y_hat)")
    expect.close(got, want.numpy(), rtol=RTOL, what="cross_entropy(y, y_hat)")


def test_cross_entropy_is_mean(submission, rng) -> None:
    """cross_entropy must average over the batch: a batch with every example twice has the same loss."""
    logits = tensors.float32(rng.normal(size=(6, 4)))
    y = torch.from_numpy(rng.integers(0, 4, size=6))
    y_hat = torch.softmax(logits.double(), dim=-1).float()
    want = torch.nn.functional.cross_entropy(y_hat.double().log(), y)
    got = submission.activations.cross_entropy(torch.cat([y, y]), torch.cat([y_hat, y_hat]))
    got = tensors.values(got, "cross_entropy on a doubled batch")
    expect.close(got, want.numpy(), rtol=RTOL, what="cross_entropy on a batch of 6 examples, twice")


def test_softmax_ce_grad_matches_autograd(submission, rng) -> None:
    """softmax_ce_grad(logits, y) must equal autograd's d mean-cross-entropy / d logits: (softmax - onehot) / N."""
    logits = tensors.float32(rng.normal(scale=2.0, size=(11, 6)))
    y = torch.from_numpy(rng.integers(0, 6, size=11))
    want = _ce_grad(logits, y)
    got = tensors.values(submission.activations.softmax_ce_grad(logits, y), "softmax_ce_grad")
    expect.close(got, want.numpy(), rtol=RTOL, atol=ATOL, what="softmax_ce_grad(logits, y)")


def test_softmax_ce_grad_large_logits(submission, rng) -> None:
    """softmax_ce_grad must stay finite and correct for logits of magnitude 1e3 (a stable softmax)."""
    logits = rng.normal(scale=1e3, size=(7, 4))
    logits[:, 1] = np.abs(logits[:, 1]) + 800.0  # every row reaches far past 88
    logits = tensors.float32(logits)
    y = torch.from_numpy(rng.integers(0, 4, size=7))
    want = _ce_grad(logits, y)
    got = tensors.values(submission.activations.softmax_ce_grad(logits, y), "softmax_ce_grad")
    _finite(got, "softmax_ce_grad for |logits| ~ 1e3")
    expect.close(got, want.numpy(), rtol=RTOL, atol=ATOL, what="softmax_ce_grad for |logits| ~ 1e3")
