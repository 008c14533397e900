"""Hidden checks on FCN32: output sizes, the backbone it reuses, fc6/fc7, upsampling, forward.

Each check builds FCN32 in your process on a VGG16 with random weights drawn from the run's
seed (torchvision's architecture, weights=None) inside one helper call, so that the 1 GB
network is freed when the call returns. Only shapes, flags and score maps come back. The
forward check builds the reference FCN32 here on an identical VGG16 and compares the two.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.checks import expect
from grader.checks.helpers import in_worker, namespace

from helpers import fcn_probes, vgg

LOCAL = namespace(vgg, fcn_probes)
"""The same helpers as in the worker, in this (trusted) process for the reference."""
NO_SCORE_FR = (
    "FCN32 has no score_fr: no attribute score_fr, and not exactly one Conv2d(4096, n_classes, 1) "
    "among its modules; this check sets that layer's weights (or reads its gradient)"
)
VOC_SIZES = ((224, 224), (256, 256), (240, 320), (375, 500))  # (H, W)


def test_fcn32_output_shape_voc_sizes(submission, seed, device) -> None:
    """FCN32(21, vgg16) must give scores (1, 21, H, W) for images of VOC's sizes, square or not: 224 x 224, 256 x 256, 320 x 240 and 500 x 375 (W x H)."""
    helpers = in_worker(submission, vgg, fcn_probes)
    shapes = [[1, 3, h, w] for h, w in VOC_SIZES]
    got = helpers.output_shapes(submission.fcn.FCN32, 21, seed, shapes, device)
    wrong = [
        f"{w} x {h} gave {out if isinstance(out, str) else tuple(out)}"
        for (h, w), out in zip(VOC_SIZES, got, strict=True)
        if out != [1, 21, h, w]
    ]
    expect.that(
        not wrong,
        f"FCN32(21, vgg16)(x) must be (1, 21, H, W) for x (1, 3, H, W), but {'; '.join(wrong)}. "
        "With conv1_1 padded by 100 and ceil-mode pools, upscore's output covers the image: "
        "crop rows and columns 19 .. 19 + H (W)",
    )


def test_fcn32_reuses_backbone(submission, seed) -> None:
    """FCN32 must use the VGG16 it is given: every weight of pretrained_model.features (conv1_1 to conv5_3) must be one of FCN32's parameters, unchanged; do not build a new VGG16."""
    found = in_worker(submission, vgg, fcn_probes).backbone_found(submission.fcn.FCN32, 21, seed)
    expect.that(
        type(found) is list and len(found) == 26,
        "FCN32(21, vgg16) could not be searched for VGG16's 26 feature tensors",
    )
    missing = found.count(False)
    expect.that(
        missing == 0,
        f"{missing} of the 26 weight and bias tensors of pretrained_model.features are not among "
        "FCN32's parameters (or were changed): use pretrained_model.features itself",
    )


def test_fcn32_fc6_fc7_from_classifier(submission, seed) -> None:
    """FCN32's fc6 and fc7 must be convolutions holding the VGG16 classifier's weights: classifier[0] viewed as (4096, 512, 7, 7) and classifier[3] as (4096, 4096, 1, 1), with their biases."""
    helpers = in_worker(submission, vgg, fcn_probes)
    found = helpers.classifier_found(submission.fcn.FCN32, 21, seed)
    missing = [name for name, ok in found.items() if not ok]
    expect.that(
        not missing,
        f"FCN32 has no parameter equal to the VGG16 classifier's {', '.join(missing)}: copy "
        "the fully connected weights into fc6 and fc7 (weight.view(4096, 512, 7, 7) for fc6, "
        "view(4096, 4096, 1, 1) for fc7), biases too",
    )


