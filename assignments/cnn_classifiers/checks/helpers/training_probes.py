"""Probes of the student's training loop, run inside the worker (``in_worker``) by the hidden
training checks, sent after :mod:`helpers.training_worker` and :mod:`helpers.state` (whose
names they use, and whose small_classifier they replace)."""

from __future__ import annotations

import torch
from torch import nn


class ModeProbe(nn.Module):
    """The identity, recording whether the model was in train mode at each forward pass."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def forward(self, x):
        self.seen.append(bool(self.training))
        return x


def small_classifier(seed, in_features, num_classes, device):
    """flatten -> fc(in_features -> 16, no bias) -> BatchNorm1d -> ReLU -> fc(16 -> num_classes)
    -> log_softmax: log-probabilities, for which cross_entropy and nll_loss agree."""
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Flatten(),
        nn.Linear(in_features, 16, bias=False),  # BatchNorm1d adds the bias
        nn.BatchNorm1d(16),
        ModeProbe(),
        nn.ReLU(),
        nn.Linear(16, num_classes),
        nn.LogSoftmax(dim=1),
    )
    return model.to(device)


def modes_seen(model):
    """[True for a forward pass in train mode, False for eval mode], in the order they ran."""
    return [seen for m in model.modules() if isinstance(m, ModeProbe) for seen in m.seen]


def adam(model, lr):
    return torch.optim.Adam(model.parameters(), lr=lr)


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
