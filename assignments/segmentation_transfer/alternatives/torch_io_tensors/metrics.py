"""Metrics through a per-class intersection and union from torch.bincount of the counted
pixels; IoU division done with NaN where the union is 0."""

import math

import torch


def pixel_accuracy(pred, target, ignore_index=255):
    mask = target != ignore_index
    n = int(mask.sum())
    return float("nan") if n == 0 else float((pred[mask] == target[mask]).sum()) / n


def iou_per_class(pred, target, n_classes, ignore_index=255):
    mask = target != ignore_index
    p, t = pred[mask], target[mask]
    hit = p[p == t]
    inter = torch.bincount(hit[hit < n_classes], minlength=n_classes)[:n_classes].double()
    area_p = torch.bincount(p[p < n_classes], minlength=n_classes)[:n_classes].double()
    area_t = torch.bincount(t[t < n_classes], minlength=n_classes)[:n_classes].double()
    union = area_p + area_t - inter
    iou = inter / union
    iou[union == 0] = float("nan")
    return iou


def mean_iou(pred, target, n_classes, ignore_index=255):
    ious = [
        v
        for v in iou_per_class(pred, target, n_classes, ignore_index).tolist()
        if not math.isnan(v)
    ]
    return sum(ious) / len(ious) if ious else float("nan")
