"""Public checks: mini-batches, the gradient checker, SGD and training."""

from __future__ import annotations

import numpy as np

from grader.checks import expect
from grader.checks.helpers import in_worker
from grader.datasets import load_digits

from helpers.diagnosis import culprit
from helpers.quadratic import quadratic_loss

TESTED_BY = {
    "sigmoid": "test_sigmoid_matches_reference",
    "forward": "test_forward_matches_reference",
    "backwards": "test_backwards_matches_reference_small",
    "softmax": "test_softmax_rows_sum_to_one",
    "sgd_step": "test_sgd_step_single_step",
}
"""The public check that tests each function train_mlp builds on."""


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
    loss = in_worker(submission, quadratic_loss)
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
            "it needs at least 75%" + culprit(submission, rng, TESTED_BY),
        )
