"""Public checks: mini-batches, the gradient checker, SGD and training."""

from __future__ import annotations

import numpy as np

from grader.checks import expect
from grader.datasets import load_digits

# L = 1/2 sum(Wa^2) + sum(ba): dL/dWa = Wa, dL/dba = 1.
QUADRATIC = """
import numpy as np

def loss(params):
    return float(0.5 * np.sum(params["Wa"] ** 2) + np.sum(params["ba"]))
"""


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def culprit(submission, rng) -> str:
    """'' when the activations, forward, backwards, softmax and sgd_step (what train_mlp builds on) are right
    on a small layer, by this file's own numpy; else a sentence naming the first wrong one and
    the check that tests it."""
    X, W, b, G = (rng.normal(size=s) for s in ((5, 4), (4, 3), (3,), (5, 3)))
    post = _sigmoid(X @ W + b)
    delta = G * post * (1 - post)
    try:
        for function, check, got, want in (
            ("sigmoid", "test_sigmoid_matches_reference", submission.nn.sigmoid(G), _sigmoid(G)),
            (
                "sigmoid_deriv",
                "",
                submission.nn.sigmoid_deriv(post),
                post * (1 - post),
            ),
            (
                "linear_deriv",
                "",
                submission.nn.linear_deriv(post),
                np.ones_like(post),
            ),
        ):
            if np.shape(got) != want.shape or not np.allclose(
                np.asarray(got, dtype=np.float64), want
            ):
                return _blame(function, check)
        params = submission.put({"Wt": W, "bt": b})
        got = submission.nn.forward(X, params, "t")
        if not np.allclose(np.asarray(got, dtype=np.float64), post, atol=1e-8):
            return _blame("forward", "test_forward_matches_reference")
        grad_X = submission.nn.backwards(G, params, "t")
        stored = params.fetch()
        ok = np.allclose(np.asarray(grad_X, dtype=np.float64), delta @ W.T, atol=1e-8)
        ok = ok and np.allclose(np.asarray(stored["grad_Wt"], dtype=np.float64), X.T @ delta)
        grad_b = np.asarray(stored["grad_bt"], dtype=np.float64)
        if not (ok and grad_b.size == 3 and np.allclose(grad_b.reshape(3), delta.sum(axis=0))):
            return _blame("backwards", "test_backwards_matches_reference_small")
        exps = np.exp(X - X.max(axis=1, keepdims=True))
        got = np.asarray(submission.nn.softmax(X), dtype=np.float64)
        if got.shape != X.shape or not np.allclose(got, exps / exps.sum(axis=1, keepdims=True)):
            return _blame("softmax", "test_softmax_rows_sum_to_one")
        params = submission.put({"Wt": W, "bt": b, "grad_Wt": W, "grad_bt": b})
        submission.nn.sgd_step(params, ["t"], 0.25)
        stored = params.fetch()
        if not np.allclose(stored["Wt"], 0.75 * W) or not np.allclose(stored["bt"], 0.75 * b):
            return _blame("sgd_step", "test_sgd_step_single_step")
    except Exception:  # a helper that raises or returns junk: its own checks report it
        return "; a function train_mlp builds on fails on a small layer: see the checks above"
    return ""


def _blame(function: str, check: str) -> str:
    tested = f" ({check} tests it)" if check else ""
    return (
        f"; the cause is probably {function}, which gives wrong results on a small layer"
        f"{tested}: fix {function} first"
    )


def test_get_random_batches_cover_all(submission, rng) -> None:
    """get_random_batches must cut 20 examples into 4 batches of 5, each example in one batch."""
    x = rng.normal(size=(20, 3))
    x[:, 0] = np.arange(20)
    batches = submission.nn.get_random_batches(x, np.eye(20), 5)
    expect.that(
        isinstance(batches, list | tuple) and all(len(b) == 2 for b in batches),
        "get_random_batches must return a list of (xb, yb) pairs",
    )
    sizes = [len(xb) for xb, _ in batches]
    expect.that(sizes == [5, 5, 5, 5], f"the batch sizes were {sizes}; expected four batches of 5")
    seen = np.sort(np.concatenate([np.asarray(xb)[:, 0] for xb, _ in batches]))
    expect.equal(seen, np.arange(20.0), what="the examples found in the batches, sorted")


