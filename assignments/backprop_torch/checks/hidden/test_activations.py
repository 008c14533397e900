"""Hidden checks, Part A: sigmoid and tanh, and their derivatives against torch.autograd.

Inputs are float64 tensors with a batch dimension or two. Expected values come from
torch.sigmoid, torch.tanh and torch.autograd, run here at grade time.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from grader.checks import expect

SHAPE = (3, 5, 4)


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


def _derivative(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """d fn(x) / dx elementwise, by autograd: the gradient of sum(fn(x))."""
    leaf = x.clone().requires_grad_()
    (grad,) = torch.autograd.grad(fn(leaf).sum(), leaf)
    return grad


def _extremes(rng) -> torch.Tensor:
    """Float64 inputs far beyond exp's range (|x| up to 1000), with 0 and both signs."""
    x = rng.uniform(-1000.0, 1000.0, size=(4, 6))
    x[0, :4] = [-1000.0, 1000.0, -750.0, 0.0]
    return torch.from_numpy(x)


def test_sigmoid_values(submission, rng) -> None:
    """sigmoid(x) must compute 1 / (1 + exp(-x)) elementwise for inputs with batch dimensions."""
    x = torch.from_numpy(rng.normal(scale=4.0, size=SHAPE))
    want = torch.sigmoid(x)
    got = _values(submission.activations.sigmoid(x), want, f"sigmoid(x) for x of shape {SHAPE}")
    expect.close(got, want.numpy(), rtol=1e-12, atol=1e-15, what="sigmoid(x)")


def test_sigmoid_is_stable(submission, rng) -> None:
    """sigmoid must give finite, correct values for |x| up to 1000 (never exp of a large positive number)."""
    x = _extremes(rng)
    want = torch.sigmoid(x)
    got = _values(submission.activations.sigmoid(x), want, "sigmoid(x) for |x| up to 1000")
    expect.close(got, want.numpy(), rtol=1e-12, atol=1e-300, what="sigmoid(x) for |x| up to 1000")


def test_d_sigmoid_matches_autograd(submission, rng) -> None:
    """d_sigmoid(s), given s = sigmoid(x), must equal d sigmoid / dx from autograd: s (1 - s)."""
    x = torch.from_numpy(rng.normal(scale=3.0, size=SHAPE))
    want = _derivative(torch.sigmoid, x)
    got = _values(submission.activations.d_sigmoid(torch.sigmoid(x)), want, "d_sigmoid(s)")
    expect.close(got, want.numpy(), rtol=1e-9, atol=1e-15, what="d_sigmoid(sigmoid(x))")


def test_tanh_values(submission, rng) -> None:
    """tanh(x) must compute (e^x - e^-x) / (e^x + e^-x) elementwise for inputs with batch dimensions."""
    x = torch.from_numpy(rng.normal(scale=2.0, size=SHAPE))
    want = torch.tanh(x)
    got = _values(submission.activations.tanh(x), want, f"tanh(x) for x of shape {SHAPE}")
    expect.close(got, want.numpy(), rtol=1e-12, atol=1e-15, what="tanh(x)")


def test_tanh_is_stable(submission, rng) -> None:
    """tanh must give finite, correct values for |x| up to 1000, where e^|x| overflows."""
    x = _extremes(rng)
    want = torch.tanh(x)
    got = _values(submission.activations.tanh(x), want, "tanh(x) for |x| up to 1000")
    expect.close(got, want.numpy(), rtol=1e-12, atol=1e-15, what="tanh(x) for |x| up to 1000")


def test_d_tanh_matches_autograd(submission, rng) -> None:
    """d_tanh(t), given t = tanh(x), must equal d tanh / dx from autograd: 1 - t^2."""
    x = torch.from_numpy(rng.normal(scale=1.5, size=SHAPE))
    want = _derivative(torch.tanh, x)
    got = _values(submission.activations.d_tanh(torch.tanh(x)), want, "d_tanh(t)")
    expect.close(got, want.numpy(), rtol=1e-9, atol=1e-15, what="d_tanh(tanh(x))")
