"""Hidden checks on training.py: each loop against the reference on the same model and batches.

The helpers below run in both processes from the same source: in yours they build the
DataLoader, the model and the optimiser; here they build identical ones for the reference
(same seed, same initial weights, same batch order). Your loop runs on ``device``, the
reference's on the CPU.
"""

from __future__ import annotations

import types

import numpy as np
import torch

from grader.checks import expect

HELPERS = '''
import types

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def make_loader(images, labels, batch_size, shuffle, seed):
    """A DataLoader over (images, labels); shuffled by a generator seeded with seed."""
    return DataLoader(
        TensorDataset(images.contiguous(), labels),
        batch_size=batch_size,
        shuffle=shuffle,
        generator=torch.Generator().manual_seed(seed),
    )


def small_classifier(seed, in_features, num_classes, device):
    """flatten -> fc(in_features -> 16, no bias) -> BatchNorm1d -> ReLU -> fc(16 -> num_classes)."""
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(in_features, 16, bias=False),  # BatchNorm1d adds the bias
        nn.BatchNorm1d(16),
        nn.ReLU(),
        nn.Linear(16, num_classes),
    )
    return model.to(device)


def sgd(model, lr, momentum=0.0):
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)


class GradientSpy(torch.optim.SGD):
    """SGD with lr 0, so the weights never move, that records the gradients at every step."""

    def __init__(self, params):
        super().__init__(params, lr=0.0)
        self.seen = []

    def step(self, closure=None):
        self.seen.append(
            [
                None if p.grad is None else p.grad.detach().cpu().clone()
                for group in self.param_groups
                for p in group["params"]
            ]
        )
        return super().step(closure)


def spy(model):
    return GradientSpy(model.parameters())


def parameters_of(model):
    """model's parameters in registration order, detached, as CPU tensors."""
    return [p.detach().cpu().clone() for p in model.parameters()]


def buffers_of(model):
    """model's floating-point buffers (BatchNorm's running mean and variance) as CPU tensors."""
    return [b.detach().cpu().clone() for b in model.buffers() if b.is_floating_point()]


helpers = types.SimpleNamespace(
    make_loader=make_loader,
    small_classifier=small_classifier,
    sgd=sgd,
    spy=spy,
    parameters_of=parameters_of,
    buffers_of=buffers_of,
)
'''


def _local() -> types.SimpleNamespace:
    """The same helpers, defined in this (trusted) process for the reference."""
    namespace: dict[str, object] = {}
    exec(compile(HELPERS, "<check helpers>", "exec"), namespace)  # noqa: S102 - our own source
    helpers = namespace["helpers"]
    assert isinstance(helpers, types.SimpleNamespace)
    return helpers


LOCAL = _local()
CHANNELS, SIDE, CLASSES = 3, 4, 4
FEATURES = CHANNELS * SIDE * SIDE


