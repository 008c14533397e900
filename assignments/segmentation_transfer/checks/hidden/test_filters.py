"""Hidden checks on filters.py: the values of VGG16's first-layer filters and their responses,
against the reference run here on the conv1_1 weights of the same (random) VGG16."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from grader.checks import expect
from grader.checks.helpers import in_worker

from helpers import filters_run, vgg


def _conv1_1(weight: torch.Tensor, bias: torch.Tensor) -> nn.Module:
    """A stand-in with VGG16's first layer only, holding these weights, for the reference."""
    model = nn.Module()
    model.features = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1))
    with torch.no_grad():
        model.features[0].weight.copy_(weight)
        model.features[0].bias.copy_(bias)
    return model


def _tensor(got: object, shape: tuple[int, ...], what: str) -> np.ndarray:
    expect.that(
        type(got) is torch.Tensor, f"{what} must be a torch.Tensor, not {type(got).__name__}"
    )
    assert isinstance(got, torch.Tensor)
    values = got.detach().double().numpy()
    expect.shape(values, shape, what=what)
    return values


def test_first_layer_filters_values(submission, reference, seed) -> None:
    """first_layer_filters(vgg16) must return the weights of VGG16's first convolution, features[0] (conv1_1), unchanged."""
    helpers = in_worker(submission, vgg, filters_run)
    got, weight, bias = helpers.run(submission.filters.first_layer_filters, seed, 1)
    what = "first_layer_filters(vgg16)"
    want = reference.filters.first_layer_filters(_conv1_1(weight, bias)).double().numpy()
    expect.close(_tensor(got, (64, 3, 3, 3), what), want, rtol=0.0, atol=0.0, what=what)


def test_filter_responses_values(submission, reference, rng, seed) -> None:
    """filter_responses(vgg16, image, k) must be the first k channels of conv1_1's output before the ReLU (stride 1, padding 1, bias added), also after FCN32 has set conv1_1's padding to 100."""
    image = torch.from_numpy(rng.uniform(size=(3, 36, 28)).astype(np.float32))
    helpers = in_worker(submission, vgg, filters_run)
    for padding, k in ((1, 5), (100, 2)):
        got, weight, bias = helpers.run(
            submission.filters.filter_responses, seed, padding, image, k
        )
        what = f"filter_responses(vgg16, image of shape (3, 36, 28), k={k}) with conv1_1's padding {padding}"
        want = reference.filters.filter_responses(_conv1_1(weight, bias), image, k).double().numpy()
        expect.close(_tensor(got, (k, 36, 28), what), want, rtol=1e-4, atol=1e-5, what=what)
