"""Segmentation metrics: pixel accuracy and intersection over union (IoU), per class and mean.

After UMD Assignment 5, Part 3. ``pred`` and ``target`` are tensors of class indices of the
same shape, (N, H, W) or (H, W), int64: ``pred`` the argmax of the logits over the classes,
``target`` the true mask, where ``ignore_index`` (255, VOC's border) marks pixels that count
for nothing: neither as a hit nor a miss, in no class's intersection or union, whatever the
prediction there.

IoU of class k over the counted pixels: |pred == k and target == k| / |pred == k or target == k|.
A class absent from both the prediction and the target has no IoU (NaN, not 0), and the mean
IoU is the mean over the classes that have one. A class in the target that the prediction
never hits has IoU 0.
"""

from __future__ import annotations

import torch


def pixel_accuracy(pred: torch.Tensor, target: torch.Tensor, ignore_index: int = 255) -> float:
    """The fraction of the counted pixels where pred equals target, a Python float.

    NaN (``float("nan")``) when every pixel is ignored.
    """
    raise NotImplementedError("pixel_accuracy: your code here")


def iou_per_class(
    pred: torch.Tensor, target: torch.Tensor, n_classes: int, ignore_index: int = 255
) -> torch.Tensor:
    """IoU of each class 0..n_classes-1, a float64 tensor (n_classes,), NaN for a class absent
    from both pred and target (over the counted pixels)."""
    raise NotImplementedError("iou_per_class: your code here")


def mean_iou(
    pred: torch.Tensor, target: torch.Tensor, n_classes: int, ignore_index: int = 255
) -> float:
    """The mean of iou_per_class over the classes that have an IoU, a Python float; NaN when
    none has one (every pixel ignored)."""
    raise NotImplementedError("mean_iou: your code here")
