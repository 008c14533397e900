"""Probes of the transfer-learning code run inside the worker by the hidden checks, sent
after :mod:`helpers.squeezenet` (whose seeded they use)."""

from __future__ import annotations

import os
import tempfile

import torch
import torchvision
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from torchvision import datasets, transforms


def frozen_squeezenet(seed, num_classes):
    """The check's own fine-tuning model: squeezenet1_1, frozen, with a new classifier[1]."""
    torch.manual_seed(seed)
    model = torchvision.models.squeezenet1_1(weights=None)
    for param in model.parameters():
        param.requires_grad = False
    model.classifier[1] = nn.Conv2d(512, num_classes, 1)
    return model


def optimizer_report(optimizer, model):
    """The optimiser's type, learning rates and parameters (by their names in model), and
    whether one step on a cross-entropy loss moves the head."""
    if not isinstance(optimizer, torch.optim.Optimizer):
        return {"is_optimizer": False, "type": type(optimizer).__name__}
    names = {id(p): name for name, p in model.named_parameters()}
    params = [p for group in optimizer.param_groups for p in group["params"]]
    head = model.classifier[1].weight.detach().clone()
    images = torch.rand(4, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(images), torch.arange(4) % 5).backward()
    optimizer.step()
    return {
        "is_optimizer": True,
        "type": type(optimizer).__name__,
        "lr": [float(group["lr"]) for group in optimizer.param_groups],
        "params": [names.get(id(p), "a tensor that is not the model's") for p in params],
        "step_moves_head": not torch.equal(head, model.classifier[1].weight.detach()),
    }


def state_of(model):
    """model's parameters by name, detached CPU copies."""
    return {name: p.detach().cpu().clone() for name, p in model.named_parameters()}


def train_steps(model, images, labels, steps, lr):
    """steps Adam steps over all parameters (those without a gradient stay as they are)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(steps):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(images), labels).backward()
        optimizer.step()


def save_squeezenet(seed):
    """A squeezenet1_1 state dict saved in a file of the working folder: "pretrained" weights."""
    torch.manual_seed(seed)
    folder = tempfile.mkdtemp(prefix="weights-", dir=os.getcwd())
    path = os.path.join(folder, "squeezenet1_1-local.pth")
    torch.save(torchvision.models.squeezenet1_1(weights=None).state_dict(), path)
    return path


def differs_from_file(model, path):
    """The names of the file's tensors that model lacks or holds with other values."""
    saved = torch.load(path, weights_only=True)
    own = dict(model.state_dict())
    return [n for n, t in saved.items() if n not in own or not torch.equal(own[n].cpu(), t)]


def bn_classifier(seed, num_classes, device):
    """flatten -> Linear(48, 16) -> BatchNorm1d -> ReLU -> Linear(16, num_classes)."""
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Flatten(), nn.Linear(48, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, num_classes)
    )
    return model.to(device)


def buffers_of(model):
    return [b.detach().cpu().clone() for b in model.buffers() if b.is_floating_point()]


def make_loader(images, labels, batch_size, shuffle, seed):
    return DataLoader(
        TensorDataset(images.contiguous(), labels),
        batch_size=batch_size,
        shuffle=shuffle,
        generator=torch.Generator().manual_seed(seed),
    )


def write_tree(files):
    """Write {relative path: bytes} into a new folder under the working folder; its path."""
    root = tempfile.mkdtemp(prefix="flowers-", dir=os.getcwd())
    for rel, data in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
    return root


def folder_loader(root, batch_size, shuffle, seed):
    """A DataLoader over torchvision's ImageFolder(root) with ToTensor (pixels in [0, 1])."""
    dataset = datasets.ImageFolder(root, transform=transforms.ToTensor())
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator)


def predict(model, images, device):
    """The logits for images (N, 3, H, W) in [0, 1]: eval mode, no gradients, on the CPU."""
    model.to(device).eval()
    with torch.no_grad():
        out = model(images.to(device))
    return out.detach().float().cpu() if isinstance(out, torch.Tensor) else out


def load_checkpoint(model, state_dict, file):
    """model.load_state_dict(state_dict), with a message naming the file when it does not fit."""
    try:
        model.load_state_dict(state_dict)
    except RuntimeError as exc:
        raise RuntimeError(
            f"{file} does not fit the model that transfer.py defines: {exc}"
        ) from None
