"""A seeded VGG16 and FCN32's output shapes, built inside the worker (``in_worker``); sent
first, with the modules that use them."""

from __future__ import annotations

import torch
import torchvision
from torch import nn


def vgg16(seed):
    """torchvision's VGG16 (weights=None) with He-uniform weights and small biases drawn from a
    generator seeded with seed: the same network in every process, built fast."""
    with torch.device("meta"):
        model = torchvision.models.vgg16(weights=None)
    model = model.to_empty(device="cpu")
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in model.modules():
            if isinstance(layer, (nn.Conv2d, nn.Linear)):
                bound = (6.0 / layer.weight[0].numel()) ** 0.5
                layer.weight.uniform_(-bound, bound, generator=generator)
                layer.bias.uniform_(-0.1, 0.1, generator=generator)
    return model


def output_shapes(fcn32, n_classes, seed, shapes, device):
    """The output shape of fcn32(n_classes, vgg16(seed)) in eval mode, without gradients, for
    random images of each shape (or the type of what came out instead of a tensor)."""
    model = fcn32(n_classes, vgg16(seed)).to(device).eval()
    generator = torch.Generator().manual_seed(seed)
    got = []
    with torch.no_grad():
        for shape in shapes:
            out = model(torch.rand(shape, generator=generator).to(device))
            got.append(list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__)
    return got
