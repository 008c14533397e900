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
from grader.checks.helpers import in_worker
from grader.datasets import load_digits

from helpers.functions import fit, sigmoid
from helpers.verdict import backward_verdict

D, H, C = 784, 64, 10
LR, EPOCHS, BATCH = 0.5, 15, 32
MIN_ACCURACY = 0.85
TESTED_BY = "test_network_backward_step_w1 and the other backward checks test it"


def test_network_train_digits_test_accuracy(submission, rng, seed) -> None:
    """15 epochs of forward + backward (H = 64, lr = 0.5, batches of 32) must classify 85% of held-out test digits."""
    data = load_digits(28)
    net = submission.network.FullyConnectedNetwork(D, C, H, in_worker(submission, sigmoid), LR)
    shapes = {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}
    for key, shape in shapes.items():
        scale = 1.0 / np.sqrt(shape[0]) if key[0] == "W" else 0.0
        setattr(net, key, torch.from_numpy((scale * rng.normal(size=shape)).astype(np.float32)))
    x = torch.from_numpy(data.train_x.astype(np.float32))
    y = torch.from_numpy(data.train_y.astype(np.float32))
    in_worker(submission, fit)(net, x, y, EPOCHS, BATCH, seed)
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
            f"correctly; it needs at least {MIN_ACCURACY:.0%}"
            + backward_verdict(submission, rng, TESTED_BY),
        )
