"""Public checks, Part C: the UMD functions' gradients and a toy training run.

Your functions get float32 tensors, the homework's dtype. Gradients are compared with central
differences in float64, computed here with a forward pass of this file's own on the same
(float32) numbers, with a float32 tolerance. The toy problem is drawn from the check's seed.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.checks import expect

from helpers import umd_net


def test_umd_backward_grads_small(submission, rng) -> None:
    """backward_propagate_error on forward_propagation's cache must give dL/dW and dL/db of L = sum(grad_x * outputs)."""
    network = umd_net.network(rng, [3, 4, 2])
    x = torch.from_numpy(rng.normal(size=(5, 3))).float()
    G = torch.from_numpy(rng.normal(size=(5, 2))).float()
    result = submission.umd.forward_propagation(network, x)
    expect.that(
        isinstance(result, list | tuple) and len(result) == 2,
        "forward_propagation must return a pair (outputs, input_cache)",
    )
    grads = umd_net.grads(submission.umd.backward_propagate_error(network, result[1], G), 2)
    for i in range(2):
        for key in ("W", "b"):
            want = umd_net.central_differences(network, x, G, i, key)
            got = grads[i][key].detach().double().numpy()
            expect.rel_error_below(got, want, 1e-4, what=f"grads[{i}][{key!r}]")


def test_umd_train_toy_loss_falls(submission, rng) -> None:
    """train on a 10-example toy problem (4 features, 3 classes, lr 1.0) must return 50 losses, the last below 90% of the first."""
    x = torch.from_numpy(rng.normal(size=(10, 4))).float()
    y = torch.from_numpy(rng.integers(0, 3, size=10))
    losses = submission.umd.train(umd_net.network(rng, [4, 5, 3]), x, y, 1.0, 50, 3)
    expect.that(
        isinstance(losses, list | tuple) and len(losses) == 50,
        "train(..., n_epoch=50, ...) must return a list of 50 epoch losses",
    )
    values = np.array([float(v) for v in losses])
    expect.that(
        bool(np.all(np.isfinite(values) & (values >= 0))) and values[-1] < 0.9 * values[0],
        f"the loss went from {values[0]:.4g} in the first epoch to {values[-1]:.4g} in the "
        "50th; it must fall below 90% of where it started (a sum of squares is never "
        "negative). Check the sign of the update and "
        "grad_x = outputs - targets",
    )
