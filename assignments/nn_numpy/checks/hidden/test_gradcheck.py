"""Hidden checks: numerical_gradient, the central-difference gradient checker.

The losses are instructor code (checks/helpers/losses.py) defined inside the worker with
``in_worker``; their gradients are known in closed form here.
"""

from __future__ import annotations

import numpy as np

from grader.checks import expect
from grader.checks.helpers import in_worker

from helpers.losses import (
    counting,
    make_linear_loss,
    make_polynomial_loss,
    make_sigmoid_layer_loss,
)


def _gradients(result: object, keys: list[str]) -> dict:
    expect.that(isinstance(result, dict), "numerical_gradient must return a dict of arrays")
    for key in keys:
        expect.that(
            key in result,
            f"numerical_gradient must return the gradient of params[{key!r}] under the same "
            f"key {key!r}",
        )
    return result


def _polynomial(submission, rng) -> tuple[dict, object, dict]:
    """Params (with entries that must be left alone), the remote loss, its exact gradient."""
    A, c = rng.uniform(0.5, 2.0, size=(4, 3)), rng.uniform(0.5, 2.0, size=3)
    W, b = rng.normal(size=(4, 3)), rng.normal(size=3)
    params = {"Wq": W, "bq": b, "grad_Wq": np.zeros((4, 3)), "m_Wq": np.ones((4, 3))}
    loss = in_worker(submission, make_polynomial_loss)(A, c)
    return params, loss, {"Wq": A * W, "bq": c * b**2}


def test_numerical_gradient_matches_analytic(submission, rng) -> None:
    """numerical_gradient must match the exact gradient of a polynomial loss (rel. error < 1e-6)."""
    params, loss, exact = _polynomial(submission, rng)
    grads = _gradients(submission.nn.numerical_gradient(loss, params), list(exact))
    for key, want in exact.items():
        expect.rel_error_below(grads[key], want, 1e-6, what=f"the numerical gradient of {key}")


def test_numerical_gradient_keys(submission, rng) -> None:
    """numerical_gradient must return exactly one entry per W/b array, under the same key, shaped like it."""
    params, _, _ = _polynomial(submission, rng)
    A, c = rng.normal(size=(4, 3)), rng.normal(size=3)
    loss = in_worker(submission, make_linear_loss)(A, c)
    exact = {"Wq": A, "bq": c}
    grads = _gradients(submission.nn.numerical_gradient(loss, params), list(exact))
    extra = sorted(set(grads) - set(exact))
    expect.that(
        not extra,
        f"numerical_gradient returned entries for {extra}; only keys starting with 'W' or "
        "'b' are parameters",
    )
    for key in exact:
        expect.shape(grads[key], params[key].shape, what=f"the numerical gradient of {key}")
        got, want = np.asarray(grads[key], dtype=np.float64).ravel(), exact[key].ravel()
        norms = float(np.linalg.norm(got) * np.linalg.norm(want))
        cosine = float(got @ want) / max(norms, 1e-300)
        expect.that(
            cosine > 0.9,
            f"the numerical gradient of {key} does not point the way the loss grows (cosine "
            f"{cosine:.2f}); perturb each entry by ±eps and evaluate the loss",
        )


def test_numerical_gradient_restores_params(submission, rng) -> None:
    """numerical_gradient must perturb every parameter entry, evaluate the loss, and leave every parameter as it found it."""
    before, loss, _ = _polynomial(submission, rng)
    params = submission.put(before)
    counted = in_worker(submission, counting)(loss)
    submission.nn.numerical_gradient(counted, params)
    after = params.fetch()
    entries = before["Wq"].size + before["bq"].size
    calls = counted.calls.fetch()
    expect.that(
        isinstance(calls, int) and calls >= entries,
        f"numerical_gradient evaluated the loss {calls} time(s) for {entries} parameter "
        "entries; it must evaluate it with each entry perturbed (twice each for central "
        "differences)",
    )
    for key in ("Wq", "bq"):
        expect.that(key in after, f"numerical_gradient removed params[{key!r}]")
        expect.close(
            after[key],
            before[key],
            rtol=1e-12,
            atol=1e-15,
            what=f"params[{key!r}] after numerical_gradient",
        )


def test_numerical_gradient_catches_planted_bug(submission, rng) -> None:
    """numerical_gradient must confirm a correct sigmoid-layer gradient and expose a buggy one."""
    X, G = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    W, b = rng.normal(size=(4, 3)), rng.normal(size=3)
    pre = X @ W + b
    post = 1.0 / (1.0 + np.exp(-pre))
    delta_right = G * post * (1 - post)
    delta_buggy = G * pre * (1 - pre)  # the classic bug: the derivative of the pre-activation
    loss = in_worker(submission, make_sigmoid_layer_loss)(X, G)
    grads = _gradients(submission.nn.numerical_gradient(loss, {"Ws": W, "bs": b}), ["Ws", "bs"])
    expect.rel_error_below(
        grads["Ws"],
        X.T @ delta_right,
        1e-6,
        what="the numerical gradient of a sigmoid layer's weights",
    )
    got = np.asarray(grads["Ws"], dtype=np.float64)
    buggy = X.T @ delta_buggy
    gap = np.linalg.norm(got - buggy) / max(np.linalg.norm(got) + np.linalg.norm(buggy), 1e-300)
    expect.that(
        gap > 1e-3,
        f"numerical_gradient came within {gap:.1e} of a wrong analytic gradient; a gradient "
        "checker must tell it apart (relative error above 1e-3)",
    )
