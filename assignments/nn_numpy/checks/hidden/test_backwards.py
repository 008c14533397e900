"""Hidden checks: backwards against float64 central differences and against the reference."""

from __future__ import annotations

import numpy as np

from grader.checks import expect
from grader.checks.helpers import in_worker

from helpers.losses import odd_deriv

N, D, H = 6, 5, 4
NAME = "hid3"
EPS = 1e-6
TOL = 1e-7


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _central_differences(loss, value: np.ndarray) -> np.ndarray:
    """d loss / d value by central differences, perturbing a copy of value."""
    value = value.copy()
    grad = np.zeros_like(value)
    for idx in np.ndindex(value.shape):
        original = value[idx]
        value[idx] = original + EPS
        plus = loss(value)
        value[idx] = original - EPS
        minus = loss(value)
        value[idx] = original
        grad[idx] = (plus - minus) / (2 * EPS)
    return grad


def _problem(rng) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """X (N, D), W (D, H), b (H,), and the upstream gradient G = dL/d post_act (N, H)."""
    return (
        rng.normal(size=(N, D)),
        rng.normal(size=(D, H)),
        rng.normal(size=H),
        rng.normal(size=(N, H)),
    )


def _student_backwards(submission, X, W, b, G) -> tuple[dict, object]:
    """Run the student's forward then backwards (sigmoid); return params and grad_X."""
    params = submission.put({"W" + NAME: W, "b" + NAME: b})
    submission.nn.forward(X, params, NAME)
    grad_X = submission.nn.backwards(G, params, NAME)
    return params.fetch(), grad_X


def _entry(params: dict, key: str):
    expect.that(key in params, f"backwards(delta, params, {NAME!r}) must store params[{key!r}]")
    return params[key]


def test_backwards_grad_w_matches_finite_differences(submission, rng) -> None:
    """grad_W from backwards must match central differences of L = sum(delta * sigmoid(XW + b))."""
    X, W, b, G = _problem(rng)
    params, _ = _student_backwards(submission, X, W, b, G)
    want = _central_differences(lambda w: np.sum(G * _sigmoid(X @ w + b)), W)
    expect.rel_error_below(_entry(params, "grad_W" + NAME), want, TOL, what="grad_W" + NAME)


def test_backwards_grad_b_matches_finite_differences(submission, rng) -> None:
    """grad_b from backwards must match central differences (summed over the batch)."""
    X, W, b, G = _problem(rng)
    params, _ = _student_backwards(submission, X, W, b, G)
    want = _central_differences(lambda v: np.sum(G * _sigmoid(X @ W + v)), b)
    expect.rel_error_below(_entry(params, "grad_b" + NAME), want, TOL, what="grad_b" + NAME)


def test_backwards_grad_x_matches_finite_differences(submission, rng) -> None:
    """The grad_X that backwards returns must match central differences with respect to X."""
    X, W, b, G = _problem(rng)
    _, grad_X = _student_backwards(submission, X, W, b, G)
    want = _central_differences(lambda x: np.sum(G * _sigmoid(x @ W + b)), X)
    expect.rel_error_below(grad_X, want, TOL, what="the grad_X returned by backwards")


def test_backwards_matches_reference(submission, reference, rng) -> None:
    """backwards must compute grad_W, grad_b and grad_X from the cache that forward stored."""
    X, W, b, G = _problem(rng)
    ref = {"W" + NAME: W, "b" + NAME: b}
    reference.nn.forward(X, ref, NAME)  # the cache is planted, so only backwards is tested
    params = submission.put(ref)
    grad_X = submission.nn.backwards(G, params, NAME)
    want_X = reference.nn.backwards(G, ref, NAME)
    got = params.fetch()
    for key in ("grad_W" + NAME, "grad_b" + NAME):
        expect.close(_entry(got, key), ref[key], rtol=1e-9, atol=1e-12, what=key)
    expect.close(grad_X, want_X, rtol=1e-9, atol=1e-12, what="the grad_X returned by backwards")


def test_backwards_custom_activation_deriv(submission, reference, rng) -> None:
    """backwards must apply the activation_deriv it is given to the cached post-activation."""
    X, W, b, G = _problem(rng)
    ref = {"W" + NAME: W, "b" + NAME: b}
    reference.nn.forward(X, ref, NAME)
    params = submission.put(ref)
    grad_X = submission.nn.backwards(G, params, NAME, in_worker(submission, odd_deriv))
    want_X = reference.nn.backwards(G, ref, NAME, odd_deriv)
    got = params.fetch()
    expect.close(
        _entry(got, "grad_W" + NAME),
        ref["grad_W" + NAME],
        rtol=1e-9,
        atol=1e-12,
        what=f"grad_W{NAME} with a custom activation_deriv",
    )
    expect.close(
        grad_X, want_X, rtol=1e-9, atol=1e-12, what="grad_X with a custom activation_deriv"
    )
