"""Transfer learning: fine-tune squeezenet1_1's classifier, or train a small CNN from scratch.

After CMU 16-720 Q6.2 (fine-tuning SqueezeNet 1.1 on flowers-17, compared with a small CNN
trained from scratch). Fine-tuning keeps the pretrained feature extractor frozen and trains
only a new classifier head; the optimiser (your choice) is given only the parameters that train.

Images are float32 (B, 3, H, W) in [0, 1], H and W at least 32; labels int64 (B,) in
0..num_classes-1. Every model returns logits (B, num_classes). Nothing is downloaded:
pretrained weights come from a local file.

This file stands alone: it imports nothing from the assignment's other files.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from torch.utils.data import DataLoader


def finetune_squeezenet(num_classes: int, weights: str | None = None) -> nn.Module:
    """torchvision's squeezenet1_1 with a new head for num_classes, its backbone frozen.

    Build ``torchvision.models.squeezenet1_1(weights=None)`` and, when ``weights`` is given,
    load the state dict in that local file (``torch.load(weights, weights_only=True)``; for
    example torchvision's cache file ``squeezenet1_1-b8a52dc0.pth``). Then freeze every
    parameter (``requires_grad = False``), replace the classifier's 1x1 convolution,
    ``classifier[1]`` (512 -> 1000 ImageNet classes), by a new, trainable
    ``nn.Conv2d(512, num_classes, kernel_size=1)``, and set ``model.num_classes``. The rest of
    the classifier (Dropout, ReLU, global average pooling) stays, so the model maps
    (B, 3, H, W) to logits (B, num_classes).
    """
    raise NotImplementedError("finetune_squeezenet: your code here")


def make_optimizer(model: nn.Module, lr: float) -> torch.optim.Optimizer:
    """An optimiser with learning rate lr over only the parameters that require gradients.

    Which optimiser is yours to choose (``torch.optim.Adam``, or ``torch.optim.SGD`` with
    momentum, ...); the frozen parameters must not be in it. The checks train with it at the
    lr they pass."""
    raise NotImplementedError("make_optimizer: your code here")


class SmallCNN(nn.Module):
    """A small CNN trained from scratch, the baseline for fine-tuning.

    Four blocks conv 3x3 (padding 1, no bias) -> BatchNorm2d -> ReLU, the first three followed
    by a 2x2 max-pool, with 16, 32, 64 and 128 channels; then global average pooling
    (``nn.AdaptiveAvgPool2d(1)``) and ``nn.Linear(128, num_classes)``. For any image size of
    at least 32 x 32: (B, 3, H, W) -> logits (B, num_classes).
    """

    def __init__(self, num_classes: int) -> None:
        super().__init__()
        raise NotImplementedError("__init__: your code here")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, num_classes) for images x (B, 3, H, W)."""
        raise NotImplementedError("forward: your code here")


def train_classifier(
    model: nn.Module, loader: DataLoader, epochs: int, lr: float, device: str
) -> list[float]:
    """Train with ``make_optimizer(model, lr)`` and the mean cross-entropy of the logits, in
    train mode, one step per batch; return each epoch's mean batch loss (Python floats)."""
    raise NotImplementedError("train_classifier: your code here")


def accuracy(model: nn.Module, loader: DataLoader, device: str) -> float:
    """The fraction of the loader's images whose argmax logit is their label, computed in eval
    mode without gradients; a Python float."""
    raise NotImplementedError("accuracy: your code here")


def compare_models(
    finetuned: nn.Module,
    scratch: nn.Module,
    train_loader: DataLoader,
    val_loader: DataLoader,
    epochs: int,
    lr: float,
    device: str,
) -> tuple[float, float]:
    """Train both models on train_loader (``train_classifier``, the same epochs and lr) and
    return their validation accuracies (``accuracy`` on val_loader): (finetuned's, scratch's).
    Both models end in eval mode, trained."""
    raise NotImplementedError("compare_models: your code here")
