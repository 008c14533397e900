"""The first layer's filters and responses of a seeded VGG16, inside the worker; sent after
:mod:`helpers.vgg`."""

from __future__ import annotations

from helpers.vgg import vgg16


def filters_and_responses(first_layer_filters, filter_responses, seed, image, k):
    """first_layer_filters(vgg16(seed)) and filter_responses(the same VGG16, image, k)."""
    model = vgg16(seed)
    return first_layer_filters(model), filter_responses(model, image, k)
