"""Hidden checks, Part A: softmax, its full Jacobian, cross-entropy and its gradient.

Expected values come from torch.softmax, torch.nn.functional.cross_entropy and
torch.autograd, run here at grade time in float64.
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


def _softmax_jacobians(x: torch.Tensor) -> torch.Tensor:
    """d softmax(x) / dx for each row of x (..., n), by autograd: shape (..., n, n)."""
    n = x.shape[-1]
    rows = x.reshape(-1, n)
    jacobians = [
        torch.autograd.functional.jacobian(lambda v: torch.softmax(v, dim=-1), row) for row in rows
    ]
    return torch.stack(jacobians).reshape(*x.shape, n)


def _ce_grad(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """d cross_entropy / d logits by autograd, with torch's mean cross-entropy."""
    leaf = logits.clone().requires_grad_()
    (grad,) = torch.autograd.grad(torch.nn.functional.cross_entropy(leaf, y), leaf)
    return grad


def test_softmax_values(submission, rng) -> None:
    """softmax(x) must normalise over the last dimension, for inputs with batch dimensions."""
    x = torch.from_numpy(rng.normal(scale=2.0, size=(2, 3, 7)))
    want = torch.softmax(x, dim=-1)
    got = _values(submission.activations.softmax(x), want, "softmax(x) for x of shape (2, 3, 7)")
    expect.close(got, want.numpy(), rtol=1e-10, atol=1e-15, what="softmax(x)")


def test_softmax_is_stable(submission, rng) -> None:
    """softmax must not overflow for inputs of magnitude 1e3 (subtract each row's max first)."""
    x = rng.normal(scale=1e3, size=(5, 8))
    x[:, 0] = np.abs(x[:, 0]) + 800.0  # every row reaches past 709, where exp overflows
    x = torch.from_numpy(x)
    want = torch.softmax(x, dim=-1)
    got = _values(submission.activations.softmax(x), want, "softmax(x) for |x| ~ 1e3")
    expect.close(got, want.numpy(), rtol=1e-10, atol=1e-15, what="softmax(x) for |x| ~ 1e3")


def test_d_softmax_matches_autograd(submission, rng) -> None:
    """d_softmax(s) must return each row's full Jacobian s_i (delta_ij - s_j), off-diagonal entries included."""
    x = torch.from_numpy(rng.normal(size=(2, 3, 6)))
    want = _softmax_jacobians(x)  # (2, 3, 6, 6)
    s = torch.softmax(x, dim=-1)
    got = _values(
        submission.activations.d_softmax(s), want, "d_softmax(s) for s of shape (2, 3, 6)"
    )
    expect.close(got, want.numpy(), rtol=1e-9, atol=1e-13, what="d_softmax(s), shape (2, 3, 6, 6)")


def test_d_softmax_single_row(submission, rng) -> None:
    """d_softmax(s) for a single row s of shape (n,) must return its (n, n) Jacobian."""
    x = torch.from_numpy(rng.normal(scale=1.5, size=9))
    want = _softmax_jacobians(x)  # (9, 9)
    s = torch.softmax(x, dim=-1)
    got = _values(submission.activations.d_softmax(s), want, "d_softmax(s) for s of shape (9,)")
    expect.close(got, want.numpy(), rtol=1e-9, atol=1e-13, what="d_softmax(s), shape (9, 9)")


def test_cross_entropy_matches_torch(submission, rng) -> None:
    """cross_entropy(y, y_hat) must be -mean_n log y_hat[n, y_n], a 0-dimensional tensor."""
    logits = torch.from_numpy(rng.normal(scale=2.0, size=(12, 5)))
    y = torch.from_numpy(rng.integers(0, 5, size=12))
    want = torch.nn.functional.cross_entropy(logits, y)
    got = submission.activations.cross_entropy(y, torch.softmax(logits, dim=-1))
    got = _values(got, want, "cross_entropy(y, y_hat)")
    expect.close(got, want.numpy(), rtol=1e-10, what="cross_entropy(y, y_hat)")


def test_cross_entropy_is_mean(submission, rng) -> None:
    """cross_entropy must average over the batch: a batch with every example twice has the same loss."""
    logits = torch.from_numpy(rng.normal(size=(6, 4)))
    y = torch.from_numpy(rng.integers(0, 4, size=6))
    want = torch.nn.functional.cross_entropy(logits, y)
    y_hat = torch.softmax(logits, dim=-1)
    got = submission.activations.cross_entropy(torch.cat([y, y]), torch.cat([y_hat, y_hat]))
    got = _values(got, want, "cross_entropy on a doubled batch")
    expect.close(
        got, want.numpy(), rtol=1e-10, what="cross_entropy on a batch of 6 examples, twice"
    )


def test_softmax_ce_grad_matches_autograd(submission, rng) -> None:
    """softmax_ce_grad(logits, y) must equal autograd's d mean-cross-entropy / d logits: (softmax - onehot) / N."""
    logits = torch.from_numpy(rng.normal(scale=2.0, size=(11, 6)))
    y = torch.from_numpy(rng.integers(0, 6, size=11))
    want = _ce_grad(logits, y)
    got = _values(submission.activations.softmax_ce_grad(logits, y), want, "softmax_ce_grad")
    expect.close(got, want.numpy(), rtol=1e-9, atol=1e-14, what="softmax_ce_grad(logits, y)")


def test_softmax_ce_grad_large_logits(submission, rng) -> None:
    """softmax_ce_grad must stay finite and correct for logits of magnitude 1e3 (a stable softmax)."""
    logits = rng.normal(scale=1e3, size=(7, 4))
    logits[:, 1] = np.abs(logits[:, 1]) + 800.0  # every row reaches past 709
    logits = torch.from_numpy(logits)
    y = torch.from_numpy(rng.integers(0, 4, size=7))
    want = _ce_grad(logits, y)
    got = _values(submission.activations.softmax_ce_grad(logits, y), want, "softmax_ce_grad")
    expect.close(
        got, want.numpy(), rtol=1e-9, atol=1e-14, what="softmax_ce_grad for |logits| ~ 1e3"
    )
