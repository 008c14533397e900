"""What the hidden accuracy checks run inside the worker (``in_worker``): a seeded loader,
optimisers, prediction, parameter counts and checkpoints."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, TensorDataset


def as_float(images):
    """uint8 pixels (N, C, H, W) -> float32 in [0, 1], as torchvision's ToTensor gives them."""
    return images.float().div(255).contiguous()


def make_loader(images, labels, batch_size, shuffle, seed):
    """A DataLoader over (images in [0, 1], labels); shuffled by a generator seeded with seed."""
    return DataLoader(
        TensorDataset(as_float(images), labels),
        batch_size=batch_size,
        shuffle=shuffle,
        generator=torch.Generator().manual_seed(seed),
    )


def seeded(factory, seed, *args):
    """factory(*args) with torch's generator seeded first, so the initial weights follow seed."""
    torch.manual_seed(seed)
    return factory(*args)


def adam(model, lr, device):
    model.to(device)
    return torch.optim.Adam(model.parameters(), lr=lr)


def predict(model, images, device):
    """The logits for uint8 images (N, C, H, W): eval mode, no gradients, returned on the CPU."""
    model.to(device)
    model.eval()
    with torch.no_grad():
        out = model(as_float(images).to(device))
    return out.detach().float().cpu() if isinstance(out, torch.Tensor) else out


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def load_checkpoint(model, state_dict, file):
    """model.load_state_dict(state_dict), with a message naming the file when it does not fit."""
    try:
        model.load_state_dict(state_dict)
    except RuntimeError as exc:
        raise RuntimeError(f"{file} does not fit the model that models.py defines: {exc}") from None
