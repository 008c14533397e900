"""Hidden checks on metrics.py: ignored pixels, absent classes and the mean IoU, against the
reference on random masks and edge cases."""

from __future__ import annotations

import math

import numpy as np
import torch

from grader.checks import expect

from helpers.values import masks, scalar

# A fraction or an IoU may be computed in float32 (a .float().mean()): 1e-7 apart from float64.


def _ious(got: object, n_classes: int, what: str) -> np.ndarray:
    expect.that(
        type(got) is torch.Tensor and got.is_floating_point(),
        f"{what} must be a float torch.Tensor, not {type(got).__name__}",
    )
    assert isinstance(got, torch.Tensor)
    expect.shape(got.numpy(), (n_classes,), what=what)
    return got.double().numpy()


def _same_ious(got: np.ndarray, want: np.ndarray, what: str) -> None:
    """Same NaN classes, and the same IoU for every other class."""
    nan_got, nan_want = np.isnan(got), np.isnan(want)
    extra, missing = np.flatnonzero(nan_got & ~nan_want), np.flatnonzero(nan_want & ~nan_got)
    expect.that(
        not len(extra) and not len(missing),
        f"{what}: "
        + (f"classes {extra.tolist()} are NaN but appear in pred or target; " if len(extra) else "")
        + (
            f"classes {missing.tolist()} are in neither pred nor target and must be NaN"
            if len(missing)
            else ""
        ),
    )
    expect.close(got[~nan_want], want[~nan_want], rtol=1e-6, atol=1e-7, what=what)


def test_iou_per_class_ignores_void(submission, reference, rng) -> None:
    """iou_per_class must skip the pixels labelled 255 in target altogether: what pred says there must count in no class's intersection or union."""
    pred, target = masks(rng, (2, 16, 16), 4, 0.0)
    target[:, :8, :] = 255  # the top half is border...
    pred[:, :8, :] = 3  # ...where the prediction says class 3
    what = "iou_per_class(pred, target, 4) with target's top half 255 and pred's top half 3"
    got = _ious(submission.metrics.iou_per_class(pred, target, 4), 4, what)
    _same_ious(got, reference.metrics.iou_per_class(pred, target, 4).numpy(), what)


def test_iou_per_class_absent_classes(submission, reference, rng) -> None:
    """iou_per_class must give NaN (without dividing by zero) for a class in neither pred nor target, and 0 for a class in target that pred never hits or in pred but not in target."""
    pred, target = masks(rng, (12, 12), 3, 0.1)  # classes 0..2
    pred[pred == 2] = 0  # class 2: in target only
    pred[:2, :2] = 4  # class 4: in pred only
    target[:2, :2] = 1
    what = (
        "iou_per_class(pred, target, 6): class 2 only in target, 3 and 5 in neither, 4 only in pred"
    )
    got = _ious(submission.metrics.iou_per_class(pred, target, 6), 6, what)
    _same_ious(got, reference.metrics.iou_per_class(pred, target, 6).numpy(), what)


def test_mean_iou_values(submission, reference, rng) -> None:
    """mean_iou must be the mean of iou_per_class over the classes that have an IoU (not NaN), a Python float, and NaN when every pixel is ignored."""
    pred, target = masks(rng, (2, 12, 12), 4, 0.15)
    for n_classes in (4, 7):  # with 7, classes 4..6 are absent: they must not count as 0
        what = f"mean_iou(pred, target, {n_classes}) with labels 0..3"
        got = scalar(submission.metrics.mean_iou(pred, target, n_classes), what)
        want = reference.metrics.mean_iou(pred, target, n_classes)
        expect.close(got, want, rtol=1e-6, atol=1e-7, what=what)
    what = "mean_iou with every target pixel 255"
    got = scalar(submission.metrics.mean_iou(pred, torch.full_like(target, 255), 4), what)
    expect.that(
        math.isnan(got),
        f"{what} must be NaN (no class has an IoU), not {got!r}",
    )


def test_pixel_accuracy_edge_cases(submission, reference, rng) -> None:
    """pixel_accuracy must not count pixels labelled 255 (neither as hits nor in the total) and must be NaN when every pixel is ignored."""
    pred, target = masks(rng, (10, 10), 3, 0.0)
    target[:5] = 255
    pred[:5] = 7  # wrong everywhere it is ignored
    what = "pixel_accuracy with target's top half 255 (pred wrong there)"
    got = scalar(submission.metrics.pixel_accuracy(pred, target), what)
    expect.close(
        got, reference.metrics.pixel_accuracy(pred, target), rtol=1e-6, atol=1e-7, what=what
    )
    what = "pixel_accuracy with every target pixel 255"
    got = scalar(submission.metrics.pixel_accuracy(pred, torch.full_like(target, 255)), what)
    expect.that(
        math.isnan(got),
        f"{what} must be NaN (0 of 0 pixels), not {got!r}",
    )
