"""Hidden checks, Part C: train on small toy problems drawn from the check's seed.

The toy problems are a few random examples with random class labels: small enough to fit,
so the loss must fall, and small enough to replay here with the reference in float64.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.checks import expect


def _network(rng, sizes: list[int]) -> list[dict[str, torch.Tensor]]:
    return [
        {
            "W": torch.from_numpy(rng.normal(size=(n_in, n_out)) / np.sqrt(n_in)),
            "b": torch.from_numpy(rng.normal(scale=0.5, size=n_out)),
        }
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
    ]


def _copy(network: list[dict]) -> list[dict]:
    return [{k: v.clone() for k, v in layer.items()} for layer in network]


def _toy(rng, n: int, sizes: list[int]):
    """(network, x (n, features), y (n,) integer labels) for a network of layer widths sizes."""
    x = torch.from_numpy(rng.normal(size=(n, sizes[0])))
    y = torch.from_numpy(rng.integers(0, sizes[-1], size=n))
    return _network(rng, sizes), x, y


def _losses(got: object, n_epoch: int) -> np.ndarray:
    expect.that(
        isinstance(got, list | tuple) and len(got) == n_epoch,
        f"train(..., n_epoch={n_epoch}, ...) must return a list of {n_epoch} epoch losses",
    )
    values = []
    for value in got:
        expect.that(
            isinstance(value, float | int) or (type(value) is torch.Tensor and value.numel() == 1),
            "each epoch loss must be a number (a Python float)",
        )
        values.append(float(value))
    return np.array(values)


def test_umd_train_loss_falls_other_toy(submission, rng) -> None:
    """train on 10 examples (6 features, 4 classes, network 6-8-4, lr 0.5) must bring the loss below 90% of its first epoch within 50 epochs."""
    network, x, y = _toy(rng, 10, [6, 8, 4])
    losses = _losses(submission.umd.train(network, x, y, 0.5, 50, 4), 50)
    expect.that(
        bool(np.all(np.isfinite(losses))) and losses[-1] < 0.9 * losses[0],
        f"the loss went from {losses[0]:.4g} in the first epoch to {losses[-1]:.4g} in the "
        "50th; it must fall below 90% of where it started",
    )


def test_umd_train_losses_values(submission, reference, rng) -> None:
    """Each epoch loss must be the sum over the examples, in order, of 1/2 sum_k (out_k - t_k)^2, measured before that example's update."""
    network, x, y = _toy(rng, 8, [3, 4, 3])
    got = _losses(submission.umd.train(_copy(network), x, y, 0.8, 5, 3), 5)
    want = reference.umd.train(_copy(network), x, y, 0.8, 5, 3)
    expect.close(got, np.array(want), rtol=1e-8, what="the list of 5 epoch losses")


def test_umd_train_updates_network(submission, reference, rng) -> None:
    """train must update the network it is given in place, one SGD step per example."""
    network, x, y = _toy(rng, 8, [3, 5, 2])
    handle = submission.put(_copy(network))
    submission.umd.train(handle, x, y, 0.5, 3, 2)
    got = handle.fetch()
    want = _copy(network)
    reference.umd.train(want, x, y, 0.5, 3, 2)
    expect.that(
        isinstance(got, list) and len(got) == len(want),
        f"after train, the network must still be a list of {len(want)} layer dicts",
    )
    for i, layer in enumerate(want):
        for key in ("W", "b"):
            value = got[i].get(key) if isinstance(got[i], dict) else None
            expect.that(
                type(value) is torch.Tensor, f"after train, layer {i} must hold a tensor {key!r}"
            )
            expect.close(
                value.detach().double().numpy(),
                layer[key].numpy(),
                rtol=1e-8,
                atol=1e-12,
                what=f"layer {i}'s {key} after 3 epochs",
            )
