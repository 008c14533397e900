"""Public checks on training.py: what each loop returns, and that train_model learns.

DataLoaders cannot be sent to your process, so the check sends images and labels and a small
helper builds the DataLoader there (TensorDataset, a fixed batch size, shuffled by a seeded
generator). The model is a small classifier the check defines, not one of yours, so these
checks test training.py alone. It ends in log_softmax, so F.cross_entropy and F.nll_loss give
the same loss on it: a loop written for either kind of model passes.

Numbers may come back as Python numbers, numpy scalars or one-element tensors: anything
float() accepts, as long as it holds the right value.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.checks import expect
from grader.checks.helpers import in_worker

from helpers import training_worker

CHANNELS, SIDE, CLASSES = 3, 4, 4
FEATURES = CHANNELS * SIDE * SIDE


def _data(rng, n: int, learnable: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (n, 3, 4, 4) float32 and labels (n,) int64; learnable: labels from a fixed linear rule."""
    x = rng.normal(size=(n, CHANNELS, SIDE, SIDE)).astype(np.float32)
    if learnable:
        rule = np.random.default_rng(0).normal(size=(FEATURES, CLASSES))
        y = (x.reshape(n, -1) @ rule).argmax(axis=1)
    else:
        y = rng.integers(0, CLASSES, size=n)
    return torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))


def _is_number(value: object, kind: type) -> bool:
    """Whether float() (for kind float) or int() (for kind int, whole numbers) takes value:
    Python and numpy numbers, one-element arrays and tensors; never a bool."""
    if isinstance(value, bool | np.bool_):
        return False
    if isinstance(value, torch.Tensor | np.ndarray):
        if value.size == 1 if isinstance(value, np.ndarray) else value.numel() == 1:
            value = value.reshape(()).tolist()
        else:
            return False
    if type(value) is bool or not isinstance(value, int | float | np.integer | np.floating):
        return False
    return kind is float or float(value).is_integer()


def test_train_one_epoch_returns(submission, rng, seed, device) -> None:
    """train_one_epoch must return (losses, counter, num_correct): a positive loss per logged batch, a growing count of examples per logged batch, and an int."""
    helpers = in_worker(submission, training_worker)
    x, y = _data(rng, 40)
    loader = helpers.make_loader(x, y, 8, True, seed)  # 5 batches: log_interval 2 logs 0, 2, 4
    model = helpers.small_classifier(seed, FEATURES, CLASSES, device)
    optimizer = helpers.sgd(model, 0.1)
    got = submission.training.train_one_epoch(loader, model, device, optimizer, 2, 1)
    expect.that(
        type(got) is tuple and len(got) == 3,
        f"train_one_epoch must return a tuple (losses, counter, num_correct), not {type(got).__name__}",
    )
    losses, counter, num_correct = got
    for name, value, kind in (("losses", losses, float), ("counter", counter, int)):
        expect.that(
            type(value) is list and all(_is_number(v, kind) for v in value),
            f"{name} must be a list of {'numbers' if kind is float else 'whole numbers'} "
            "(loss.item() gives a Python float), "
            f"not {type(value).__name__}"
            + (f" of {type(value[0]).__name__}" if type(value) is list and value else ""),
        )
        expect.that(
            len(value) == 3,
            f"with 5 batches and log_interval 2, batches 0, 2 and 4 are logged, so {name} needs 3 "
            f"entries; it has {len(value)}",
        )
    expect.that(
        all(float(v) > 0 and np.isfinite(float(v)) for v in losses),
        "every logged loss must be a positive number: cross-entropy is above 0 unless the "
        f"model is certain and right, and this one is not (losses {[float(v) for v in losses]})",
    )
    steps = np.diff([float(c) for c in counter])
    expect.that(
        bool(np.all(steps > 0)),
        f"counter must grow from one logged batch to the next (it counts the examples seen "
        f"before each), but it is {[float(c) for c in counter]}",
    )
    expect.that(
        _is_number(num_correct, int) and 0 <= float(num_correct) <= 40,
        f"num_correct must be an int between 0 and 40 (the epoch's examples), not {num_correct!r}",
    )


def test_test_one_epoch_returns(submission, rng, seed, device) -> None:
    """test_one_epoch must return (avg_loss, num_correct): a positive float and an int between 0 and N."""
    helpers = in_worker(submission, training_worker)
    x, y = _data(rng, 30)
    loader = helpers.make_loader(x, y, 10, False, seed)
    model = helpers.small_classifier(seed, FEATURES, CLASSES, device)
    got = submission.training.test_one_epoch(loader, model, device)
    expect.that(
        type(got) is tuple and len(got) == 2,
        f"test_one_epoch must return a tuple (avg_loss, num_correct), not {type(got).__name__}",
    )
    avg_loss, num_correct = got
    expect.that(
        _is_number(avg_loss, float) and np.isfinite(float(avg_loss)) and float(avg_loss) > 0,
        f"avg_loss must be a positive number (loss.item() gives a Python float), not {avg_loss!r}",
    )
    expect.that(
        _is_number(num_correct, int) and 0 <= float(num_correct) <= 30,
        f"num_correct must be an int between 0 and 30 (the examples), not {num_correct!r}",
    )


def test_train_model_loss_falls(submission, rng, seed, device) -> None:
    """train_model must return 5 train and 5 validation losses, the train loss falling every epoch on an easy problem."""
    helpers = in_worker(submission, training_worker)
    train_x, train_y = _data(rng, 256, learnable=True)
    valid_x, valid_y = _data(rng, 64, learnable=True)
    train = helpers.make_loader(train_x, train_y, 32, True, seed)
    valid = helpers.make_loader(valid_x, valid_y, 32, False, seed)
    model = helpers.small_classifier(seed, FEATURES, CLASSES, device)
    got = submission.training.train_model(model, train, valid, 5, 0.01, device)
    expect.that(
        type(got) is tuple and len(got) == 2,
        f"train_model must return a tuple (train_losses, valid_losses), not {type(got).__name__}",
    )
    for name, losses in zip(("train_losses", "valid_losses"), got, strict=True):
        expect.that(
            type(losses) is list and len(losses) == 5 and all(_is_number(v, float) for v in losses),
            f"{name} must be a list of 5 numbers, one per epoch (float(), np.mean() and "
            ".item() all give one)",
        )
    train_losses, valid_losses = ([float(v) for v in losses] for losses in got)
    rising = [e + 2 for e in range(4) if not train_losses[e + 1] < train_losses[e]]
    expect.that(
        not rising,
        f"the train loss did not fall in epoch(s) {rising} (losses {np.round(train_losses, 3).tolist()}); "
        "is the optimiser stepping, and are gradients cleared each batch?",
    )
    expect.that(
        valid_losses[-1] < valid_losses[0],
        "the validation loss after 5 epochs is not below the one after the first epoch",
    )
