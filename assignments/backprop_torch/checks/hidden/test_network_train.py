"""Hidden checks, Part B: training FullyConnectedNetwork on handwritten digits (28 x 28).

The check sets seeded float32 starting weights, sends the training split and runs a fixed
loop of forward + backward in your process. Only the test images go back for prediction: the
test labels stay here, where the accuracy is computed. Training can only be as good as the
backward step: when it falls short, the message says whether backward is to blame.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.checks import expect
from grader.datasets import load_digits

SIGMOID = """
import torch

def sigmoid(x):
    return torch.sigmoid(x)
"""

FIT = '''
import torch

def fit(net, x, y_onehot, epochs, batch_size, seed):
    """Mini-batch SGD through the network's own forward and backward, in a seeded order."""
    order_gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(x.shape[0], generator=order_gen)
        for start in range(0, x.shape[0], batch_size):
            idx = order[start : start + batch_size]
            y_hat = net.forward(x[idx])
            net.backward(x[idx], y_onehot[idx], y_hat)
'''

D, H, C = 784, 64, 10
LR, EPOCHS, BATCH = 0.5, 15, 32
MIN_ACCURACY = 0.85


def backward_verdict(submission, rng) -> str:
    """Why training may fall short: '' when one backward step on a small float32 problem matches
    autograd, else a sentence that names the check testing the step."""
    d, h, c, n, lr = 5, 4, 3, 6, 0.5
    shapes = {"W1": (d, h), "b1": (h,), "W2": (h, c), "b2": (c,)}
    params = {k: torch.from_numpy(rng.normal(scale=0.5, size=s)).float() for k, s in shapes.items()}
    x = torch.from_numpy(rng.normal(size=(n, d))).float()
    labels = torch.from_numpy(rng.integers(0, c, size=n))
    leaves = {k: v.double().requires_grad_() for k, v in params.items()}
    logits = torch.sigmoid(x.double() @ leaves["W1"] + leaves["b1"]) @ leaves["W2"] + leaves["b2"]
    loss = torch.nn.functional.cross_entropy(logits, labels)
    grads = dict(zip(shapes, torch.autograd.grad(loss, list(leaves.values())), strict=True))
    try:
        net = submission.network.FullyConnectedNetwork(
            d, c, h, submission.define(SIGMOID, "sigmoid"), lr
        )
        for key, value in params.items():
            setattr(net, key, value)
        net.forward(x)
        net.backward(x, torch.eye(c)[labels], torch.softmax(logits.detach(), dim=1).float())
        wrong = []
        for key in shapes:
            new = getattr(net, key).fetch()
            step = (params[key].double() - new.detach().double()) / lr
            err = float((step - grads[key]).norm() / (step.norm() + grads[key].norm() + 1e-30))
            if not err < 1e-3:
                wrong.append(key)
    except Exception:  # a raise, a bad reply: the backward checks report the details
        wrong = list(shapes)
    if not wrong:
        return ""
    return (
        f"; the cause is probably backward, not training: one forward + backward step moves "
        f"{', '.join(wrong)} differently from the gradient of the mean cross-entropy "
        "(test_network_backward_step_w1 and the other backward checks test it); fix backward first"
    )


def test_network_train_digits_test_accuracy(submission, rng, seed) -> None:
    """15 epochs of forward + backward (H = 64, lr = 0.5, batches of 32) must classify 85% of held-out test digits."""
    data = load_digits(28)
    net = submission.network.FullyConnectedNetwork(
        D, C, H, submission.define(SIGMOID, "sigmoid"), LR
    )
    shapes = {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}
    for key, shape in shapes.items():
        scale = 1.0 / np.sqrt(shape[0]) if key[0] == "W" else 0.0
        setattr(net, key, torch.from_numpy((scale * rng.normal(size=shape)).astype(np.float32)))
    x = torch.from_numpy(data.train_x.astype(np.float32))
    y = torch.from_numpy(data.train_y.astype(np.float32))
    submission.define(FIT, "fit")(net, x, y, EPOCHS, BATCH, seed)
    probs = net.forward(torch.from_numpy(data.test_x.astype(np.float32)))
    expect.that(
        type(probs) is torch.Tensor,
        f"forward(x) must return a torch.Tensor, not a {type(probs).__name__}",
    )
    probs = probs.detach().double().numpy()
    expect.that(
        probs.shape == (len(data.test_x), C),
        f"forward(test_x) must return one row of {C} probabilities per test image",
    )
    accuracy = float(np.mean(probs.argmax(axis=1) == data.test_y.argmax(axis=1)))
    if accuracy < MIN_ACCURACY:
        expect.that(
            False,
            f"after training, the network classifies {accuracy:.1%} of held-out test digits "
            f"correctly; it needs at least {MIN_ACCURACY:.0%}" + backward_verdict(submission, rng),
        )
