"""Functions the checks hand to the student's network, defined inside the worker
(``in_worker``): the activation it is built with, and a seeded training loop."""

from __future__ import annotations

from typing import Any

import torch


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid(x)


def tanh(x: torch.Tensor) -> torch.Tensor:
    return torch.tanh(x)


def fit(
    net: Any, x: torch.Tensor, y_onehot: torch.Tensor, epochs: int, batch_size: int, seed: int
) -> None:
    """Mini-batch SGD through the network's own forward and backward, in a seeded order."""
    order_gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(x.shape[0], generator=order_gen)
        for start in range(0, x.shape[0], batch_size):
            idx = order[start : start + batch_size]
            y_hat = net.forward(x[idx])
            net.backward(x[idx], y_onehot[idx], y_hat)
