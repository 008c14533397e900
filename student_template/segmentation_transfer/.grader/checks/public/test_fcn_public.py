"""Public checks on fcn.py: FCN32's output shape, the bilinear kernel, and train_segmentation.

FCN32 is built in your process on a VGG16 with random weights (torchvision's architecture,
``weights=None``; nothing is downloaded), and run without gradients on small images. The
training check trains a small segmentation network of the check's own with your
train_segmentation, so it tests the training loop alone.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import torch

from grader.checks import expect
from grader.checks.helpers import in_worker
from grader.datasets.voc import write_voc_like

from helpers import segnet, vgg


def test_fcn32_output_shape(submission, seed, device) -> None:
    """FCN32(5, vgg16) must map images (B, 3, H, W) to scores (B, 5, H, W): (2, 3, 32, 32) -> (2, 5, 32, 32) and (1, 3, 64, 48) -> (1, 5, 64, 48)."""
    helpers = in_worker(submission, vgg, segnet)
    shapes = [[2, 3, 32, 32], [1, 3, 64, 48]]
    got = helpers.output_shapes(submission.fcn.FCN32, 5, seed, shapes, device)
    for shape, out in zip(shapes, got, strict=True):
        want = [shape[0], 5, shape[2], shape[3]]
        expect.that(
            out == want,
            f"FCN32(5, vgg16)(x) for x of shape {tuple(shape)} gave {out if isinstance(out, str) else tuple(out)}, "
            f"not {tuple(want)}: is the upsampled map cropped to the input's size from row and "
            "column 19?",
        )


def test_bilinear_kernel_values(submission, reference) -> None:
    """bilinear_kernel(channels, k) must give (channels, channels, k, k) float32 weights: the bilinear filter on the diagonal (weight[c, c]) and zeros elsewhere, for odd and even k."""
    for channels, k in ((3, 4), (2, 5), (1, 64)):
        what = f"bilinear_kernel({channels}, {k})"
        got = submission.fcn.bilinear_kernel(channels, k)
        expect.that(
            type(got) is torch.Tensor and got.dtype == torch.float32,
            f"{what} must return a float32 torch.Tensor, not {type(got).__name__}",
        )
        want = reference.fcn.bilinear_kernel(channels, k).numpy()
        expect.close(got.numpy(), want, rtol=0.0, atol=1e-6, what=what)


def _scalar(got: object, what: str) -> float:
    """``got`` as a float: a numpy scalar or a 0-d tensor does for a Python float."""
    if isinstance(got, torch.Tensor) and got.dim() == 0:
        return float(got)
    expect.that(
        isinstance(got, int | float | np.number),
        f"{what} must be a Python float (use loss.item()), not {type(got).__name__}",
    )
    assert isinstance(got, int | float | np.number)
    return float(got)


def _voc_tensors(seed: int, n: int, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (n, 3, size, size) in [0, 1] and masks (n, size, size) with 255 borders, as
    VocDataset gives them, of a synthetic VOC2007 drawn at that size."""
    with tempfile.TemporaryDirectory(prefix="voc-") as tmp:
        written = write_voc_like(
            Path(tmp), n, 0, classes=(1, 2, 3), seed=seed, width=(size, size), height=(size, size)
        )["train"]
    images = torch.from_numpy(np.stack(written.images)).permute(0, 3, 1, 2).float() / 255
    return images.contiguous(), torch.from_numpy(np.stack(written.masks)).long()


def test_train_segmentation_loss_falls(submission, seed, device) -> None:
    """train_segmentation(model, loader, 4, 0.01, device) must return 4 Python floats, one mean loss per epoch, falling over the epochs on a small VOC-format dataset (masks with 255 borders)."""
    images, masks = _voc_tensors(seed, 24, 32)
    helpers = in_worker(submission, vgg, segnet)
    model = helpers.tiny_segnet(seed, 21, device)
    loader = helpers.make_loader(images, masks, 8, True, seed)
    got = submission.fcn.train_segmentation(model, loader, 4, 0.01, device)
    expect.that(
        type(got) in (list, tuple) and len(got) == 4,
        f"train_segmentation must return a list of 4 Python floats (one per epoch; use "
        f"loss.item()), not {type(got).__name__}"
        + (f" of {len(got)}" if type(got) in (list, tuple) else ""),
    )
    got = [_scalar(v, "each epoch's loss train_segmentation returns") for v in got]
    expect.that(
        all(np.isfinite(got)) and got[-1] < got[0],
        f"the epoch losses {np.round(got, 3).tolist()} do not fall: is the optimiser stepping, "
        "and are gradients cleared each batch?",
    )
