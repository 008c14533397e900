"""Numerical gradients in float64: central differences against analytic gradients."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checks import numerical_gradient, rel_error


def test_matches_the_analytic_gradient_of_a_matrix_function() -> None:
    """Does the gradient of sum(tanh(x @ w) * dout) w.r.t. w match the chain rule?"""
    rng = np.random.default_rng(0)
    x, w, dout = rng.normal(size=(4, 5)), rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    analytic = x.T @ ((1 - np.tanh(x @ w) ** 2) * dout)  # (5, 4) @ (4, 3) -> (5, 3)
    numeric = numerical_gradient(lambda w_: (np.tanh(x @ w_) * dout).sum(), w)
    assert numeric.shape == (5, 3) and numeric.dtype == np.float64
    assert rel_error(analytic, numeric) < 1e-7


def test_any_shape_and_a_scalar() -> None:
    """Does it work on a 4-d input and on a 0-d one, returning the input's shape?"""
    x = np.random.default_rng(1).uniform(0.5, 1.5, size=(2, 2, 3, 3))
    numeric = numerical_gradient(lambda t: (t**3).sum(), x)
    assert numeric.shape == x.shape and rel_error(3 * x**2, numeric) < 1e-7
    assert abs(float(numerical_gradient(lambda t: np.sin(t), 0.5)) - np.cos(0.5)) < 1e-9


def test_evaluates_in_float64_and_leaves_the_input_alone() -> None:
    """Is a float32 input promoted (f sees float64) and never modified?"""
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    before = x.copy()
    seen: list[np.dtype[np.generic]] = []

    def f(t: np.ndarray) -> float:
        seen.append(t.dtype)
        return float((t**2).sum())

    numeric = numerical_gradient(f, x)
    assert set(seen) == {np.dtype(np.float64)} and len(seen) == 2 * x.size
    np.testing.assert_array_equal(x, before)
    assert rel_error(2 * x.astype(np.float64), numeric) < 1e-8


def test_f_must_return_a_scalar() -> None:
    with pytest.raises(TypeError, match=r"shape \(3,\).*sum\(\)"):
        numerical_gradient(lambda t: t * 2, np.ones(3))


def test_rel_error_is_the_cs231n_formula() -> None:
    """max(|a-b| / max(1e-8, |a|+|b|)): symmetric, scale-free, floored near zero."""
    a, b = np.array([1.0, 2.0, 0.0]), np.array([1.1, 2.0, 0.0])
    assert rel_error(a, b) == rel_error(b, a) == pytest.approx(0.1 / 2.1)
    assert rel_error(1000 * a, 1000 * b) == pytest.approx(0.1 / 2.1)
    assert rel_error(1e-9, 0.0) == pytest.approx(0.1)  # 1e-9 / max(1e-8, 1e-9)
    assert rel_error(np.zeros((0, 3)), np.zeros((0, 3))) == 0.0
    assert isinstance(rel_error(a, b), float)
