"""Hidden checks on training.py: each loop against the reference on the same model and batches.

The helpers below run in both processes from the same source: in yours they build the
DataLoader, the model and the optimiser; here they build identical ones for the reference
(same seed, same initial weights, same batch order). Your loop runs on ``device``, the
reference's on the CPU.

The model these checks hand your loops ends in log_softmax, so its outputs are class scores
and log-probabilities at once: F.cross_entropy and F.nll_loss give the same loss on it, and
a loop written for either kind of model passes. Each check tests one property; where a check
depends on another part of your code, its message names the check that tests that part.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.checks import expect
from grader.checks.helpers import in_worker, namespace
from grader.errors import CheckFailed, SubmissionRaised

from helpers import state, training_probes, training_worker

LOCAL = namespace(training_worker, state, training_probes)  # in_worker's order
"""The same helpers as in the worker, in this (trusted) process for the reference."""
CHANNELS, SIDE, CLASSES = 3, 4, 4
FEATURES = CHANNELS * SIDE * SIDE


def _data(rng, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (n, 3, 4, 4) float32 and labels (n,) int64 in 0..3."""
    x = torch.from_numpy(rng.normal(size=(n, CHANNELS, SIDE, SIDE)).astype(np.float32))
    return x, torch.from_numpy(rng.integers(0, CLASSES, size=n).astype(np.int64))


def _tuple(got: object, names: tuple[str, ...], function: str) -> tuple:
    expect.that(
        type(got) in (tuple, list) and len(got) == len(names),  # type: ignore[arg-type]
        f"{function} must return a tuple ({', '.join(names)}), not {type(got).__name__}",
    )
    assert isinstance(got, tuple | list)
    return tuple(got)


def _number(value: object) -> float | None:
    """value as a float where float() takes it: a Python or numpy number, or a one-element
    array or tensor (a 0-d loss tensor); None for anything else, booleans included."""
    if isinstance(value, bool | np.bool_):
        return None
    if type(value) in (int, float) or isinstance(value, np.integer | np.floating):
        return float(value)  # type: ignore[arg-type]
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        real = value.is_floating_point() or (not value.is_complex() and value.dtype != torch.bool)
        return float(value.reshape(())) if real else None
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        return float(value.reshape(()))
    return None


def _floats(got: object, what: str) -> np.ndarray:
    """A list of numbers as float64, or a failure saying what the handout asks for."""
    values = [_number(v) for v in got] if type(got) in (list, tuple) else None  # type: ignore[union-attr]
    expect.that(
        values is not None and all(v is not None for v in values),
        f"{what} must be a list of numbers (loss.item() gives a Python float), not "
        f"{type(got).__name__}"
        + (f" of {type(got[0]).__name__}" if type(got) in (list, tuple) and got else ""),  # type: ignore[index]
    )
    return np.asarray(values, dtype=np.float64)


def _count(got: object) -> int | None:
    """A whole number (int, numpy integer, 37.0, a one-element tensor) as an int, else None."""
    value = _number(got)
    return int(value) if value is not None and float(value).is_integer() else None


def _same_weights(got: list, model: torch.nn.Module, device: str, what: str) -> str | None:
    """None if the worker's parameters match the model's, else a description of the first that does not."""
    rtol, atol = expect.tolerance(device)
    for index, (mine, want) in enumerate(zip(got, model.parameters(), strict=True)):
        if not np.allclose(
            mine.double().numpy(), want.detach().double().numpy(), rtol=rtol, atol=max(atol, 1e-6)
        ):
            error = float((mine.double() - want.detach().double()).abs().max())
            return f"{what}, parameter {index} of the model is off by up to {error:.1e}"
    return None


