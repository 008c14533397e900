"""Hidden checks: train_mlp on handwritten digits (sklearn's, upsampled to 32x32).

Training and validation images go to the worker; the test split, labels included, never
does. Test accuracy is measured here, with the reference's forward pass.
"""

from __future__ import annotations

import numpy as np

from grader.checks import expect
from grader.datasets import load_digits

HISTORY = ("train_loss", "train_acc", "valid_loss", "valid_acc")
MIN_TEST_ACCURACY = 0.75


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


def _weights(params: dict, hidden: int | None = None) -> dict[str, np.ndarray]:
    """The four trained arrays, checked for shape; hidden=None accepts any hidden width."""
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
    for key, shape in shapes.items():
        expect.shape(params[key], shape, what=f"params[{key!r}] from train_mlp")
    return {key: np.asarray(params[key], dtype=np.float64) for key in shapes}


def test_train_mlp_test_accuracy(submission, reference, seed) -> None:
    """train_mlp's defaults must reach 75% accuracy on held-out test digits within 120 seconds."""
    weights = _weights(_train(submission, seed=seed)[0])
    test = load_digits(32)
    hidden = reference.nn.forward(test.test_x, weights, "layer1", reference.nn.sigmoid)
    probs = reference.nn.forward(hidden, weights, "output", reference.nn.softmax)
    accuracy = float(np.mean(np.argmax(probs, axis=1) == np.argmax(test.test_y, axis=1)))
    expect.that(
        accuracy >= MIN_TEST_ACCURACY,
        f"the trained network classifies {accuracy:.1%} of held-out test digits correctly; "
        f"it needs at least {MIN_TEST_ACCURACY:.0%}",
    )


def test_train_mlp_loss_falls(submission, seed) -> None:
    """train_mlp's history must hold one value per epoch, and the training loss must fall."""
    epochs = 5
    history = _train(submission, epochs=epochs, seed=seed)[1]
    for key in HISTORY:
        expect.that(
            key in history and np.ndim(history[key]) == 1 and len(history[key]) == epochs,
            f"history[{key!r}] must be a list with one number per epoch ({epochs} epochs)",
        )
    losses = np.asarray(history["train_loss"], dtype=np.float64)
    expect.that(
        bool(np.all(np.isfinite(losses))) and losses[-1] < losses[0],
        "the training loss did not fall over 5 epochs; check the sign of the update and "
        "the gradient that enters the output layer (probs - y)",
    )


def test_train_mlp_hidden_size(submission, seed) -> None:
    """train_mlp must give layer1 hidden_size units and the output layer one unit per class."""
    _weights(_train(submission, hidden_size=16, epochs=1, seed=seed)[0], 16)
