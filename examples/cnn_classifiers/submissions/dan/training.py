"""Training and testing loops for any classifier that maps a batch to logits (DS 5220 PS4).

Every function takes ``torch.utils.data.DataLoader`` objects that yield ``(images, labels)``
batches: images float32 (B, ...) and labels int64 (B,) in 0..C-1, both on the CPU. Move each
batch to ``device`` ("cpu" or "cuda") before using it, and the model with ``model.to(device)``
where a docstring says so. The loss is the mean cross-entropy of the model's outputs, as
``torch.nn.functional.cross_entropy`` (or ``nn.CrossEntropyLoss()``) computes it from raw
logits: do not apply a softmax first. If your models end in log_softmax, ``F.nll_loss`` of their
outputs is the same loss. The checks hand your loops a model that ends in log_softmax, on which
the two agree, so either choice passes.

Numbers may be Python numbers (``loss.item()``), numpy scalars or one-element tensors: anything
``float()`` takes, holding the right value.

This file stands alone: it imports nothing from models.py.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader


def train_one_epoch(
    train_loader: DataLoader,
    model: nn.Module,
    device: str,
    optimizer: torch.optim.Optimizer,
    log_interval: int,
    epoch: int,
) -> tuple[list[float], list[int], int]:
    """One pass over train_loader in train mode, one optimiser step per batch.

    For each batch i (from 0): clear the gradients (optimizer.zero_grad()), compute the
    batch's mean cross-entropy, backpropagate, and step. Gradients must not carry over from
    one batch to the next. Put the model in train mode first (model.train()): BatchNorm and
    dropout behave differently in eval mode.

    Args:
        train_loader: batches of (images, labels).
        model: already on ``device``.
        device: where the batches go.
        optimizer: an optimiser over model.parameters().
        log_interval: log every log_interval-th batch (i % log_interval == 0).
        epoch: the epoch's number, counting from 1.

    Returns:
        losses: the loss of each logged batch, a list of Python floats (loss.item()).
        counter: for each logged batch, the number of training examples seen before it since
            training began, (epoch - 1) * len(train_loader.dataset) + the examples of the
            epoch's earlier batches; a list of ints.
        num_correct: how many of the epoch's examples the model classified correctly, by the
            argmax of the logits of the forward pass that computed the loss; an int.
    """
    model.train()
    losses: list[float] = []
    counter: list[int] = []
    num_correct = 0
    seen = (epoch - 1) * len(train_loader.dataset)
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)  # (B, ...), (B,)
        optimizer.zero_grad()
        output = model(data)  # (B, C) logits
        loss = F.cross_entropy(output, target)  # mean over the batch
        loss.backward()
        optimizer.step()
        num_correct += int((output.argmax(dim=1) == target).sum().item())
        if batch_idx % log_interval == 0:
            losses.append(loss.item())
            counter.append(seen)
        seen += len(data)
    return losses, counter, num_correct


def test_one_epoch(test_loader: DataLoader, model: nn.Module, device: str) -> tuple[float, int]:
    """Evaluate the model on test_loader in eval mode, without changing it.

    Put the model in eval mode (model.eval()) so that BatchNorm uses its running statistics
    and does not update them, and compute without gradients (torch.no_grad()).

    Returns:
        avg_loss: the mean cross-entropy over all N examples: the sum of the per-example losses
            divided by N = len(test_loader.dataset); a Python float.
        num_correct: how many examples the argmax of the logits classifies correctly; an int.
    """
    total_loss, num_correct = 0.0, 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)  # (B, C)
            total_loss += F.cross_entropy(output, target, reduction="sum").item()
            num_correct += int((output.argmax(dim=1) == target).sum().item())
    return total_loss / len(test_loader.dataset), num_correct


def train_model(
    model: nn.Module,
    train_loader: DataLoader,
    valid_loader: DataLoader,
    epochs: int,
    lr: float,
    device: str,
) -> tuple[list[float], list[float]]:
    """Train the model with Adam for ``epochs`` epochs, validating after each.

    Move the model to ``device``, make one optimiser torch.optim.Adam(model.parameters(),
    lr=lr) (Kingma & Ba 2015, default betas), then each epoch: one train_one_epoch pass over
    train_loader (log_interval 1), then test_one_epoch on valid_loader. The model ends in eval
    mode, on ``device``.

    Returns:
        train_losses: one float per epoch, the mean of that epoch's batch losses.
        valid_losses: one float per epoch, test_one_epoch's avg_loss on valid_loader.
    """
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    train_losses: list[float] = []
    valid_losses: list[float] = []
    for epoch in range(1, epochs + 1):
        losses, _, _ = train_one_epoch(train_loader, model, device, optimizer, 1, epoch)
        train_losses.append(sum(losses) / len(losses))
        valid_loss, _ = test_one_epoch(valid_loader, model, device)
        valid_losses.append(valid_loss)
    return train_losses, valid_losses
