"""Metrics with Python loops over classes and explicit counts; results are Python floats
built by hand, NaN written as float('nan')."""

import torch


def pixel_accuracy(pred, target, ignore_index=255):
    valid = target != ignore_index
    n = valid.sum().item()
    if n == 0:
        return float("nan")
    hits = ((pred == target) & valid).sum().item()
    return hits / n


def iou_per_class(pred, target, n_classes, ignore_index=255):
    valid = target != ignore_index
    result = []
    for c in range(n_classes):
        p = (pred == c) & valid
        t = (target == c) & valid
        inter = (p & t).sum().item()
        union = (p | t).sum().item()
        if union == 0:
            result.append(float("nan"))
        else:
            result.append(inter / union)
    return torch.tensor(result, dtype=torch.float64)


def mean_iou(pred, target, n_classes, ignore_index=255):
    ious = iou_per_class(pred, target, n_classes, ignore_index)
    total, count = 0.0, 0
    for v in ious.tolist():
        if v == v:  # not NaN
            total += v
            count += 1
    if count == 0:
        return float("nan")
    return total / count
