"""Metrics from a confusion matrix built with torch.bincount; pixel_accuracy and mean_iou
return numpy float64 scalars (np.nanmean), not Python floats."""

import numpy as np
import torch


def _confusion(pred, target, n, ignore_index):
    keep = target != ignore_index
    t = target[keep].long()
    p = pred[keep].long()
    ok = (p >= 0) & (p < n) & (t >= 0) & (t < n)
    return torch.bincount(n * t[ok] + p[ok], minlength=n * n).reshape(n, n)


def pixel_accuracy(pred, target, ignore_index=255):
    keep = target != ignore_index
    total = keep.sum().item()
    if total == 0:
        return np.float64("nan")
    return np.float64((pred[keep] == target[keep]).sum().item()) / total


def iou_per_class(pred, target, n_classes, ignore_index=255):
    # room for any label pred holds, so that every counted pixel lands in the matrix
    n = max(n_classes, int(pred.max().item()) + 1 if pred.numel() else 0)
    cm = _confusion(pred, target, n, ignore_index).double()  # rows: truth, columns: prediction
    inter = torch.diag(cm)
    union = cm.sum(0) + cm.sum(1) - inter
    return (inter / union)[:n_classes]  # 0 / 0 is NaN: the classes in neither


def mean_iou(pred, target, n_classes, ignore_index=255):
    ious = iou_per_class(pred, target, n_classes, ignore_index).numpy()
    if np.isnan(ious).all():
        return np.float64("nan")
    return np.nanmean(ious)
