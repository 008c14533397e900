"""Hidden checks, Part B: training FullyConnectedNetwork on handwritten digits (28 x 28).

The check sets seeded starting weights, sends the training split and runs a fixed loop of
forward + backward in your process. Only the test images go back for prediction: the test
labels stay here, where the accuracy is computed.
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
    expect.shape(probs.detach().double().numpy(), (len(data.test_x), C), what="forward(test_x)")
    predicted = probs.detach().double().numpy().argmax(axis=1)
    accuracy = float(np.mean(predicted == data.test_y.argmax(axis=1)))
    expect.that(
        accuracy >= MIN_ACCURACY,
        f"after training, the network classifies {accuracy:.1%} of held-out test digits "
        f"correctly; it needs at least {MIN_ACCURACY:.0%}",
    )
