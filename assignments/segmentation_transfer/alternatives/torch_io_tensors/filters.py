"""Filters via state_dict()['features.0.weight']; responses with the layer itself after
setting its padding back to 1 on a copy."""

import copy

import torch


def first_layer_filters(model):
    return model.state_dict()["features.0.weight"].clone()


def filter_responses(model, image, k=3):
    conv = copy.deepcopy(model.features[0])
    conv.padding = (1, 1)
    with torch.no_grad():
        return conv(image.unsqueeze(0)).squeeze(0)[:k].clone()
