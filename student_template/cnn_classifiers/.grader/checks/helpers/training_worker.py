"""The training pieces the public training checks hand to the student's code inside the
worker (``in_worker``): a seeded loader, a small classifier and SGD."""

from __future__ import annotations

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
    """flatten -> fc(in_features -> 16, no bias) -> BatchNorm1d -> ReLU -> fc(16 -> num_classes)
    -> log_softmax: log-probabilities, for which cross_entropy and nll_loss agree."""
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(in_features, 16, bias=False),  # BatchNorm1d adds the bias
        nn.BatchNorm1d(16),
        nn.ReLU(),
        nn.Linear(16, num_classes),
        nn.LogSoftmax(dim=1),
    )
    return model.to(device)


def sgd(model, lr, momentum=0.0):
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
