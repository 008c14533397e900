"""Hidden checks, Part A: sigmoid and tanh, and their derivatives against torch.autograd.

Inputs are float32 tensors, the homework's dtype, with a batch dimension or two. Expected
values come from torch.sigmoid, torch.tanh and torch.autograd, run here at grade time in
float64 on the same (float32) numbers; tolerances are float32's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from grader.checks import expect
from grader.errors import SubmissionRaised

from helpers import tensors

SHAPE = (3, 5, 4)
RTOL, ATOL = expect.tolerance("cpu", "float32")


def _derivative(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """d fn(x) / dx elementwise, by autograd in float64: the gradient of sum(fn(x))."""
    leaf = x.double().clone().requires_grad_()
    (grad,) = torch.autograd.grad(fn(leaf).sum(), leaf)
    return grad


def _extremes(rng) -> torch.Tensor:
    """Float32 inputs far beyond exp's range (|x| up to 1000), with 0 and both signs."""
    x = rng.uniform(-1000.0, 1000.0, size=(4, 6))
    x[0, :4] = [-1000.0, 1000.0, -750.0, 0.0]
    x[1, :4] = [-30.0, 30.0, -90.0, 90.0]  # around float32's exp limit (~88)
    return tensors.float32(x)


def _finite_and_close(got: np.ndarray, want: torch.Tensor, what: str) -> None:
    bad = int(np.count_nonzero(~np.isfinite(got)))
    expect.that(
        bad == 0,
        f"{what} has {bad} NaN or infinite value(s); exp of a large positive number "
        "overflows, so rewrite the formula to exponentiate only non-positive numbers",
    )
    expect.close(got, want.numpy(), rtol=RTOL, atol=ATOL, what=what)


def test_sigmoid_values(submission, rng) -> None:
    """sigmoid(x) must compute 1 / (1 + exp(-x)) elementwise for inputs with batch dimensions."""
    x = tensors.float32(rng.normal(scale=4.0, size=SHAPE))
    got = tensors.values(submission.activations.sigmoid(x), f"sigmoid(x) for x of shape {SHAPE}")
    expect.close(got, torch.sigmoid(x.double()).numpy(), rtol=RTOL, atol=ATOL, what="sigmoid(x)")


def test_sigmoid_is_stable(submission, rng) -> None:
    """sigmoid must give finite, correct values for |x| up to 1000 (never exp of a large positive number)."""
    x = _extremes(rng)
    got = tensors.values(submission.activations.sigmoid(x), "sigmoid(x) for |x| up to 1000")
    _finite_and_close(got, torch.sigmoid(x.double()), "sigmoid(x) for |x| up to 1000")


def test_d_sigmoid_matches_autograd(submission, rng) -> None:
    """d_sigmoid(s), given s = sigmoid(x), must equal d sigmoid / dx from autograd: s (1 - s)."""
    x = tensors.float32(rng.normal(scale=3.0, size=SHAPE))
    s = torch.sigmoid(x.double()).float()
    want = _derivative(torch.sigmoid, x)
    got = tensors.values(submission.activations.d_sigmoid(s), "d_sigmoid(s)")
    expect.close(got, want.numpy(), rtol=RTOL, atol=ATOL, what="d_sigmoid(sigmoid(x))")


def test_tanh_values(submission, rng) -> None:
    """tanh(x) must compute (e^x - e^-x) / (e^x + e^-x) elementwise for inputs with batch dimensions."""
    x = tensors.float32(rng.normal(scale=2.0, size=SHAPE))
    got = tensors.values(submission.activations.tanh(x), f"tanh(x) for x of shape {SHAPE}")
    expect.close(got, torch.tanh(x.double()).numpy(), rtol=RTOL, atol=ATOL, what="tanh(x)")


def test_tanh_is_stable(submission, rng) -> None:
    """tanh must give finite, correct values for |x| up to 1000, where e^|x| overflows."""
    x = _extremes(rng)
    got = tensors.values(submission.activations.tanh(x), "tanh(x) for |x| up to 1000")
    _finite_and_close(got, torch.tanh(x.double()), "tanh(x) for |x| up to 1000")


def test_d_tanh_matches_autograd(submission, rng) -> None:
    """d_tanh(t), given t = tanh(x), must equal d tanh / dx from autograd: 1 - t^2."""
    x = tensors.float32(rng.normal(scale=1.5, size=SHAPE))
    t = torch.tanh(x.double()).float()
    want = _derivative(torch.tanh, x)
    got = tensors.values(submission.activations.d_tanh(t), "d_tanh(t)")
    expect.close(got, want.numpy(), rtol=RTOL, atol=ATOL, what="d_tanh(tanh(x))")


def test_activations_keep_dtype(submission, rng) -> None:
    """Every function in activations.py must return a tensor of its input's dtype (float32 in, float32 out)."""
    x = tensors.float32(rng.normal(size=(3, 4)))
    s = torch.softmax(x.double(), dim=-1).float()
    y = torch.from_numpy(rng.integers(0, 4, size=3))
    x64, s64 = x.double(), s.double()
    onehot = torch.eye(4, dtype=torch.float64)[y]
    calls = {  # name: (call, float64 oracle)
        "sigmoid(x)": (lambda a: a.sigmoid(x), torch.sigmoid(x64)),
        "d_sigmoid(s)": (lambda a: a.d_sigmoid(s), s64 * (1 - s64)),
        "tanh(x)": (lambda a: a.tanh(x), torch.tanh(x64)),
        "d_tanh(t)": (lambda a: a.d_tanh(s), 1 - s64**2),
        "softmax(x)": (lambda a: a.softmax(x), torch.softmax(x64, dim=-1)),
        "d_softmax(s)": (
            lambda a: a.d_softmax(s),
            torch.diag_embed(s64) - s64[:, :, None] * s64[:, None, :],
        ),
        "cross_entropy(y, y_hat)": (
            lambda a: a.cross_entropy(y, s),
            -(onehot * s64.log()).sum() / 3,
        ),
        "softmax_ce_grad(logits, y)": (
            lambda a: a.softmax_ce_grad(x, y),
            (torch.softmax(x64, -1) - onehot) / 3,
        ),
    }
    wrong, judged = [], 0
    for call, (run, want) in calls.items():
        try:
            got = run(submission.activations)
        except SubmissionRaised:
            continue  # a function that raises is charged by its own checks, not here
        if type(got) is not torch.Tensor:
            wrong.append(f"{call} gave a {type(got).__name__}")
            continue
        values = got.detach().double()
        if values.shape != want.shape or not torch.allclose(values, want, rtol=1e-3, atol=1e-4):
            continue  # wrong values are charged by the function's own checks, not here
        judged += 1
        if got.dtype != torch.float32:
            wrong.append(f"{call} gave {got.dtype}")
    expect.that(judged > 0, "no function in activations.py returned a right result to judge")
    expect.that(
        not wrong,
        "with float32 inputs every function must return a float32 tensor, but " + "; ".join(wrong),
    )
