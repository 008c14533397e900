"""Hidden checks: sigmoid, ReLU and the identity, each with its derivative."""

from __future__ import annotations

import numpy as np

from grader.checks import expect


def test_sigmoid_values(submission, reference, rng) -> None:
    """sigmoid must compute 1 / (1 + exp(-x)) elementwise."""
    x = rng.normal(scale=4.0, size=(13, 6))
    expect.close(
        submission.nn.sigmoid(x),
        reference.nn.sigmoid(x),
        rtol=1e-7,
        atol=1e-12,
        what="sigmoid(x) for x of shape (13, 6)",
    )


def test_sigmoid_deriv_values(submission, reference, rng) -> None:
    """sigmoid_deriv takes the sigmoid's output s and must return s * (1 - s)."""
    post_act = rng.uniform(0.01, 0.99, size=(8, 9))
    expect.close(
        submission.nn.sigmoid_deriv(post_act),
        reference.nn.sigmoid_deriv(post_act),
        rtol=1e-10,
        what="sigmoid_deriv(s) for s of shape (8, 9)",
    )


def test_relu_values(submission, reference, rng) -> None:
    """relu must compute max(x, 0) elementwise."""
    x = rng.normal(size=(9, 4))
    expect.close(submission.nn.relu(x), reference.nn.relu(x), rtol=0.0, what="relu(x)")


def test_relu_deriv_values(submission, reference, rng) -> None:
    """relu_deriv takes ReLU's output and must return 1 where it is positive and 0 elsewhere."""
    post_act = reference.nn.relu(rng.normal(size=(6, 7)))
    expect.close(
        submission.nn.relu_deriv(post_act),
        reference.nn.relu_deriv(post_act),
        rtol=0.0,
        what="relu_deriv(relu(x))",
    )


def test_linear_deriv_values(submission, rng) -> None:
    """linear_deriv must return an array of ones shaped like its input."""
    post_act = rng.normal(size=(5, 3))
    expect.close(
        submission.nn.linear_deriv(post_act), np.ones((5, 3)), rtol=0.0, what="linear_deriv(x)"
    )