def _data(rng, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (n, 3, 4, 4) float32 and labels (n,) int64 in 0..3."""
    x = torch.from_numpy(rng.normal(size=(n, CHANNELS, SIDE, SIDE)).astype(np.float32))
    return x, torch.from_numpy(rng.integers(0, CLASSES, size=n).astype(np.int64))


def _tuple(got: object, names: tuple[str, ...], function: str) -> tuple:
    expect.that(
        type(got) is tuple and len(got) == len(names),
        f"{function} must return a tuple ({', '.join(names)}), not {type(got).__name__}",
    )
    assert isinstance(got, tuple)
    return got


def _floats(got: object, what: str) -> np.ndarray:
    expect.that(
        type(got) is list and all(type(v) in (float, int) for v in got),
        f"{what} must be a list of Python floats (use loss.item())",
    )
    return np.asarray(got, dtype=np.float64)


def _same_weights(got: list, model: torch.nn.Module, device: str, what: str) -> None:
    rtol, atol = expect.tolerance(device)
    for index, (mine, want) in enumerate(zip(got, model.parameters(), strict=True)):
        expect.close(
            mine.double().numpy(),
            want.detach().double().numpy(),
            rtol=rtol,
            atol=max(atol, 1e-6),
            what=f"{what}: parameter {index} of the model",
        )


def test_train_one_epoch_matches_reference(submission, reference, rng, seed, device) -> None:
    """train_one_epoch (SGD lr 0.1 momentum 0.9, batches of 8, log_interval 2, epoch 3) must log the same losses and counter, count the same correct predictions and leave the same weights as the reference."""
    x, y = _data(rng, 44)  # 6 batches, the last of 4 examples
    helpers = submission.define(HELPERS, "helpers")
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
    expect.that(
        counter == want[1],
        f"counter is {counter!r}: for epoch 3 of 44 examples in batches of 8, logging batches "
        "0, 2 and 4, it should count the examples seen before each logged batch since training "
        "began, (epoch - 1) * 44 + the examples of the epoch's earlier batches",
    )
    rtol, atol = expect.tolerance(device)
    expect.close(
        _floats(losses, "losses"),
        want[0],
        rtol=rtol,
        atol=max(atol, 1e-6),
        what="the logged losses",
    )
    expect.that(
        num_correct == want[2],
        f"num_correct is {num_correct!r}, which is not the number of the epoch's examples that the "
        "forward passes classified correctly (argmax of the logits against the batch's labels)",
    )
    _same_weights(helpers.parameters_of(model), ref_model, device, "after train_one_epoch")


def _batch_gradients(x: torch.Tensor, y: torch.Tensor, seed: int) -> list[torch.Tensor]:
    """The gradient of each batch's mean cross-entropy at the initial weights, flattened."""
    model = LOCAL.small_classifier(seed, FEATURES, CLASSES, "cpu")
    grads = []
    for data, target in LOCAL.make_loader(x, y, 8, True, seed):
        model.zero_grad()
        torch.nn.functional.cross_entropy(model(data), target).backward()
        grads.append(torch.cat([p.grad.reshape(-1) for p in model.parameters()]).double())
    return grads


def test_train_one_epoch_zero_grad(submission, rng, seed, device) -> None:
    """Each optimiser step must see only its own batch's gradient: call optimizer.zero_grad() before every loss.backward()."""
    x, y = _data(rng, 32)  # 4 batches of 8
    helpers = submission.define(HELPERS, "helpers")
    model = helpers.small_classifier(seed, FEATURES, CLASSES, device)
    spy = helpers.spy(model)  # lr 0: the weights stay at their initial values
    submission.training.train_one_epoch(
        helpers.make_loader(x, y, 8, True, seed), model, device, spy, 1, 1
    )
    seen = spy.seen.fetch()
    want = _batch_gradients(x, y, seed)
    expect.that(
        type(seen) is list and len(seen) == len(want),
        f"train_one_epoch called optimizer.step() {len(seen) if type(seen) is list else '?'} "
        f"times for {len(want)} batches; it should step once per batch",
    )
    tol = 1e-3 if device.startswith("cuda") else 1e-5
    for step, (grads, own) in enumerate(zip(seen, want, strict=True)):
        expect.that(
            all(type(g) is torch.Tensor for g in grads),
            f"at optimiser step {step + 1} some parameters have no gradient; call loss.backward() "
            "before optimizer.step()",
        )
        got = torch.cat([g.reshape(-1) for g in grads]).double()
        summed = torch.stack(want[: step + 1]).sum(dim=0)
        accumulated = step > 0 and _rel_error(got, summed) < tol
        expect.that(
            not accumulated,
            f"at optimiser step {step + 1} the gradient is the sum of the gradients of batches 1 to "
            f"{step + 1}: gradients accumulate because they are never cleared. Call "
            "optimizer.zero_grad() before each loss.backward()",
        )
        expect.rel_error_below(
            got.numpy(), own.numpy(), tol, what=f"the gradient at optimiser step {step + 1}"
        )


def _rel_error(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / max(float(a.norm() + b.norm()), 1e-30))


def test_train_one_epoch_sets_train_mode(submission, rng, seed, device) -> None:
    """train_one_epoch must put the model in train mode (model.train()), even if it was left in eval mode."""
    x, y = _data(rng, 24)
    helpers = submission.define(HELPERS, "helpers")
    model = helpers.small_classifier(seed, FEATURES, CLASSES, device)
    model.eval()  # as test_one_epoch leaves it
    before = helpers.buffers_of(model)
    submission.training.train_one_epoch(
        helpers.make_loader(x, y, 8, True, seed), model, device, helpers.sgd(model, 0.1), 1, 1
    )
    after = helpers.buffers_of(model)
    moved = any(not torch.equal(a, b) for a, b in zip(after, before, strict=True))
    expect.that(
        moved and model.training.fetch() is True,
        "after train_one_epoch the BatchNorm running statistics are unchanged or the model is in "
        "eval mode: training ran in eval mode. Call model.train() at the start of train_one_epoch",
    )


def test_test_one_epoch_matches_reference(submission, reference, rng, seed, device) -> None:
    """test_one_epoch must return the mean cross-entropy over all N examples (sum over examples / N, batches of 16 with a last one of 2) and the number classified correctly."""
    x, y = _data(rng, 50)
    helpers = submission.define(HELPERS, "helpers")
    model = helpers.small_classifier(seed, FEATURES, CLASSES, device)
    model.eval()
    got = submission.training.test_one_epoch(
        helpers.make_loader(x, y, 16, False, seed), model, device
    )
    avg_loss, num_correct = _tuple(got, ("avg_loss", "num_correct"), "test_one_epoch")
    ref_model = LOCAL.small_classifier(seed, FEATURES, CLASSES, "cpu").eval()
    want_loss, want_correct = reference.training.test_one_epoch(
        LOCAL.make_loader(x, y, 16, False, seed), ref_model, "cpu"
    )
    expect.that(
        type(avg_loss) is float, f"avg_loss must be a Python float, not {type(avg_loss).__name__}"
    )
    rtol, atol = expect.tolerance(device)
    expect.close(avg_loss, want_loss, rtol=rtol, atol=max(atol, 1e-6), what="avg_loss")
    expect.that(
        num_correct == want_correct,
        f"num_correct is {num_correct!r}, which is not the number of examples the argmax of the "
        "logits classifies correctly",
    )


def test_test_one_epoch_uses_eval_mode(submission, reference, rng, seed, device) -> None:
    """test_one_epoch must evaluate in eval mode (model.eval()): BatchNorm's running statistics must not change, and the loss must be the eval-mode loss."""
    x, y = _data(rng, 40)
    helpers = submission.define(HELPERS, "helpers")
    model = helpers.small_classifier(seed, FEATURES, CLASSES, device)  # in train mode
    before = helpers.buffers_of(model)
    got = submission.training.test_one_epoch(
        helpers.make_loader(x, y, 8, False, seed), model, device
    )
    avg_loss, _ = _tuple(got, ("avg_loss", "num_correct"), "test_one_epoch")
    after = helpers.buffers_of(model)
    expect.that(
        all(torch.equal(a, b) for a, b in zip(after, before, strict=True)),
        "test_one_epoch changed BatchNorm's running statistics: it ran the model in train mode. "
        "Call model.eval() before evaluating",
    )
    ref_model = LOCAL.small_classifier(seed, FEATURES, CLASSES, "cpu").eval()
    want_loss, _ = reference.training.test_one_epoch(
        LOCAL.make_loader(x, y, 8, False, seed), ref_model, "cpu"
    )
    rtol, atol = expect.tolerance(device)
    expect.close(
        avg_loss,
        want_loss,
        rtol=rtol,
        atol=max(atol, 1e-6),
        what="avg_loss of a model handed over in train mode",
    )


def test_train_model_matches_reference(submission, reference, rng, seed, device) -> None:
    """train_model (Adam lr 0.01, 3 epochs) must return the same per-epoch train and validation losses and leave the same weights as the reference."""
    train_x, train_y = _data(rng, 48)
    valid_x, valid_y = _data(rng, 32)
    helpers = submission.define(HELPERS, "helpers")
    model = helpers.small_classifier(seed, FEATURES, CLASSES, "cpu")
    got = submission.training.train_model(
        model,
        helpers.make_loader(train_x, train_y, 16, True, seed),
        helpers.make_loader(valid_x, valid_y, 16, False, seed),
        3,
        0.01,
        device,
    )
    _tuple(got, ("train_losses", "valid_losses"), "train_model")
    ref_model = LOCAL.small_classifier(seed, FEATURES, CLASSES, "cpu")
    want = reference.training.train_model(
        ref_model,
        LOCAL.make_loader(train_x, train_y, 16, True, seed),
        LOCAL.make_loader(valid_x, valid_y, 16, False, seed),
        3,
        0.01,
        "cpu",
    )
    rtol, atol = expect.tolerance(device)
    for name, mine, theirs in zip(("train_losses", "valid_losses"), got, want, strict=True):
        expect.close(
            _floats(mine, name),
            theirs,
            rtol=rtol,
            atol=max(atol, 1e-6),
            what=f"{name} (one per epoch: the mean batch loss, then the validation loss in eval mode)",
        )
    _same_weights(helpers.parameters_of(model), ref_model, device, "after train_model")
