"""A filters function run on a seeded VGG16 with conv1_1's padding set, inside the worker;
sent after :mod:`helpers.vgg`."""

from __future__ import annotations

from helpers.vgg import vgg16


def run(function, seed, padding, *args):
    """function(vgg16(seed), *args) with conv1_1's padding set first (FCN32 sets it to 100),
    and conv1_1's weight and bias."""
    model = vgg16(seed)
    model.features[0].padding = (padding, padding)
    conv = model.features[0]
    return function(model, *args), conv.weight.detach().clone(), conv.bias.detach().clone()
