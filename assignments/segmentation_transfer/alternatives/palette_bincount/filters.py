"""Filters through named_parameters; responses with torch.nn.functional.conv2d on the whole
filter bank, then sliced."""

import torch.nn.functional as F


def first_layer_filters(model):
    for name, param in model.named_parameters():
        if name.endswith("weight"):
            return param.detach().clone()


def filter_responses(model, image, k=3):
    w = model.features[0].weight.detach()
    b = model.features[0].bias.detach()
    out = F.conv2d(image[None], w, b, padding=1)
    return out[0, :k]
