"""Public checks on filters.py: the shapes of VGG16's first-layer filters and their responses.
The VGG16 is torchvision's architecture with random weights, built in your process."""

from __future__ import annotations

import numpy as np
import torch

from grader.checks import expect
from grader.checks.helpers import in_worker

from helpers import filters_probe, vgg


def test_first_layer_filters_shape(submission, rng, seed) -> None:
    """first_layer_filters(vgg16) must return VGG16's conv1_1 weights, a float32 tensor (64, 3, 3, 3), and filter_responses(vgg16, image (3, 40, 30), k=3) a (3, 40, 30) float32 tensor."""
    image = torch.from_numpy(rng.uniform(size=(3, 40, 30)).astype(np.float32))
    helpers = in_worker(submission, vgg, filters_probe)
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
