"""Hidden checks: Xavier uniform initialisation (Glorot & Bengio 2010, eq. 16).

W ~ U(-a, a) with a = sqrt(6 / (in + out)): the checks test the range (every weight finite
and inside ±a), the mean (0) and the variance (a^2 / 3), the last two within six standard
errors on a big layer.
"""

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


def _drawn(W: object, shape: tuple[int, int], what: str) -> np.ndarray:
    """W as a finite float array of the given shape whose entries are mostly distinct draws."""
    expect.shape(W, shape, what=what)
    W = np.asarray(W, dtype=np.float64)
    bad = int(np.count_nonzero(~np.isfinite(W)))
    expect.that(bad == 0, f"{what} holds {bad} NaN or infinite value(s)")
    expect.that(
        np.unique(W).size > W.size // 2,
        f"{what} is mostly repeats of a few numbers; draw every weight at random",
    )
    return W


def test_initialize_weights_shapes(submission) -> None:
    """initialize_weights must store random W of shape (in_size, out_size) and b of shape (out_size,)."""
    params = _layer(submission, 7, 5, ["enc2"])
    _drawn(params["Wenc2"], (7, 5), "params['Wenc2'] after initialize_weights(7, 5)")
    expect.shape(params["benc2"], (5,), what="params['benc2'] after initialize_weights(7, 5)")
    expect.dtype_kind(params["Wenc2"], "f", what="params['Wenc2']")
    expect.dtype_kind(params["benc2"], "f", what="params['benc2']")


def test_initialize_weights_within_bound(submission) -> None:
    """Every Xavier weight must be finite and lie within ±sqrt(6 / (in_size + out_size))."""
    W = _drawn(_layer(submission, IN, OUT, ["big"])["Wbig"], (IN, OUT), "params['Wbig']")
    bound = np.sqrt(6.0 / (IN + OUT))
    outside = int(np.count_nonzero(np.abs(W) > bound))
    expect.that(
        outside == 0,
        f"{outside} of the weights of a big layer lie outside ±sqrt(6 / (in_size + "
        "out_size)); draw them from a uniform distribution on that range",
    )


def test_initialize_weights_variance(submission) -> None:
    """Xavier weights must have mean 0 and variance 2 / (in_size + out_size)."""
    W = _drawn(_layer(submission, IN, OUT, ["big"])["Wbig"], (IN, OUT), "params['Wbig']")
    target = 2.0 / (IN + OUT)  # a^2 / 3 for U(-a, a)
    # The sample mean has sd sqrt(target / n); for U(-a, a), Var(W^2) = 4/5 target^2.
    mean_sd = np.sqrt(target / W.size)
    mean = float(np.mean(W))
    expect.that(
        abs(mean) < SIGMAS * mean_sd,
        f"the weights of a big layer have mean {mean:.2e}, {abs(mean) / mean_sd:.0f} standard "
        "errors from 0; Xavier weights are centred: U(-a, a)",
    )
    tolerance = SIGMAS * np.sqrt(0.8 / W.size)
    off = abs(float(np.var(W)) / target - 1.0)
    expect.that(
        off < tolerance,
        f"the variance of the weights of a big layer is {off:.1%} away from "
        f"2 / (in_size + out_size) (allowed: {tolerance:.1%}); check the bound "
        "sqrt(6 / (in_size + out_size)) of the uniform distribution",
    )


def test_initialize_weights_zero_bias(submission) -> None:
    """Xavier initialisation must set every bias to zero (and the weights at random)."""
    params = _layer(submission, 30, 20, ["h"])
    _drawn(params["Wh"], (30, 20), "params['Wh'] after initialize_weights(30, 20)")
    expect.equal(params["bh"], np.zeros(20), what="params['bh'] after initialize_weights(30, 20)")


def test_initialize_weights_fresh_draws(submission) -> None:
    """initialize_weights must draw new random weights for every layer (no reseeding inside)."""
    params = _layer(submission, 50, 40, ["one", "two"])
    W1 = _drawn(params["Wone"], (50, 40), "params['Wone']")
    W2 = _drawn(params["Wtwo"], (50, 40), "params['Wtwo']")
    expect.that(
        not np.array_equal(W1, W2),
        "two layers initialised one after the other came out identical; "
        "do not reseed the random generator inside initialize_weights",
    )
