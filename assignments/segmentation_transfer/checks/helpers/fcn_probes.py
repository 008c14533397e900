"""Probes of the student's FCN32 run inside the worker by the hidden checks, sent after
:mod:`helpers.vgg`."""

from __future__ import annotations

import torch
from torch import nn

from helpers.vgg import vgg16


def score_layer(model, n_classes):
    """model.score_fr, or under any other name the one Conv2d(4096, n_classes, 1)."""
    layer = getattr(model, "score_fr", None)
    if isinstance(layer, nn.Conv2d):
        return layer
    found = [
        m
        for m in model.modules()
        if isinstance(m, nn.Conv2d) and m.in_channels == 4096 and m.out_channels == n_classes
    ]
    return found[0] if len(found) == 1 else None


def upscore_layer(model):
    """model.upscore, or under any other name the one ConvTranspose2d."""
    layer = getattr(model, "upscore", None)
    if isinstance(layer, nn.ConvTranspose2d):
        return layer
    found = [m for m in model.modules() if isinstance(m, nn.ConvTranspose2d)]
    return found[0] if len(found) == 1 else layer


def _holds(params, tensor):
    return any(p.shape == tensor.shape and torch.equal(p.detach(), tensor) for p in params)


def backbone_found(fcn32, n_classes, seed):
    """For each of the 26 weight tensors of vgg16(seed).features (before FCN32 is built):
    whether fcn32(n_classes, that VGG16) has a parameter equal to it."""
    vgg = vgg16(seed)
    before = [p.detach().clone() for p in vgg.features.parameters()]
    params = list(fcn32(n_classes, vgg).parameters())
    return [_holds(params, tensor) for tensor in before]


def classifier_found(fcn32, n_classes, seed):
    """Whether fcn32(n_classes, vgg16(seed)) has parameters equal to the VGG16's fc6 and fc7
    weights (as convolution weights) and biases."""
    vgg = vgg16(seed)
    fc6, fc7 = vgg.classifier[0], vgg.classifier[3]
    wanted = {
        "fc6's weight": fc6.weight.detach().view(4096, 512, 7, 7),
        "fc6's bias": fc6.bias.detach(),
        "fc7's weight": fc7.weight.detach().view(4096, 4096, 1, 1),
        "fc7's bias": fc7.bias.detach(),
    }
    params = list(fcn32(n_classes, vgg).parameters())
    return {name: _holds(params, tensor) for name, tensor in wanted.items()}


def upscore_of(fcn32, n_classes, seed):
    """model.upscore's settings and weights, or the type of what model.upscore is."""
    layer = upscore_layer(fcn32(n_classes, vgg16(seed)))
    if not isinstance(layer, nn.ConvTranspose2d):
        return type(layer).__name__
    return {
        "channels": [layer.in_channels, layer.out_channels],
        "kernel_size": list(layer.kernel_size),
        "stride": list(layer.stride),
        "padding": list(layer.padding),
        "bias": layer.bias is not None,
        "weight": layer.weight.detach().cpu().clone(),
    }


def forward(fcn32, n_classes, seed, score_weight, score_bias, images, device):
    """fcn32(n_classes, vgg16(seed)) with score_fr's weights set, in eval mode, without
    gradients: its output for images, on the CPU."""
    model = fcn32(n_classes, vgg16(seed))
    score_fr = score_layer(model, n_classes)
    if score_fr is None:
        return "no score_fr"
    with torch.no_grad():
        score_fr.weight.copy_(score_weight)
        score_fr.bias.copy_(score_bias)
    model.to(device).eval()
    tf32 = torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = False  # full float32 convolutions on a GPU, as on the CPU
    try:
        with torch.no_grad():
            out = model(images.to(device))
    finally:
        torch.backends.cudnn.allow_tf32 = tf32
    return out.cpu() if isinstance(out, torch.Tensor) else out


def score_fr_gradient(fcn32, n_classes, seed, images, masks, device):
    """score_fr's weight gradient after one backward pass of the pixel cross-entropy (ignore
    index 255) in train mode, or None when it has none."""
    model = fcn32(n_classes, vgg16(seed)).to(device).train()
    out = model(images.to(device))
    score_fr = score_layer(model, n_classes)
    if score_fr is None:
        return "no score_fr"
    nn.functional.cross_entropy(out, masks.to(device), ignore_index=255).backward()
    grad = score_fr.weight.grad
    return None if grad is None else grad.detach().cpu()