def test_numerical_gradient_small_quadratic(submission, rng) -> None:
    """numerical_gradient must return {'Wa': ..., 'ba': ...} matching a quadratic's gradient."""
    W, b = rng.normal(size=(2, 2)), rng.normal(size=2)
    loss = submission.define(QUADRATIC, "loss")
    grads = submission.nn.numerical_gradient(loss, {"Wa": W, "ba": b})
    expect.that(
        isinstance(grads, dict) and {"Wa", "ba"} <= set(grads),
        "numerical_gradient must return a dict with the keys 'Wa' and 'ba'",
    )
    expect.rel_error_below(grads["Wa"], W, 1e-6, what="the numerical gradient of Wa")
    expect.rel_error_below(grads["ba"], np.ones(2), 1e-6, what="the numerical gradient of ba")


def test_sgd_step_single_step(submission, reference, rng) -> None:
    """One sgd_step(params, ['a'], lr) must apply W -= lr * grad_W and b -= lr * grad_b."""
    start = {
        "Wa": rng.normal(size=(3, 2)),
        "ba": rng.normal(size=2),
        "grad_Wa": rng.normal(size=(3, 2)),
        "grad_ba": rng.normal(size=2),
    }
    params = submission.put(start)
    submission.nn.sgd_step(params, ["a"], 0.1)
    got, ref = params.fetch(), dict(start)
    reference.nn.sgd_step(ref, ["a"], 0.1)
    for key in ("Wa", "ba"):
        expect.close(got[key], ref[key], rtol=1e-12, atol=1e-14, what=f"params[{key!r}]")


def test_train_mlp_valid_accuracy(submission, rng, seed) -> None:
    """train_mlp's defaults must reach 75% accuracy on the validation digits within 120 seconds."""
    data = load_digits(32)
    result = submission.nn.train_mlp(
        data.train_x, data.train_y, data.valid_x, data.valid_y, seed=seed
    )
    expect.that(
        isinstance(result, list | tuple) and len(result) == 2 and isinstance(result[0], dict),
        "train_mlp must return a pair (params, history)",
    )
    params = result[0]
    keys = ("Wlayer1", "blayer1", "Woutput", "boutput")
    for key in keys:
        expect.that(key in params, f"the params that train_mlp returns must hold {key!r}")
    expect.that(np.ndim(params["Wlayer1"]) == 2, "params['Wlayer1'] must be a 2-D array (1024, H)")
    width = np.shape(params["Wlayer1"])[1]
    weights = {}
    for key, shape in zip(keys, [(1024, width), (width,), (width, 10), (10,)], strict=True):
        value = params[key]
        if key[0] == "b" and np.size(value) == shape[0] and np.ndim(value) == 2:
            value = np.reshape(value, shape)  # a (1, H) bias: the backward checks charge it
        expect.shape(value, shape, what=f"params[{key!r}] from train_mlp")
        weights[key] = np.asarray(value, dtype=np.float64)
    # the grader's own forward pass (no reference needed, so the self-check can run it too)
    hidden = 1.0 / (1.0 + np.exp(-(data.valid_x @ weights["Wlayer1"] + weights["blayer1"])))
    logits = hidden @ weights["Woutput"] + weights["boutput"]  # softmax keeps the argmax
    accuracy = float(np.mean(np.argmax(logits, axis=1) == np.argmax(data.valid_y, axis=1)))
    if accuracy < 0.75:
        expect.that(
            False,
            f"the trained network classifies {accuracy:.1%} of the validation digits correctly; "
            "it needs at least 75%" + culprit(submission, rng),
        )
