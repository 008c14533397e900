"""Public checks on filters.py: the shapes of VGG16's first-layer filters and their responses.
The VGG16 is torchvision's architecture with random weights, built in your process."""

from __future__ import annotations

import numpy as np
import torch

from grader.checks import expect

HELPERS = '''
import types

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


def filters_and_responses(first_layer_filters, filter_responses, seed, image, k):
    """first_layer_filters(vgg16(seed)) and filter_responses(the same VGG16, image, k)."""
    model = vgg16(seed)
    return first_layer_filters(model), filter_responses(model, image, k)


helpers = types.SimpleNamespace(vgg16=vgg16, filters_and_responses=filters_and_responses)
'''


def test_first_layer_filters_shape(submission, rng, seed) -> None:
    """first_layer_filters(vgg16) must return VGG16's conv1_1 weights, a float32 tensor (64, 3, 3, 3), and filter_responses(vgg16, image (3, 40, 30), k=3) a (3, 40, 30) float32 tensor."""
    image = torch.from_numpy(rng.uniform(size=(3, 40, 30)).astype(np.float32))
    helpers = submission.define(HELPERS, "helpers")
    filters, responses = helpers.filters_and_responses(
        submission.filters.first_layer_filters, submission.filters.filter_responses, seed, image, 3
    )
    for name, got, shape in (
        ("first_layer_filters(vgg16)", filters, (64, 3, 3, 3)),
        ("filter_responses(vgg16, image of shape (3, 40, 30), k=3)", responses, (3, 40, 30)),
    ):
        expect.that(
            type(got) is torch.Tensor and got.dtype == torch.float32,
            f"{name} must be a float32 torch.Tensor, not {type(got).__name__}",
        )
        expect.shape(got.numpy(), shape, what=name)