def test_train_one_epoch_matches_reference(submission, reference, rng, seed, device) -> None:
    """train_one_epoch (SGD lr 0.1 momentum 0.9, batches of 8, log_interval 2, epoch 3) must log the same losses and counter, count the same correct predictions and leave the same weights as the reference."""
    x, y = _data(rng, 44)  # 6 batches, the last of 4 examples
    helpers = in_worker(submission, training_worker, state, training_probes)
    model = helpers.small_classifier(seed, FEATURES, CLASSES, device)
    got = submission.training.train_one_epoch(
        helpers.make_loader(x, y, 8, True, seed), model, device, helpers.sgd(model, 0.1, 0.9), 2, 3
    )
    losses, counter, num_correct = _tuple(
        got, ("losses", "counter", "num_correct"), "train_one_epoch"
    )
    ref_model = LOCAL.small_classifier(seed, FEATURES, CLASSES, "cpu")
    want = reference.training.train_one_epoch(
        LOCAL.make_loader(x, y, 8, True, seed),
        ref_model,
        "cpu",
        LOCAL.sgd(ref_model, 0.1, 0.9),
        2,
        3,
    )
    counts = [_count(c) for c in counter] if type(counter) in (list, tuple) else None
    expect.that(
        counts == want[1],
        f"counter is {counter!r}: for epoch 3 of 44 examples in batches of 8, logging batches "
        "0, 2 and 4, it should count the examples seen before each logged batch since training "
        "began, (epoch - 1) * 44 + the examples of the epoch's earlier batches",
    )
    rtol, atol = expect.tolerance(device)
    got_losses = _floats(losses, "losses")
    expect.shape(got_losses, (len(want[0]),), what="losses (one per logged batch)")
    first_ok = np.allclose(got_losses[:1], want[0][:1], rtol=rtol, atol=max(atol, 1e-6))
    expect.close(
        got_losses,
        want[0],
        rtol=rtol,
        atol=max(atol, 1e-6),
        what="the logged losses (each batch's mean cross-entropy, before its optimiser step)"
        + (
            ": the first batch's loss is right, so the optimiser steps differ (one step per "
            "batch after loss.backward(); if test_train_one_epoch_zero_grad fails, fix that "
            "first)"
            if first_ok
            else ""
        ),
    )
    expect.that(
        _count(num_correct) == want[2],
        f"num_correct is {num_correct!r}, which is not the number of the epoch's examples that the "
        "forward passes classified correctly (argmax of the outputs against the batch's labels)",
    )
    off = _same_weights(helpers.parameters_of(model), ref_model, device, "after train_one_epoch")
    expect.that(
        off is None,
        f"{off}: the losses match, so the steps differ. Step once per batch, after "
        "loss.backward(); if test_train_one_epoch_zero_grad fails too, fix that first",
    )


def test_train_one_epoch_zero_grad(submission, rng, seed, device) -> None:
    """Each optimiser step must see only its own batch's gradient: call optimizer.zero_grad() before every loss.backward()."""
    x, y = _data(rng, 8)
    steps = 4  # the same batch of 8, four times: cleared gradients are the same at every step
    helpers = in_worker(submission, training_worker, state, training_probes)
    model = helpers.small_classifier(seed, FEATURES, CLASSES, device)
    spy = helpers.spy(model)  # lr 0: the weights stay at their initial values
    loader = helpers.make_loader(x.repeat(steps, 1, 1, 1), y.repeat(steps), 8, False, seed)
    submission.training.train_one_epoch(loader, model, device, spy, 1, 1)
    seen = spy.seen.fetch()
    expect.that(
        type(seen) is list and len(seen) == steps,
        f"train_one_epoch called optimizer.step() {len(seen) if type(seen) is list else '?'} "
        f"times for {steps} batches; it should step once per batch",
    )
    expect.that(
        all(type(g) is torch.Tensor for g in seen[0]),
        "at the first optimiser step some parameters have no gradient; call loss.backward() "
        "before optimizer.step()",
    )
    first = torch.cat([g.reshape(-1) for g in seen[0]]).double()
    expect.that(
        float(first.norm()) > 0,
        "at the first optimiser step every gradient is zero: call optimizer.zero_grad() before "
        "loss.backward(), not between loss.backward() and optimizer.step()",
    )
    tol = 1e-3 if device.startswith("cuda") else 1e-5
    for step, grads in enumerate(seen[1:], start=2):
        expect.that(
            all(type(g) is torch.Tensor for g in grads),
            f"at optimiser step {step} some parameters have no gradient; call loss.backward() "
            "before optimizer.step()",
        )
        got = torch.cat([g.reshape(-1) for g in grads]).double()
        expect.that(
            not _rel_error(got, step * first) < tol,
            f"at optimiser step {step} the gradient is {step} times that of step 1 on the same "
            "batch: gradients accumulate because they are never cleared. Call "
            "optimizer.zero_grad() before each loss.backward()",
        )
        error = _rel_error(got, first)
        expect.that(
            error < tol,
            f"every batch is the same and the weights do not move (lr 0), yet the gradient at "
            f"optimiser step {step} differs from step 1's (relative error {error:.1e}): clear "
            "the gradients (optimizer.zero_grad()) before each loss.backward(), and backpropagate "
            "each batch's loss once",
        )


