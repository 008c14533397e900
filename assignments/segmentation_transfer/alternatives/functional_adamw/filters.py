"""Filters found as the first Conv2d among model.modules(); responses from a fresh
nn.Conv2d(3, k, 3, padding=1) loaded with the first k filters."""

import torch
from torch import nn


def first_layer_filters(model):
    conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    return conv.weight.detach().clone()


def filter_responses(model, image, k=3):
    src = model.features[0]
    conv = nn.Conv2d(3, k, 3, padding=1)
    with torch.no_grad():
        conv.weight.copy_(src.weight[:k])
        conv.bias.copy_(src.bias[:k])
        return conv(image[None])[0]
