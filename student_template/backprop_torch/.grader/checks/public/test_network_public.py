"""Public checks, Part B: FullyConnectedNetwork's shapes, one SGD step, and training on digits.

Each check builds the network in your process and drives it through its handle. Everything is
float32, the homework's dtype. The step check sets W1, b1, W2 and b2 itself, then compares
your update with one computed here by torch.autograd in float64 on the same weights. The
sigmoid is passed in as activation_func.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.checks import expect
from grader.checks.helpers import in_worker
from grader.datasets import load_digits

from helpers import tensors
from helpers.functions import fit, sigmoid
from helpers.verdict import backward_verdict

PARAMS = ("W1", "b1", "W2", "b2")
HIDDEN, LR, EPOCHS, BATCH = 64, 0.5, 15, 32
MIN_ACCURACY = 0.85
TESTED_BY = "test_network_backward_one_step_small tests it"
TOL = 1e-4  # float32: the step is a difference of two rounded weights, divided by lr


def _params(rng, sizes: tuple[int, int, int]) -> dict[str, torch.Tensor]:
    """W1 (D, H), b1 (H,), W2 (H, C), b2 (C,), scaled like a sensible initialisation."""
    d, h, c = sizes
    shapes = {"W1": (d, h), "b1": (h,), "W2": (h, c), "b2": (c,)}
    return {
        k: torch.from_numpy(rng.normal(size=s) / np.sqrt(s[0] if k[0] == "W" else 4)).float()
        for k, s in shapes.items()
    }


def _network(submission, sizes: tuple[int, int, int], lr: float, params: dict):
    """The student's network (D, C, H order as in the constructor) with the given weights."""
    d, h, c = sizes
    net = submission.network.FullyConnectedNetwork(d, c, h, in_worker(submission, sigmoid), lr)
    for name, value in params.items():
        setattr(net, name, value)
    return net


def test_network_init_shapes(submission) -> None:
    """FullyConnectedNetwork(5, 3, 4, ...) must hold random W1 (5, 4), W2 (4, 3) and b1 (4,), b2 (3,)."""
    net = submission.network.FullyConnectedNetwork(5, 3, 4, in_worker(submission, sigmoid))
    for name, shape in zip(PARAMS, [(5, 4), (4,), (4, 3), (3,)], strict=True):
        value = tensors.tensor(getattr(net, name).fetch(), f"net.{name}")
        expect.shape(value, shape, what=f"net.{name}")
        if name[0] == "W":
            tensors.random_weights(value, f"net.{name}")


def test_network_backward_one_step_small(submission, rng) -> None:
    """backward must move W1, b1, W2, b2 by -lr times the gradient of the mean cross-entropy."""
    sizes, lr = (4, 3, 2), 0.5
    x = torch.from_numpy(rng.normal(size=(6, sizes[0]))).float()
    labels = torch.from_numpy(rng.integers(0, sizes[2], size=6))
    params = _params(rng, sizes)
    leaves = {k: v.double().clone().requires_grad_() for k, v in params.items()}
    logits = torch.sigmoid(x.double() @ leaves["W1"] + leaves["b1"]) @ leaves["W2"] + leaves["b2"]
    loss = torch.nn.functional.cross_entropy(logits, labels)  # the mean over the batch
    grads = dict(zip(PARAMS, torch.autograd.grad(loss, list(leaves.values())), strict=True))
    net = _network(submission, sizes, lr, params)
    net.forward(x)
    y_hat = torch.softmax(logits.detach(), 1).float()
    net.backward(x, torch.eye(sizes[2])[labels], y_hat)
    for name in PARAMS:
        new = tensors.tensor(getattr(net, name).fetch(), f"net.{name} after backward")
        step = (params[name].double().numpy() - new) / lr
        expect.rel_error_below(step, grads[name].numpy(), TOL, what=f"(old - new {name}) / lr")


def test_network_train_digits_valid_accuracy(submission, rng, seed) -> None:
    """15 epochs of forward + backward (H = 64, lr = 0.5, batches of 32) must classify 85% of validation digits."""
    data = load_digits(28)
    x = torch.from_numpy(data.train_x.astype(np.float32))
    y = torch.from_numpy(data.train_y.astype(np.float32))
    net = _network(submission, (784, HIDDEN, 10), LR, _params(rng, (784, HIDDEN, 10)))
    in_worker(submission, fit)(net, x, y, EPOCHS, BATCH, seed)
    probs = tensors.tensor(
        net.forward(torch.from_numpy(data.valid_x.astype(np.float32))), "forward(x)"
    )
    expect.shape(probs, (len(data.valid_x), 10), what="forward(valid_x)")
    accuracy = float(np.mean(np.argmax(probs, axis=1) == np.argmax(data.valid_y, axis=1)))
    if accuracy < MIN_ACCURACY:
        expect.that(
            False,
            f"after training, the network classifies {accuracy:.1%} of the validation digits "
            f"correctly; it needs at least {MIN_ACCURACY:.0%}"
            + backward_verdict(submission, rng, TESTED_BY),
        )