def test_fcn32_upscore_bilinear(submission, reference, seed) -> None:
    """FCN32.upscore must be ConvTranspose2d(n_classes, n_classes, 64, stride=32, bias=False) starting from bilinear_kernel(n_classes, 64)."""
    got = in_worker(submission, vgg, fcn_probes).upscore_of(submission.fcn.FCN32, 6, seed)
    expect.that(
        isinstance(got, dict),
        f"FCN32(6, vgg16).upscore must be an nn.ConvTranspose2d (under that name, or the only "
        f"one in the model), not {got}",
    )
    settings = {k: got[k] for k in ("channels", "kernel_size", "stride", "padding", "bias")}
    want = {
        "channels": [6, 6],
        "kernel_size": [64, 64],
        "stride": [32, 32],
        "padding": [0, 0],
        "bias": False,
    }
    differ = [f"{k} {settings[k]} (not {want[k]})" for k in want if settings[k] != want[k]]
    expect.that(not differ, f"FCN32(6, vgg16).upscore has {'; '.join(differ)}")
    expect.close(
        got["weight"].double().numpy(),
        reference.fcn.bilinear_kernel(6, 64).double().numpy(),
        rtol=0.0,
        atol=1e-6,
        what="FCN32(6, vgg16).upscore.weight",
    )


def test_fcn32_forward_matches_reference(submission, reference, rng, seed, device) -> None:
    """FCN32's scores for a 48 x 64 image in eval mode must match the reference's on the same VGG16 and score_fr weights: conv1_1 padded by 100, ceil-mode pools, fc6/fc7 with ReLU and dropout, score_fr, bilinear upscore, crop from (19, 19)."""
    classes = 5
    weight = torch.from_numpy(rng.normal(0.0, 0.05, size=(classes, 4096, 1, 1)).astype(np.float32))
    bias = torch.from_numpy(rng.normal(0.0, 0.1, size=classes).astype(np.float32))
    images = torch.from_numpy(rng.uniform(size=(1, 3, 48, 64)).astype(np.float32))
    helpers = in_worker(submission, vgg, fcn_probes)
    got = helpers.forward(submission.fcn.FCN32, classes, seed, weight, bias, images, device)
    expect.that(not isinstance(got, str), NO_SCORE_FR)
    what = f"FCN32({classes}, vgg16)(x) for x of shape (1, 3, 48, 64), in eval mode"
    expect.that(type(got) is torch.Tensor, f"{what} must be a tensor, not {type(got).__name__}")
    expect.shape(got.numpy(), (1, classes, 48, 64), what=what)
    model = reference.fcn.FCN32(classes, LOCAL.vgg16(seed))
    with torch.no_grad():
        model.score_fr.weight.copy_(weight)
        model.score_fr.bias.copy_(bias)
        want = model.eval()(images).numpy()
    del model
    scale = float(np.abs(want).max())  # 16 float32 layers: errors relative to the map's scale
    rtol, atol = (1e-2, 1e-2 * scale) if device.startswith("cuda") else (1e-3, 1e-4 * scale)
    expect.close(got.numpy(), want, rtol=rtol, atol=atol, what=what)


def test_fcn32_gradients_reach_score_fr(submission, rng, seed, device) -> None:
    """FCN32 must be trainable end to end: after loss.backward() on the pixel cross-entropy, score_fr.weight must have a finite, non-zero gradient."""
    images = torch.from_numpy(rng.uniform(size=(2, 3, 32, 32)).astype(np.float32))
    masks = torch.from_numpy(rng.integers(0, 4, size=(2, 32, 32)).astype(np.int64))
    grad = in_worker(submission, vgg, fcn_probes).score_fr_gradient(
        submission.fcn.FCN32, 4, seed, images, masks, device
    )
    expect.that(not isinstance(grad, str), NO_SCORE_FR)
    expect.that(
        grad is not None,
        "score_fr.weight has no gradient after loss.backward(): does the loss depend on "
        "score_fr, and do its parameters require gradients?",
    )
    values = grad.double().numpy()
    expect.that(
        bool(np.isfinite(values).all()) and float(np.abs(values).max()) > 0,
        "score_fr.weight's gradient is zero or not finite after loss.backward()",
    )
