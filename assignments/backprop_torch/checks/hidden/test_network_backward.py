"""Hidden checks, Part B: backward's SGD step against torch.autograd on the same weights.

Each check sets float32 W1, b1, W2 and b2 through the handle (the homework is float32
throughout), calls forward(x) and then backward(x, y_onehot, y_hat) with float32 inputs and
the true probabilities y_hat, reads the weights back, and compares the step (old - new) / lr
with autograd's gradient of torch's mean cross-entropy, computed here in float64 on the same
numbers. The tolerance is float32's. The lr, batch-mean and two-step checks compare your steps
with each other (needing only that they go downhill), so a wrong gradient is charged by the
step checks alone.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.checks import expect
from grader.checks.helpers import in_worker

from helpers import tensors
from helpers.functions import sigmoid

PARAMS = ("W1", "b1", "W2", "b2")
D, H, C, N = 6, 5, 4, 8
LR = 0.2
TOL = 1e-4  # float32: the step is a difference of two rounded weights, divided by lr


def _params(rng) -> dict[str, torch.Tensor]:
    shapes = {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}
    return {
        k: torch.from_numpy(rng.normal(size=s) / np.sqrt(s[0] if k[0] == "W" else 4)).float()
        for k, s in shapes.items()
    }


def _batch(rng, n: int = N) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.from_numpy(rng.normal(size=(n, D))).float()
    return x, torch.from_numpy(rng.integers(0, C, size=n))


def _autograd(params: dict, x: torch.Tensor, labels: torch.Tensor):
    """(float64 gradients of the mean cross-entropy by name, float32 probabilities y_hat)."""
    leaves = {k: v.double().clone().requires_grad_() for k, v in params.items()}
    logits = torch.sigmoid(x.double() @ leaves["W1"] + leaves["b1"]) @ leaves["W2"] + leaves["b2"]
    loss = torch.nn.functional.cross_entropy(logits, labels)
    grads = torch.autograd.grad(loss, list(leaves.values()))
    y_hat = torch.softmax(logits.detach(), dim=1).float()
    return dict(zip(PARAMS, grads, strict=True)), y_hat


def _onehot(labels: torch.Tensor) -> torch.Tensor:
    return torch.eye(C, dtype=torch.float32)[labels]


def _step(submission, params: dict, x, labels, lr: float = LR) -> dict[str, np.ndarray]:
    """The student's network after forward(x) and one backward: its new weights by name."""
    net = submission.network.FullyConnectedNetwork(D, C, H, in_worker(submission, sigmoid), lr)
    for key, value in params.items():
        setattr(net, key, value)
    _, y_hat = _autograd(params, x, labels)
    net.forward(x)
    net.backward(x, _onehot(labels), y_hat)
    return {k: tensors.tensor(getattr(net, k).fetch(), f"net.{k} after backward") for k in PARAMS}


def _check_step(name: str, new: dict, params: dict, grads: dict, lr: float, what: str) -> None:
    step = (params[name].double().numpy() - new[name]) / lr
    expect.rel_error_below(step, grads[name].numpy(), TOL, what=f"(old - new {name}) / lr {what}")


def _one_step(submission, rng, name: str) -> None:
    params, (x, labels) = _params(rng), _batch(rng)
    new = _step(submission, params, x, labels)
    grads, _ = _autograd(params, x, labels)
    _check_step(name, new, params, grads, LR, "after one backward")


def test_network_backward_step_w1(submission, rng) -> None:
    """backward must update W1 by -lr * x^T [(dL/dz2 W2^T) * h (1 - h)], with dL/dz2 = (y_hat - y) / N."""
    _one_step(submission, rng, "W1")


def test_network_backward_step_b1(submission, rng) -> None:
    """backward must update b1 by -lr times dL/dz1 summed over the batch."""
    _one_step(submission, rng, "b1")


def test_network_backward_step_w2(submission, rng) -> None:
    """backward must update W2 by -lr * h^T (y_hat - y) / N."""
    _one_step(submission, rng, "W2")


def test_network_backward_step_b2(submission, rng) -> None:
    """backward must update b2 by -lr times (y_hat - y) / N summed over the batch."""
    _one_step(submission, rng, "b2")


def _steps(new: dict, params: dict, lr: float) -> dict[str, np.ndarray]:
    return {k: (params[k].double().numpy() - new[k]) / lr for k in PARAMS}


def _downhill(steps: dict, grads: dict) -> None:
    """The step, all four parameters together, must point roughly along the gradient."""
    got = np.concatenate([steps[k].ravel() for k in PARAMS])
    want = np.concatenate([grads[k].numpy().ravel() for k in PARAMS])
    cosine = float(got @ want) / max(float(np.linalg.norm(got) * np.linalg.norm(want)), 1e-300)
    expect.that(
        cosine > 0.5,
        f"backward's step does not go downhill (cosine {cosine:.2f} with the gradient); "
        "test_network_backward_step_w1 and the other step checks say which gradient is off",
    )


def _same_steps(got: dict, want: dict, what: str) -> None:
    for name in PARAMS:
        expect.rel_error_below(got[name], want[name], TOL, what=f"(old - new {name}) / lr {what}")


def test_network_backward_uses_lr(submission, rng) -> None:
    """backward must step by the lr given to the constructor: with lr 0.37, (old - new) / lr must equal the step taken with lr 0.2."""
    params, (x, labels) = _params(rng), _batch(rng)
    grads, _ = _autograd(params, x, labels)
    base = _steps(_step(submission, params, x, labels, LR), params, LR)
    _downhill(base, grads)
    other = _steps(_step(submission, params, x, labels, 0.37), params, 0.37)
    _same_steps(other, base, "with lr = 0.37, against the same with lr = 0.2")


def test_network_backward_mean_over_batch(submission, rng) -> None:
    """backward must average over the batch: a batch with every example twice takes the same step."""
    params, (x, labels) = _params(rng), _batch(rng, 5)
    grads, _ = _autograd(params, x, labels)
    single = _steps(_step(submission, params, x, labels), params, LR)
    _downhill(single, grads)
    doubled = _step(submission, params, torch.cat([x, x]), torch.cat([labels, labels]))
    _same_steps(_steps(doubled, params, LR), single, "on a batch of 5 examples, twice")


def test_network_backward_two_steps(submission, rng) -> None:
    """A second forward + backward must start from the weights the first one left: it must equal one step from those weights taken by a fresh network."""
    params, first, second = _params(rng), _batch(rng), _batch(rng, 3)
    net = submission.network.FullyConnectedNetwork(D, C, H, in_worker(submission, sigmoid), LR)
    for key, value in params.items():
        setattr(net, key, value)

    def one_round(weights: dict, x: torch.Tensor, labels: torch.Tensor) -> dict[str, np.ndarray]:
        _, y_hat = _autograd(weights, x, labels)
        net.forward(x)
        net.backward(x, _onehot(labels), y_hat)
        return {
            k: tensors.tensor(getattr(net, k).fetch(), f"net.{k} after backward") for k in PARAMS
        }

    after_first = one_round(params, *first)
    grads, _ = _autograd(params, *first)
    _downhill(_steps(after_first, params, LR), grads)
    middle = {k: torch.from_numpy(v).float() for k, v in after_first.items()}
    got = _steps(one_round(middle, *second), middle, LR)
    want = _steps(_step(submission, middle, *second), middle, LR)
    _same_steps(got, want, "of the second step, against one step from the same weights")
