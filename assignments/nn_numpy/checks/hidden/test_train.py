"""Hidden checks: train_mlp on handwritten digits (sklearn's, upsampled to 32x32).

Training and validation images go to the worker; the test split, labels included, never
does. Test accuracy is measured here, with the reference's forward pass. train_mlp is built on
the other functions of nn.py; when training falls short because one of them is wrong, the
message names it and the check that tests it, and a bias stored as (1, H) instead of (H,) is
charged by the backward checks, not here.
"""

from __future__ import annotations

import numpy as np

from grader.checks import expect
from grader.datasets import load_digits

from helpers.diagnosis import culprit

HISTORY = ("train_loss", "train_acc", "valid_loss", "valid_acc")
MIN_TEST_ACCURACY = 0.75
TESTED_BY = {
    "sigmoid": "test_sigmoid_values",
    "sigmoid_deriv": "test_sigmoid_deriv_values",
    "linear_deriv": "test_linear_deriv_values",
    "forward": "test_forward_values",
    "backwards": "test_backwards_matches_reference",
    "softmax": "test_softmax_values",
    "sgd_step": "test_sgd_step_updates",
}
"""The hidden check that tests each function train_mlp builds on."""


def _train(submission, **kwargs) -> tuple[dict, dict]:
    data = load_digits(32)
    result = submission.nn.train_mlp(
        data.train_x, data.train_y, data.valid_x, data.valid_y, **kwargs
    )
    expect.that(
        isinstance(result, list | tuple)
        and len(result) == 2
        and isinstance(result[0], dict)
        and isinstance(result[1], dict),
        "train_mlp must return a pair (params, history) of two dicts",
    )
    return result[0], result[1]


def _numbers(value: object, count: int) -> np.ndarray | None:
    """value as `count` floats when it is a list of things float() takes (Python and numpy
    numbers, one-element arrays), else None."""
    if not isinstance(value, list | tuple) or len(value) != count:
        return None
    out = []
    for item in value:
        if isinstance(item, int | float | np.generic) and not isinstance(item, bool | np.bool_):
            out.append(float(item))
        elif type(item) is np.ndarray and item.size == 1 and item.dtype.kind in "iuf":
            out.append(float(item.reshape(())))
        else:
            return None
    return np.array(out)


def _weights(params: dict, hidden: int | None = None) -> dict[str, np.ndarray]:
    """The four trained arrays, checked for shape; hidden=None accepts any hidden width.

    A bias of shape (1, H) (a keepdims slip in backwards) is read as (H,): the backward
    checks charge that slip, so training is judged on what it learned."""
    for key in ("Wlayer1", "blayer1", "Woutput", "boutput"):
        expect.that(key in params, f"the params that train_mlp returns must hold {key!r}")
    if hidden is None:
        expect.that(
            np.ndim(params["Wlayer1"]) == 2, "params['Wlayer1'] must be a 2-D array (1024, H)"
        )
        hidden = int(np.shape(params["Wlayer1"])[1])
    shapes = {
        "Wlayer1": (1024, hidden),
        "blayer1": (hidden,),
        "Woutput": (hidden, 10),
        "boutput": (10,),
    }
    weights = {}
    for key, shape in shapes.items():
        value = params[key]
        if key[0] == "b" and np.size(value) == shape[0] and np.ndim(value) == 2:
            value = np.reshape(value, shape)
        expect.shape(value, shape, what=f"params[{key!r}] from train_mlp")
        weights[key] = np.asarray(value, dtype=np.float64)
    return weights


def test_train_mlp_test_accuracy(submission, reference, rng, seed) -> None:
    """train_mlp's defaults must reach 75% accuracy on held-out test digits within 120 seconds."""
    weights = _weights(_train(submission, seed=seed)[0])
    test = load_digits(32)
    hidden = reference.nn.forward(test.test_x, weights, "layer1", reference.nn.sigmoid)
    probs = reference.nn.forward(hidden, weights, "output", reference.nn.softmax)
    accuracy = float(np.mean(np.argmax(probs, axis=1) == np.argmax(test.test_y, axis=1)))
    if accuracy < MIN_TEST_ACCURACY:
        expect.that(
            False,
            f"the trained network classifies {accuracy:.1%} of held-out test digits correctly; "
            f"it needs at least {MIN_TEST_ACCURACY:.0%}" + culprit(submission, rng, TESTED_BY),
        )


def test_train_mlp_loss_falls(submission, rng, seed) -> None:
    """train_mlp's history must hold one value per epoch, and the training loss must fall."""
    epochs = 5
    history = _train(submission, epochs=epochs, seed=seed)[1]
    series = {key: _numbers(history.get(key), epochs) for key in HISTORY}
    for key, values in series.items():
        expect.that(
            values is not None,
            f"history[{key!r}] must be a list with one number per epoch ({epochs} epochs)",
        )
    losses = series["train_loss"]
    if not (bool(np.all(np.isfinite(losses))) and losses[-1] < losses[0]):
        expect.that(
            False,
            "the training loss did not fall over 5 epochs; check the sign of the update and "
            "the gradient that enters the output layer (probs - y)"
            + culprit(submission, rng, TESTED_BY),
        )


def test_train_mlp_hidden_size(submission, reference, seed) -> None:
    """train_mlp must give layer1 hidden_size units and the output layer one unit per class, and report the validation accuracy of the weights it returns."""
    params, history = _train(submission, hidden_size=16, epochs=1, seed=seed)
    weights = _weights(params, 16)
    data = load_digits(32)
    hidden = reference.nn.forward(data.valid_x, weights, "layer1", reference.nn.sigmoid)
    probs = reference.nn.forward(hidden, weights, "output", reference.nn.softmax)
    accuracy = float(np.mean(np.argmax(probs, axis=1) == np.argmax(data.valid_y, axis=1)))
    reported = history.get("valid_acc")
    expect.that(
        isinstance(reported, list | tuple) and len(reported) == 1,
        "history['valid_acc'] must be a list with one number per epoch (1 epoch)",
    )
    last = reported[0]
    number = isinstance(last, int | float | np.generic) or (
        type(last) is np.ndarray and last.size == 1 and last.dtype.kind in "iuf"
    )
    expect.that(
        number and abs(float(np.reshape(last, ())) - accuracy) <= 1.5 / len(data.valid_x),
        "history['valid_acc'] after the last epoch must be the validation accuracy of the "
        "weights train_mlp returns",
    )