def _rel_error(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / max(float(a.norm() + b.norm()), 1e-30))


def test_train_one_epoch_sets_train_mode(submission, rng, seed, device) -> None:
    """train_one_epoch must put the model in train mode (model.train()), even if it was left in eval mode."""
    x, y = _data(rng, 24)
    helpers = in_worker(submission, training_worker, state, training_probes)
    model = helpers.small_classifier(seed, FEATURES, CLASSES, device)
    model.eval()  # as test_one_epoch leaves it
    submission.training.train_one_epoch(
        helpers.make_loader(x, y, 8, True, seed), model, device, helpers.sgd(model, 0.1), 1, 1
    )
    modes = helpers.modes_seen(model)
    expect.that(len(modes) > 0, "train_one_epoch never ran the model on a batch")
    in_eval = modes.count(False)
    expect.that(
        in_eval == 0,
        f"{in_eval} of train_one_epoch's {len(modes)} forward passes ran in eval mode, on a "
        "model handed over in eval mode (as test_one_epoch leaves it). Call model.train() at the "
        "start of train_one_epoch",
    )


def test_test_one_epoch_matches_reference(submission, reference, rng, seed, device) -> None:
    """test_one_epoch must return the mean cross-entropy over all N examples (sum over examples / N, batches of 16 with a last one of 2) and the number classified correctly."""
    x, y = _data(rng, 50)
    helpers = in_worker(submission, training_worker, state, training_probes)
    model = helpers.small_classifier(seed, FEATURES, CLASSES, device)
    model.eval()  # test_test_one_epoch_uses_eval_mode checks that test_one_epoch does this
    got = submission.training.test_one_epoch(
        helpers.make_loader(x, y, 16, False, seed), model, device
    )
    avg_loss, num_correct = _tuple(got, ("avg_loss", "num_correct"), "test_one_epoch")
    ref_model = LOCAL.small_classifier(seed, FEATURES, CLASSES, "cpu").eval()
    want_loss, want_correct = reference.training.test_one_epoch(
        LOCAL.make_loader(x, y, 16, False, seed), ref_model, "cpu"
    )
    loss = _number(avg_loss)
    expect.that(
        loss is not None,
        f"avg_loss must be a number (loss.item() gives a Python float), not {type(avg_loss).__name__}",
    )
    rtol, atol = expect.tolerance(device)
    expect.close(
        loss,
        want_loss,
        rtol=rtol,
        atol=max(atol, 1e-6),
        what="avg_loss (the sum of the per-example losses divided by the number of examples)",
    )
    expect.that(
        _count(num_correct) == want_correct,
        f"num_correct is {num_correct!r}, which is not the number of examples the argmax of the "
        "outputs classifies correctly",
    )


def test_test_one_epoch_uses_eval_mode(submission, rng, seed, device) -> None:
    """test_one_epoch must evaluate in eval mode (model.eval()), so that BatchNorm uses and keeps its running statistics."""
    x, y = _data(rng, 40)
    helpers = in_worker(submission, training_worker, state, training_probes)
    model = helpers.small_classifier(seed, FEATURES, CLASSES, device)  # in train mode
    before = helpers.buffers_of(model)
    submission.training.test_one_epoch(helpers.make_loader(x, y, 8, False, seed), model, device)
    modes = helpers.modes_seen(model)
    expect.that(len(modes) > 0, "test_one_epoch never ran the model on a batch")
    in_train = modes.count(True)
    expect.that(
        in_train == 0,
        f"{in_train} of test_one_epoch's {len(modes)} forward passes ran in train mode, on a "
        "model handed over in train mode (as train_one_epoch leaves it). Call model.eval() "
        "before evaluating",
    )
    after = helpers.buffers_of(model)
    expect.that(
        all(torch.equal(a, b) for a, b in zip(after, before, strict=True)),
        "test_one_epoch changed BatchNorm's running statistics; evaluating must leave the model "
        "as it was (model.eval(), and no optimiser steps)",
    )


