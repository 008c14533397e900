"""Hidden checks: the forward pass of one layer and what it caches for backwards."""

from __future__ import annotations

import numpy as np

from grader.checks import expect
from grader.checks.helpers import in_worker

from helpers.losses import tanh

N, D, H = 11, 7, 4
NAME = "layer7"


def _layer(rng) -> dict[str, np.ndarray]:
    return {"W" + NAME: rng.normal(size=(D, H)), "b" + NAME: rng.normal(size=H)}


def test_forward_values(submission, reference, rng) -> None:
    """forward must return sigmoid(X @ W + b) for the named layer."""
    X, layer = rng.normal(size=(N, D)), _layer(rng)
    got = submission.nn.forward(X, submission.put(layer), NAME)
    want = reference.nn.forward(X, dict(layer), NAME)
    expect.close(got, want, rtol=1e-9, atol=1e-12, what=f"forward(X, params, {NAME!r})")


def test_forward_custom_activation(submission, rng) -> None:
    """forward must apply the activation function it is given, not always sigmoid."""
    X, layer = rng.normal(size=(N, D)), _layer(rng)
    got = submission.nn.forward(X, submission.put(layer), NAME, in_worker(submission, tanh))
    want = np.tanh(X @ layer["W" + NAME] + layer["b" + NAME])
    expect.close(
        got, want, rtol=1e-9, atol=1e-12, what=f"forward(X, params, {NAME!r}, activation=tanh)"
    )


def test_forward_cache(submission, reference, rng) -> None:
    """forward must cache (X, pre_act, post_act) in params['cache_' + name]."""
    X, layer = rng.normal(size=(N, D)), _layer(rng)
    params = submission.put(layer)
    submission.nn.forward(X, params, NAME)
    stored = params.fetch()
    key = "cache_" + NAME
    expect.that(key in stored, f"forward(X, params, {NAME!r}) must store params[{key!r}]")
    cache = stored[key]
    expect.that(
        isinstance(cache, list | tuple) and len(cache) == 3,
        f"params[{key!r}] must be a tuple of three arrays (X, pre_act, post_act)",
    )
    ref = dict(layer)
    reference.nn.forward(X, ref, NAME)
    for i, part in enumerate(("X", "pre_act", "post_act")):
        expect.close(
            cache[i], ref[key][i], rtol=1e-9, atol=1e-12, what=f"params[{key!r}][{i}] ({part})"
        )
