"""Public checks on metrics.py: pixel accuracy and per-class IoU on random masks.

Predictions and targets are int64 tensors of class indices; some target pixels are 255, the
ignore index, and count for nothing.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.checks import expect

from helpers.values import masks, scalar

# A fraction or an IoU may be computed in float32 (a .float().mean()): 1e-7 apart from float64.


def test_pixel_accuracy_values(submission, reference, rng) -> None:
    """pixel_accuracy(pred, target) must be the fraction of the pixels not labelled 255 in target where pred equals target, a Python float."""
    for shape in ((2, 8, 8), (13, 11)):
        pred, target = masks(rng, shape, 5, 0.2)
        what = f"pixel_accuracy for masks of shape {shape}"
        got = scalar(submission.metrics.pixel_accuracy(pred, target), what)
        want = reference.metrics.pixel_accuracy(pred, target)
        expect.close(got, want, rtol=1e-6, atol=1e-7, what=what)


def test_iou_per_class_values(submission, reference, rng) -> None:
    """iou_per_class(pred, target, n_classes) must be a float tensor (n_classes,): |pred == k and target == k| / |pred == k or target == k| over the pixels not labelled 255, NaN for a class in neither."""
    pred, target = masks(rng, (3, 10, 12), 5, 0.1)  # class 5 of 6 is in neither
    what = "iou_per_class(pred, target, 6) for masks (3, 10, 12) with labels 0..4"
    got = submission.metrics.iou_per_class(pred, target, 6)
    expect.that(
        type(got) is torch.Tensor and got.is_floating_point(),
        f"{what} must be a float torch.Tensor, not {type(got).__name__}",
    )
    expect.shape(got.numpy(), (6,), what=what)
    values = got.double().numpy()
    want = reference.metrics.iou_per_class(pred, target, 6).numpy()
    expect.that(
        bool(np.isnan(values[5])) and not np.isnan(values[:5]).any(),
        f"{what}: only class 5, absent from both pred and target, must be NaN",
    )
    expect.close(values[:5], want[:5], rtol=1e-6, atol=1e-7, what=what)
