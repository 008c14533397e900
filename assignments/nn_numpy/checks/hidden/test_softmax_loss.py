"""Hidden checks: softmax and the cross-entropy loss with accuracy."""

from __future__ import annotations

import numpy as np

from grader.checks import expect


def test_softmax_values(submission, reference, rng) -> None:
    """softmax must normalise each row of x: exp(x_ij) / sum_k exp(x_ik)."""
    x = rng.normal(scale=3.0, size=(17, 10))
    expect.close(
        submission.nn.softmax(x),
        reference.nn.softmax(x),
        rtol=1e-9,
        atol=1e-15,
        what="softmax(x) for x of shape (17, 10)",
    )


def test_softmax_is_stable(submission, reference, rng) -> None:
    """softmax must not overflow for inputs of magnitude 1e3 (subtract each row's max first)."""
    x = rng.uniform(-1e3, 1e3, size=(6, 8))
    x[0] = 1e3  # a row of ties at the top of the range
    expect.close(
        submission.nn.softmax(x),
        reference.nn.softmax(x),
        rtol=1e-9,
        atol=1e-12,
        what="softmax(x) for entries of magnitude up to 1e3",
    )


def test_softmax_shift_invariance(submission, rng) -> None:
    """softmax must turn each row into probabilities ordered like the row, unchanged when a constant is added to it."""
    x = rng.normal(size=(9, 5))
    shift = rng.uniform(-50.0, 50.0, size=(9, 1))
    plain = submission.nn.softmax(x)
    expect.shape(plain, x.shape, what="softmax(x)")
    probs = np.asarray(plain, dtype=np.float64)
    expect.that(
        bool(np.all(probs >= 0)) and np.allclose(probs.sum(axis=1), 1.0, rtol=0, atol=1e-9),
        "every row of softmax(x) must be a probability distribution: entries >= 0 summing to 1",
    )
    expect.that(
        np.array_equal(np.argsort(probs, axis=1), np.argsort(x, axis=1)),
        "softmax(x) must keep the order of each row: a larger x_ij gives a larger probability",
    )
    expect.close(
        submission.nn.softmax(x + shift),
        probs,
        rtol=1e-9,
        atol=1e-15,
        what="softmax(x + c) compared with softmax(x), c constant per row",
    )


def _batch(rng, n: int, classes: int, n_right: int) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities (n, classes) and one-hot labels, exactly n_right rows predicted right."""
    logits = rng.normal(scale=2.0, size=(n, classes))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = np.argmax(probs, axis=1)
    wrong = rng.permutation(n)[: n - n_right]
    labels[wrong] = (labels[wrong] + rng.integers(1, classes, size=wrong.size)) % classes
    return np.eye(classes)[labels], probs


def _number(value: object, what: str) -> float:
    """value as a float, if float() takes it: a Python or numpy number, or a 0-d array."""
    ok = isinstance(value, int | float | np.generic) and not isinstance(value, bool | np.bool_)
    if type(value) is np.ndarray and value.size == 1 and value.dtype.kind in "iuf":
        value, ok = value.reshape(()), True
    expect.that(ok, f"{what} must be a number (a float), not {type(value).__name__}")
    return float(value)  # type: ignore[arg-type]


def _pair(result: object) -> tuple[float, float]:
    expect.that(
        isinstance(result, list | tuple) and len(result) == 2,
        "compute_loss_and_acc must return a pair (loss, acc)",
    )
    return _number(result[0], "the loss"), _number(result[1], "the accuracy")  # type: ignore[index]


def test_compute_loss_and_acc_loss(submission, reference, rng) -> None:
    """compute_loss_and_acc must return the cross-entropy summed (not averaged) over the batch."""
    y, probs = _batch(rng, 40, 10, 23)
    loss, _ = _pair(submission.nn.compute_loss_and_acc(y, probs))
    want, _ = reference.nn.compute_loss_and_acc(y, probs)
    expect.close(loss, want, rtol=1e-10, what="the loss from compute_loss_and_acc")


def test_compute_loss_and_acc_accuracy(submission, reference, rng) -> None:
    """compute_loss_and_acc's accuracy must be the fraction of rows whose argmax is the label."""
    # 47 rows and 10 classes: the right fraction is never a multiple of 1/10.
    y, probs = _batch(rng, 47, 10, 29)
    _, acc = _pair(submission.nn.compute_loss_and_acc(y, probs))
    _, want = reference.nn.compute_loss_and_acc(y, probs)
    expect.close(acc, want, rtol=1e-12, what="the accuracy from compute_loss_and_acc")
