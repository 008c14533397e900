"""Public checks: the pieces of one layer, on small inputs.

The hidden checks test the same functions more thoroughly, on other shapes.
"""

from __future__ import annotations

import numpy as np

from grader.checks import expect


def test_initialize_weights_small_layer(submission) -> None:
    """initialize_weights must store random W (in, out) within the Xavier bound and zero biases b."""
    params = submission.put({})
    submission.nn.initialize_weights(10, 6, params, "a")
    stored = params.fetch()
    for key in ("Wa", "ba"):
        expect.that(key in stored, f"initialize_weights(10, 6, params, 'a') must store {key!r}")
    expect.shape(stored["Wa"], (10, 6), what="params['Wa']")
    expect.equal(stored["ba"], np.zeros(6), what="params['ba']")
    W = np.asarray(stored["Wa"], dtype=np.float64)
    expect.that(bool(np.all(np.isfinite(W))), "params['Wa'] holds NaN or infinite values")
    expect.that(
        float(np.ptp(W)) > 0, "every weight in params['Wa'] is the same; draw them at random"
    )
    outside = int(np.count_nonzero(np.abs(W) > np.sqrt(6.0 / 16)))
    expect.that(outside == 0, f"{outside} weights lie outside ±sqrt(6 / (in_size + out_size))")


def test_sigmoid_matches_reference(submission, reference, rng) -> None:
    """sigmoid must compute 1 / (1 + exp(-x)) elementwise."""
    x = rng.normal(scale=2.0, size=(4, 3))
    expect.close(submission.nn.sigmoid(x), reference.nn.sigmoid(x), atol=1e-12, what="sigmoid(x)")


def test_forward_matches_reference(submission, reference, rng) -> None:
    """forward(X, params, 'a') must return sigmoid(X @ Wa + ba)."""
    X = rng.normal(size=(3, 5))
    layer = {"Wa": rng.normal(size=(5, 2)), "ba": rng.normal(size=2)}
    got = submission.nn.forward(X, submission.put(layer), "a")
    want = reference.nn.forward(X, dict(layer), "a")
    expect.close(got, want, rtol=1e-9, atol=1e-12, what="forward(X, params, 'a')")


def test_softmax_rows_sum_to_one(submission, reference, rng) -> None:
    """softmax must turn each row of x into probabilities that sum to 1."""
    x = rng.normal(size=(4, 6))
    got = submission.nn.softmax(x)
    expect.close(got, reference.nn.softmax(x), rtol=1e-9, atol=1e-15, what="softmax(x)")
    expect.close(np.sum(got, axis=1), np.ones(4), rtol=1e-12, what="the row sums of softmax(x)")


def test_compute_loss_and_acc_small_batch(submission, reference, rng) -> None:
    """compute_loss_and_acc must return (summed cross-entropy, accuracy) for a batch of 8."""
    logits = rng.normal(size=(8, 4))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.eye(4)[rng.integers(0, 4, size=8)]
    result = submission.nn.compute_loss_and_acc(y, probs)
    expect.that(
        isinstance(result, list | tuple) and len(result) == 2,
        "compute_loss_and_acc must return a pair (loss, acc)",
    )
    loss, acc = reference.nn.compute_loss_and_acc(y, probs)
    for got, want, what in ((result[0], loss, "the loss"), (result[1], acc, "the accuracy")):
        number = isinstance(got, int | float | np.generic) and not isinstance(got, bool | np.bool_)
        if type(got) is np.ndarray and got.size == 1 and got.dtype.kind in "iuf":
            got, number = got.reshape(()), True  # a 0-d array is a number too
        expect.that(number, f"{what} must be a number (a float), not {type(got).__name__}")
        expect.close(float(got), want, rtol=1e-10, what=what)


def test_backwards_matches_reference_small(submission, reference, rng) -> None:
    """backwards must store grad_W and grad_b and return grad_X for the layer forward cached."""
    X, delta = rng.normal(size=(3, 4)), rng.normal(size=(3, 2))
    layer = {"Wa": rng.normal(size=(4, 2)), "ba": rng.normal(size=2)}
    params = submission.put(layer)
    submission.nn.forward(X, params, "a")
    grad_X = submission.nn.backwards(delta, params, "a")
    ref = dict(layer)
    reference.nn.forward(X, ref, "a")
    want_X = reference.nn.backwards(delta, ref, "a")
    got = params.fetch()
    for key in ("grad_Wa", "grad_ba"):
        expect.that(key in got, f"backwards(delta, params, 'a') must store params[{key!r}]")
        expect.close(got[key], ref[key], rtol=1e-9, atol=1e-12, what=key)
    expect.close(grad_X, want_X, rtol=1e-9, atol=1e-12, what="grad_X")
