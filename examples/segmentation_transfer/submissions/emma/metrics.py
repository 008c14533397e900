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
    counted = target != ignore_index  # (N, H, W) bool
    total = int(counted.sum())
    if total == 0:
        return float("nan")
    return int((pred[counted] == target[counted]).sum()) / total


def iou_per_class(
    pred: torch.Tensor, target: torch.Tensor, n_classes: int, ignore_index: int = 255
) -> torch.Tensor:
    """IoU of each class 0..n_classes-1, a float64 tensor (n_classes,), NaN for a class absent
    from both pred and target (over the counted pixels)."""
    counted = target != ignore_index  # (N, H, W) bool
    pred, target = pred[counted], target[counted]  # (P,), (P,): the counted pixels only
    ious = torch.full((n_classes,), float("nan"), dtype=torch.float64)
    for k in range(n_classes):
        inter = int(((pred == k) & (target == k)).sum())
        union = int(((pred == k) | (target == k)).sum())
        ious[k] = inter / union
    return ious


def mean_iou(
    pred: torch.Tensor, target: torch.Tensor, n_classes: int, ignore_index: int = 255
) -> float:
    """The mean of iou_per_class over the classes that have an IoU, a Python float; NaN when
    none has one (every pixel ignored)."""
    ious = iou_per_class(pred, target, n_classes, ignore_index)  # (n_classes,)
    present = ~torch.isnan(ious)
    if not bool(present.any()):
        return float("nan")
    return float(ious[present].mean())
