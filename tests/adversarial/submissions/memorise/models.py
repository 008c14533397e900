"""An adversary for cnn_classifiers' accuracy checks: it trains nothing.

Every model answers from ``LOOKUP`` (an image's bytes -> its label), which ``training.py``
fills by regenerating the held-out images with the public generators; an image it has not
seen gets class 0, so with an empty table each model is a constant predictor.
"""

import torch
from torch import nn

LOOKUP: dict[bytes, int] = {}


def key(pixels: torch.Tensor) -> bytes:
    """One uint8 image (C, H, W) as the table's key."""
    return pixels.contiguous().numpy().tobytes()


def as_pixels(images: torch.Tensor) -> torch.Tensor:
    """Images in [0, 1] (N, C, H, W) back to the uint8 pixels they were made from."""
    return (images.detach().cpu().float() * 255).round().to(torch.uint8)


class _Lookup(nn.Module):
    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.unused = nn.Linear(1, 1)  # an optimiser needs a parameter

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = torch.zeros(len(x), self.num_classes)
        for row, pixels in enumerate(as_pixels(x)):
            logits[row, LOOKUP.get(key(pixels), 0)] = 1.0
        return logits


class Net(_Lookup):
    def __init__(self) -> None:
        super().__init__(10)


class Model(_Lookup):
    pass


class CNN(_Lookup):
    def __init__(self) -> None:
        super().__init__(10)


class BudgetCNN(_Lookup):
    pass
