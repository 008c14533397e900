"""Hidden checks: Xavier uniform initialisation (Glorot & Bengio 2010, eq. 16)."""

from __future__ import annotations

import numpy as np

from grader.checks import expect

# A big layer gives tight statistics: 120,000 weights.
IN, OUT = 400, 300
SIGMAS = 6.0


def _layer(submission, in_size: int, out_size: int, names: list[str]) -> dict:
    params = submission.put({})
    for name in names:
        submission.nn.initialize_weights(in_size, out_size, params, name)
    stored = params.fetch()
    for name in names:
        for key in ("W" + name, "b" + name):
            expect.that(
                key in stored,
                f"initialize_weights(..., name={name!r}) must store params[{key!r}]",
            )
    return stored


def test_initialize_weights_shapes(submission) -> None:
    """initialize_weights must store W of shape (in_size, out_size) and b of shape (out_size,)."""
    params = _layer(submission, 7, 5, ["enc2"])
    expect.shape(params["Wenc2"], (7, 5), what="params['Wenc2'] after initialize_weights(7, 5)")
    expect.shape(params["benc2"], (5,), what="params['benc2'] after initialize_weights(7, 5)")
    expect.dtype_kind(params["Wenc2"], "f", what="params['Wenc2']")
    expect.dtype_kind(params["benc2"], "f", what="params['benc2']")


def test_initialize_weights_within_bound(submission) -> None:
    """Every Xavier weight must lie within ±sqrt(6 / (in_size + out_size))."""
    W = _layer(submission, IN, OUT, ["big"])["Wbig"]
    expect.shape(W, (IN, OUT), what="params['Wbig']")
    bound = np.sqrt(6.0 / (IN + OUT))
    outside = int(np.count_nonzero(np.abs(W) > bound))
    expect.that(
        outside == 0,
        f"{outside} of {W.size} weights of a {IN}x{OUT} layer lie outside "
        "±sqrt(6 / (in_size + out_size)); draw them from a uniform distribution on that range",
    )


def test_initialize_weights_variance(submission) -> None:
    """Xavier weights must have mean 0 and variance 2 / (in_size + out_size)."""
    W = _layer(submission, IN, OUT, ["big"])["Wbig"]
    expect.shape(W, (IN, OUT), what="params['Wbig']")
    target = 2.0 / (IN + OUT)
    # For U(-a, a): Var(W^2) = a^4/5 - a^4/9, so mean(W^2) has relative sd sqrt(0.8 / n).
    tolerance = SIGMAS * np.sqrt(0.8 / W.size)
    off = abs(float(np.mean(np.square(W))) / target - 1.0)
    expect.that(
        off < tolerance,
        f"the mean square of the weights of a {IN}x{OUT} layer is {off:.1%} away from "
        f"2 / (in_size + out_size) (allowed: {tolerance:.1%}); check the bound "
        "sqrt(6 / (in_size + out_size)) of the uniform distribution",
    )


def test_initialize_weights_zero_bias(submission) -> None:
    """Xavier initialisation must set every bias to zero."""
    b = _layer(submission, 30, 20, ["h"])["bh"]
    expect.equal(b, np.zeros(20), what="params['bh'] after initialize_weights(30, 20)")


def test_initialize_weights_fresh_draws(submission) -> None:
    """initialize_weights must draw new random weights for every layer (no reseeding inside)."""
    params = _layer(submission, 50, 40, ["one", "two"])
    W1, W2 = params["Wone"], params["Wtwo"]
    expect.shape(W1, (50, 40), what="params['Wone']")
    expect.shape(W2, (50, 40), what="params['Wtwo']")
    expect.that(np.unique(W1).size > W1.size // 2, "the weights of one layer are mostly repeats")
    expect.that(
        not np.array_equal(W1, W2),
        "two layers initialised one after the other came out identical; "
        "do not reseed the random generator inside initialize_weights",
    )
