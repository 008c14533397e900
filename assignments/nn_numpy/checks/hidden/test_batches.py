"""Hidden checks: get_random_batches shuffles, covers every example once and keeps x, y paired.

Each example carries its index: x[i, 0] == i, and y is one-hot in the index (N classes), so
a check can follow every row through the batches.
"""

from __future__ import annotations

import numpy as np

from grader.checks import expect

N, D, BATCH = 103, 4, 8  # 103 = 12 * 8 + 7: the last batch is short


def _tagged(rng, n: int = N) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(size=(n, D))
    x[:, 0] = np.arange(n)
    return x, np.eye(n)


def _batches(submission, x: np.ndarray, y: np.ndarray, batch_size: int) -> list:
    batches = submission.nn.get_random_batches(x, y, batch_size)
    expect.that(
        isinstance(batches, list | tuple)
        and all(isinstance(b, list | tuple) and len(b) == 2 for b in batches),
        "get_random_batches must return a list of (xb, yb) pairs",
    )
    for i, (xb, yb) in enumerate(batches):
        expect.that(
            np.ndim(xb) == 2 and np.shape(xb)[1:] == (x.shape[1],),
            f"batch {i}: xb must have shape (B, {x.shape[1]}), like the rows of x",
        )
        expect.that(
            np.ndim(yb) == 2 and np.shape(yb)[1:] == (y.shape[1],),
            f"batch {i}: yb must have shape (B, {y.shape[1]}), like the rows of y",
        )
    return list(batches)


def _order(batches: list) -> np.ndarray:
    return np.concatenate([np.asarray(xb)[:, 0] for xb, _ in batches]).astype(int)


def test_get_random_batches_every_sample_once(submission, rng) -> None:
    """get_random_batches must put every example in exactly one batch."""
    x, y = _tagged(rng)
    counts = np.bincount(_order(_batches(submission, x, y, BATCH)), minlength=N)
    missing, repeated = int(np.sum(counts == 0)), int(np.sum(counts > 1))
    expect.that(
        missing == 0 and repeated == 0 and counts.size == N,
        f"{missing} examples are in no batch and {repeated} are in more than one; every "
        "example must appear exactly once",
    )


def test_get_random_batches_sizes(submission, rng) -> None:
    """Every batch must have batch_size rows, except that the last may have fewer."""
    x, y = _tagged(rng)
    sizes = [len(xb) for xb, _ in _batches(submission, x, y, BATCH)]
    full = sizes[:-1] if sizes else []
    expect.that(
        sizes and all(s == BATCH for s in full) and 0 < sizes[-1] <= BATCH and sum(sizes) == N,
        f"{sum(s != BATCH for s in full)} batches before the last do not hold batch_size "
        "rows, or the sizes do not add up to the number of examples; every batch must hold "
        "batch_size rows except possibly the last, which holds the rest",
    )


def test_get_random_batches_rows_paired(submission, rng) -> None:
    """Every batch must hold whole rows of x, each next to its own row of y."""
    x, y = _tagged(rng)
    unpaired = foreign = 0
    for xb, yb in _batches(submission, x, y, BATCH):
        xb, yb = np.asarray(xb, dtype=np.float64), np.asarray(yb, dtype=np.float64)
        index = np.clip(np.rint(xb[:, 0]).astype(int), 0, N - 1)
        foreign += int(np.sum(np.any(xb != x[index], axis=1)))
        unpaired += int(np.sum(np.any(yb != y[index], axis=1)))
    expect.that(
        foreign == 0,
        f"{foreign} rows in the batches are not rows of x; cut the batches from x itself",
    )
    expect.that(
        unpaired == 0,
        f"{unpaired} rows of x ended up next to another example's label; shuffle x and y "
        "with the same permutation",
    )


def test_get_random_batches_shuffles(submission, rng) -> None:
    """get_random_batches must shuffle the examples, not cut them in their original order."""
    x, y = _tagged(rng, 60)
    batches = _batches(submission, x, y, 10)
    order = _order(batches)
    rows = np.concatenate([np.asarray(xb, dtype=np.float64) for xb, _ in batches])
    index = np.clip(order, 0, 59)
    expect.that(
        rows.shape[0] > 0 and bool(np.all(rows == x[index])),
        "the batches hold rows that are not rows of x; cut the batches from x itself",
    )
    expect.that(
        bool(np.any(np.diff(order) < 0)),
        "the batches hold the examples in their original order; shuffle them first "
        "(e.g. with np.random.permutation)",
    )
