"""Probes of the student's models run inside the worker (``in_worker``) by the hidden model
checks, with :mod:`helpers.state` sent alongside."""

from __future__ import annotations

import torch


def batchnorm_features(model):
    """num_features of every BatchNorm layer in model, in registration order."""
    return [
        m.num_features
        for m in model.modules()
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
    ]


def forward(model, images, device, mode, dtype):
    """model(images) in train or eval mode, in dtype, on device; the logits on the CPU."""
    model.to(device=device, dtype=getattr(torch, dtype))
    model.train(mode == "train")
    out = model(images.to(device=device, dtype=getattr(torch, dtype)).contiguous())
    return out.detach().cpu() if isinstance(out, torch.Tensor) else out
