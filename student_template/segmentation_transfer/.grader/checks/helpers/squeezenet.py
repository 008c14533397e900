"""A seeded SqueezeNet's outputs, trainable parameters and head, inside the worker
(``in_worker``)."""

from __future__ import annotations

import torch


def seeded(factory, seed, *args):
    """factory(*args) with torch's generator seeded first."""
    torch.manual_seed(seed)
    return factory(*args)


def outputs(model, images, mode):
    """model(images) in train or eval mode, without gradients."""
    model.train(mode == "train")
    with torch.no_grad():
        return model(images)


def trainable(model):
    """The names of model's parameters that require gradients."""
    return [name for name, p in model.named_parameters() if p.requires_grad]


def head_of(model):
    """What model.classifier[1] is, and model.num_classes."""
    layer = model.classifier[1]
    return {
        "type": type(layer).__name__,
        "channels": [getattr(layer, "in_channels", None), getattr(layer, "out_channels", None)],
        "kernel_size": list(getattr(layer, "kernel_size", [])),
        "num_classes": getattr(model, "num_classes", None),
    }
