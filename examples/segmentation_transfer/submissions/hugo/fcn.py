"""FCN-32s: a fully convolutional network on VGG16 for semantic segmentation, and its training.

After UMD Assignment 5, Part 3, and Long, Shelhamer & Darrell, "Fully Convolutional Networks
for Semantic Segmentation" (CVPR 2015). VGG16's classifier sees a fixed 7x7 window of
pool5 features; written as convolutions (fc6 a 7x7 conv, fc7 a 1x1 conv) it slides over
feature maps of any size, so the network maps an image of any size to a map of class scores,
which a stride-32 transposed convolution upsamples back to the image's size.

Shapes for an input (B, 3, H, W), with VGG16's conv1_1 padded by 100 and its max-pools in
ceil mode (as in the paper's Caffe model), writing h = ceil((H + 198) / 32) and likewise w:

=========  ==========================================  ==============================
layer      what                                        output
=========  ==========================================  ==============================
features   VGG16's conv1_1 .. pool5 (shared, not        (B, 512, h, w)
           copied), conv1_1 padding 100, pools ceil
fc6        Conv2d(512, 4096, 7) + ReLU + Dropout        (B, 4096, h - 6, w - 6)
fc7        Conv2d(4096, 4096, 1) + ReLU + Dropout       (B, 4096, h - 6, w - 6)
score_fr   Conv2d(4096, n_classes, 1)                   (B, n_classes, h - 6, w - 6)
upscore    ConvTranspose2d(n_classes, n_classes, 64,    (B, n_classes, 32 (h - 5),
           stride=32, bias=False), bilinear weights     32 (w - 5))
crop       rows and columns 19 .. 19 + H (and W)        (B, n_classes, H, W)
=========  ==========================================  ==============================

Nothing is downloaded: ``vgg16_backbone()`` builds torchvision's VGG16 with random weights, or
loads ImageNet weights from a local file.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from torch.utils.data import DataLoader

IGNORE_INDEX = 255  # VOC's border pixels: no loss, no metric


def vgg16_backbone(weights: str | None = None) -> nn.Module:
    """torchvision's VGG16; with ``weights``, the ImageNet weights in that local file.

    ``weights`` is a ``torch.save``d state dict of ``torchvision.models.vgg16``, for example
    torchvision's own cache file ``~/.cache/torch/hub/checkpoints/vgg16-397923af.pth``.
    """
    model = torchvision.models.vgg16(weights=None)
    if weights is not None:
        model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    return model


def bilinear_kernel(channels: int, kernel_size: int) -> torch.Tensor:
    """Weights (channels, channels, k, k) float32 that make a ConvTranspose2d upsample each
    channel bilinearly (Long et al. 2015, section 3.3).

    The 1-D filter is ``1 - |i - c| / f`` for i = 0..k-1, with f = ceil(k / 2) and centre
    c = f - 1 for odd k, f - 0.5 for even k; the 2-D filter is the outer product of two. Each
    channel is upsampled on its own: weight[c, c] is the filter, weight[c, d] = 0 for d != c.
    """
    raise NotImplementedError("bilinear_kernel: your code here")


class FCN32(nn.Module):
    """FCN-32s on a VGG16 (see the table above).

    Reuse ``pretrained_model.features`` as the backbone (the same modules, so the same
    weights: do not build a new VGG16), with conv1_1's padding set to 100 and every max-pool's
    ``ceil_mode`` set to True. Make fc6 and fc7 convolutions holding the pretrained
    classifier's fully connected weights: ``classifier[0]`` (4096, 25088) viewed as
    (4096, 512, 7, 7) and ``classifier[3]`` (4096, 4096) as (4096, 4096, 1, 1), biases
    copied. ``score_fr`` (a new 1x1 conv) scores each class, ``upscore`` starts as
    ``bilinear_kernel(n_classes, 64)``, and the output is cropped to the input's size
    starting at row and column 19.

    Register the layers as attributes named ``features``, ``fc6``, ``fc7``, ``score_fr`` and
    ``upscore``.

    Args:
        n_classes: classes to score (21 for VOC, background included).
        pretrained_model: a torchvision VGG16 (``vgg16_backbone()``), modified in place.
    """

    def __init__(self, n_classes: int, pretrained_model: nn.Module) -> None:
        super().__init__()
        raise NotImplementedError("__init__: your code here")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores (B, n_classes, H, W) for images x (B, 3, H, W)."""
        raise NotImplementedError("forward: your code here")


def train_segmentation(
    model: nn.Module, loader: DataLoader, epochs: int, lr: float, device: str
) -> list[float]:
    """Train a segmentation model for ``epochs`` epochs; return each epoch's mean batch loss.

    Move the model to ``device`` and put it in train mode, and make one optimiser over the
    parameters that require gradients, with learning rate lr (which optimiser is yours to
    choose: Adam, SGD with momentum, ...). Then for each batch (images (B, 3, H, W) float32,
    masks (B, H, W) int64): clear the gradients, compute the per-pixel cross-entropy of the
    logits (B, n_classes, H, W) against the masks, skipping the pixels labelled 255
    (``F.cross_entropy(..., ignore_index=255)``), backpropagate and step.

    Returns:
        One Python float per epoch: the mean of that epoch's batch losses.
    """
    raise NotImplementedError("train_segmentation: your code here")
