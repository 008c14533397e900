"""A small segmentation network and a seeded loader, built inside the worker
(``in_worker``) for the training checks."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def tiny_segnet(seed, n_classes, device, dtype="float32"):
    """A small fully convolutional network: (B, 3, H, W) -> (B, n_classes, H, W), H, W % 4 == 0."""
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 16, 3, padding=1, stride=2),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1, stride=2),
        nn.ReLU(),
        nn.Conv2d(32, 32, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(32, n_classes, 1),
        nn.Upsample(scale_factor=4, mode="bilinear", align_corners=False),
    )
    return model.to(device=device, dtype=getattr(torch, dtype))


def make_loader(images, masks, batch_size, shuffle, seed):
    """A DataLoader over (images, masks); shuffled by a generator seeded with seed."""
    return DataLoader(
        TensorDataset(images.contiguous(), masks.contiguous()),
        batch_size=batch_size,
        shuffle=shuffle,
        generator=torch.Generator().manual_seed(seed),
    )
