"""Filters read through the module list, responses computed with an explicit nn.Conv2d copy
rather than F.conv2d."""

import copy

import torch
from torch import nn


def first_layer_filters(model):
    first = None
    for layer in model.features:
        if isinstance(layer, nn.Conv2d):
            first = layer
            break
    return first.weight.data.clone()


def filter_responses(model, image, k=3):
    conv = copy.deepcopy(model.features[0])
    conv.padding = (1, 1)
    with torch.no_grad():
        out = conv(image.unsqueeze(0))
    return out[0, :k].detach()
