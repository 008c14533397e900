"""What VGG16's first layer looks for: its filters, and their responses to an image.

After Technion Deep Learning HW1, Q3 Part 2. VGG16's first layer, ``features[0]`` (conv1_1),
is ``nn.Conv2d(3, 64, kernel_size=3, padding=1)``: 64 filters of 3 x 3 pixels over the
red, green and blue channels. Plotting them (each rescaled to [0, 1]) shows edge and colour
detectors; convolving an image with them shows where each detector fires.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def first_layer_filters(model: nn.Module) -> torch.Tensor:
    """The weights of VGG16's first convolution, (64, 3, 3, 3) float32: filter, colour
    channel, row, column; a detached copy (changing it must not change the model)."""
    return model.features[0].weight.detach().clone()  # (64, 3, 3, 3)


def filter_responses(model: nn.Module, image: torch.Tensor, k: int = 3) -> torch.Tensor:
    """The responses of the first k filters of VGG16's first convolution to one image.

    As conv1_1 computes them, before its ReLU: each filter is correlated with the image with
    stride 1 and padding 1 (whatever padding the layer holds now), and its bias added.

    Args:
        model: a torchvision VGG16.
        image: (3, H, W) float32.
        k: how many filters, from the first.

    Returns:
        (k, H, W) float32, detached.
    """
    conv = model.features[0]  # conv1_1
    batch = image.unsqueeze(0)  # (1, 3, H, W)
    with torch.no_grad():
        out = F.conv2d(batch, conv.weight, conv.bias, stride=1, padding=1)  # (1, 64, H, W)
    return out[0, :k]  # (k, H, W)