def _train_model_curves(submission, helpers, data: tuple, seed: int, device: str) -> object:
    """What train_model's docstring says it does, done with your own train_one_epoch and
    test_one_epoch: (train_losses, valid_losses, a handle to the trained model)."""
    train_x, train_y, valid_x, valid_y = data
    model = helpers.small_classifier(seed, FEATURES, CLASSES, "cpu")
    model.to(device)
    optimizer = helpers.adam(model, 0.01)
    train_loader = helpers.make_loader(train_x, train_y, 16, True, seed)
    valid_loader = helpers.make_loader(valid_x, valid_y, 16, False, seed)
    train_losses, valid_losses = [], []
    for epoch in range(1, 4):
        got = _tuple(
            submission.training.train_one_epoch(train_loader, model, device, optimizer, 1, epoch),
            ("losses", "counter", "num_correct"),
            "train_one_epoch",
        )
        losses = _floats(got[0], "train_one_epoch's losses")
        train_losses.append(float(losses.mean()) if losses.size else float("nan"))
        valid = _tuple(
            submission.training.test_one_epoch(valid_loader, model, device),
            ("avg_loss", "num_correct"),
            "test_one_epoch",
        )
        valid_losses.append(_number(valid[0]))
    return train_losses, valid_losses, model


def _curves_agree(got: tuple, want: tuple, device: str) -> bool:
    rtol, atol = expect.tolerance(device)
    try:
        return all(
            np.allclose(
                np.asarray(mine, dtype=np.float64),
                np.asarray(theirs, dtype=np.float64),
                rtol=rtol,
                atol=max(atol, 1e-6),
            )
            for mine, theirs in zip(got, want, strict=True)
        )
    except (TypeError, ValueError):
        return False


def test_train_model_matches_reference(submission, reference, rng, seed, device) -> None:
    """train_model (Adam lr 0.01, 3 epochs) must return the per-epoch train and validation losses of one train_one_epoch and one test_one_epoch pass per epoch, and leave the trained weights."""
    data = (*_data(rng, 48), *_data(rng, 32))
    train_x, train_y, valid_x, valid_y = data
    helpers = in_worker(submission, training_worker, state, training_probes)
    model = helpers.small_classifier(seed, FEATURES, CLASSES, "cpu")
    got = _tuple(
        submission.training.train_model(
            model,
            helpers.make_loader(train_x, train_y, 16, True, seed),
            helpers.make_loader(valid_x, valid_y, 16, False, seed),
            3,
            0.01,
            device,
        ),
        ("train_losses", "valid_losses"),
        "train_model",
    )
    curves = tuple(
        _floats(mine, name)
        for mine, name in zip(got, ("train_losses", "valid_losses"), strict=True)
    )
    ref_model = LOCAL.small_classifier(seed, FEATURES, CLASSES, "cpu")
    want = reference.training.train_model(
        ref_model,
        LOCAL.make_loader(train_x, train_y, 16, True, seed),
        LOCAL.make_loader(valid_x, valid_y, 16, False, seed),
        3,
        0.01,
        "cpu",
    )
    weights = helpers.parameters_of(model)
    if (
        _curves_agree(curves, want, device)
        and _same_weights(weights, ref_model, device, "") is None
    ):
        return
    # Your train_one_epoch or test_one_epoch may differ from the reference (their own checks
    # charge that): then train_model must agree with them, called as its docstring says.
    try:
        own_train, own_valid, own_model = _train_model_curves(
            submission, helpers, data, seed, device
        )
        own_weights = helpers.parameters_of(own_model)
    except (CheckFailed, SubmissionRaised):
        pass  # the loops' own checks report how they fail
    else:
        same_weights = all(
            torch.allclose(a.double(), b.double(), rtol=1e-4, atol=1e-6)
            for a, b in zip(weights, own_weights, strict=True)
        )
        initial = LOCAL.small_classifier(seed, FEATURES, CLASSES, "cpu").parameters()
        trained = any(
            not torch.allclose(a.double(), b.detach().double(), rtol=1e-4, atol=1e-6)
            for a, b in zip(own_weights, initial, strict=True)
        )
        if trained and same_weights and _curves_agree(curves, (own_train, own_valid), device):
            return
    rtol, atol = expect.tolerance(device)
    for name, mine, theirs in zip(("train_losses", "valid_losses"), curves, want, strict=True):
        expect.close(
            mine,
            theirs,
            rtol=rtol,
            atol=max(atol, 1e-6),
            what=f"{name} (one per epoch: the mean of the epoch's batch losses, then the "
            "validation loss in eval mode); they also differ from what your own train_one_epoch "
            "and test_one_epoch give when train_model's docstring is followed",
        )
    expect.that(
        False,
        "the losses match but the weights after train_model do not: make one "
        "torch.optim.Adam(model.parameters(), lr=lr) before the first epoch and train with it",
    )
