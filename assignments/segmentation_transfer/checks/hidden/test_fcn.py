"""Hidden checks on FCN32: output sizes, the backbone it reuses, fc6/fc7, upsampling, forward.

Each check builds FCN32 in your process on a VGG16 with random weights drawn from the run's
seed (torchvision's architecture, weights=None) inside one helper call, so that the 1 GB
network is freed when the call returns. Only shapes, flags and score maps come back. The
forward check builds the reference FCN32 here on an identical VGG16 and compares the two.
"""

from __future__ import annotations

import types

import numpy as np
import torch

from grader.checks import expect

HELPERS = '''
import types

import torch
import torchvision
from torch import nn


def vgg16(seed):
    """torchvision's VGG16 (weights=None) with He-uniform weights and small biases drawn from a
    generator seeded with seed: the same network in every process, built fast."""
    with torch.device("meta"):
        model = torchvision.models.vgg16(weights=None)
    model = model.to_empty(device="cpu")
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in model.modules():
            if isinstance(layer, (nn.Conv2d, nn.Linear)):
                bound = (6.0 / layer.weight[0].numel()) ** 0.5
                layer.weight.uniform_(-bound, bound, generator=generator)
                layer.bias.uniform_(-0.1, 0.1, generator=generator)
    return model


def output_shapes(fcn32, n_classes, seed, shapes, device):
    """The output shape of fcn32(n_classes, vgg16(seed)) in eval mode, without gradients, for
    random images of each shape (or the type of what came out instead of a tensor)."""
    model = fcn32(n_classes, vgg16(seed)).to(device).eval()
    generator = torch.Generator().manual_seed(seed)
    got = []
    with torch.no_grad():
        for shape in shapes:
            out = model(torch.rand(shape, generator=generator).to(device))
            got.append(list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__)
    return got


def score_layer(model, n_classes):
    """model.score_fr, or under any other name the one Conv2d(4096, n_classes, 1)."""
    layer = getattr(model, "score_fr", None)
    if isinstance(layer, nn.Conv2d):
        return layer
    found = [
        m for m in model.modules()
        if isinstance(m, nn.Conv2d) and m.in_channels == 4096 and m.out_channels == n_classes
    ]
    return found[0] if len(found) == 1 else None


def upscore_layer(model):
    """model.upscore, or under any other name the one ConvTranspose2d."""
    layer = getattr(model, "upscore", None)
    if isinstance(layer, nn.ConvTranspose2d):
        return layer
    found = [m for m in model.modules() if isinstance(m, nn.ConvTranspose2d)]
    return found[0] if len(found) == 1 else layer


def _holds(params, tensor):
    return any(p.shape == tensor.shape and torch.equal(p.detach(), tensor) for p in params)


def backbone_found(fcn32, n_classes, seed):
    """For each of the 26 weight tensors of vgg16(seed).features (before FCN32 is built):
    whether fcn32(n_classes, that VGG16) has a parameter equal to it."""
    vgg = vgg16(seed)
    before = [p.detach().clone() for p in vgg.features.parameters()]
    params = list(fcn32(n_classes, vgg).parameters())
    return [_holds(params, tensor) for tensor in before]


def classifier_found(fcn32, n_classes, seed):
    """Whether fcn32(n_classes, vgg16(seed)) has parameters equal to the VGG16's fc6 and fc7
    weights (as convolution weights) and biases."""
    vgg = vgg16(seed)
    fc6, fc7 = vgg.classifier[0], vgg.classifier[3]
    wanted = {
        "fc6's weight": fc6.weight.detach().view(4096, 512, 7, 7),
        "fc6's bias": fc6.bias.detach(),
        "fc7's weight": fc7.weight.detach().view(4096, 4096, 1, 1),
        "fc7's bias": fc7.bias.detach(),
    }
    params = list(fcn32(n_classes, vgg).parameters())
    return {name: _holds(params, tensor) for name, tensor in wanted.items()}


def upscore_of(fcn32, n_classes, seed):
    """model.upscore's settings and weights, or the type of what model.upscore is."""
    layer = upscore_layer(fcn32(n_classes, vgg16(seed)))
    if not isinstance(layer, nn.ConvTranspose2d):
        return type(layer).__name__
    return {
        "channels": [layer.in_channels, layer.out_channels],
        "kernel_size": list(layer.kernel_size),
        "stride": list(layer.stride),
        "padding": list(layer.padding),
        "bias": layer.bias is not None,
        "weight": layer.weight.detach().cpu().clone(),
    }


def forward(fcn32, n_classes, seed, score_weight, score_bias, images, device):
    """fcn32(n_classes, vgg16(seed)) with score_fr's weights set, in eval mode, without
    gradients: its output for images, on the CPU."""
    model = fcn32(n_classes, vgg16(seed))
    score_fr = score_layer(model, n_classes)
    if score_fr is None:
        return "no score_fr"
    with torch.no_grad():
        score_fr.weight.copy_(score_weight)
        score_fr.bias.copy_(score_bias)
    model.to(device).eval()
    tf32 = torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = False  # full float32 convolutions on a GPU, as on the CPU
    try:
        with torch.no_grad():
            out = model(images.to(device))
    finally:
        torch.backends.cudnn.allow_tf32 = tf32
    return out.cpu() if isinstance(out, torch.Tensor) else out


def score_fr_gradient(fcn32, n_classes, seed, images, masks, device):
    """score_fr's weight gradient after one backward pass of the pixel cross-entropy (ignore
    index 255) in train mode, or None when it has none."""
    model = fcn32(n_classes, vgg16(seed)).to(device).train()
    out = model(images.to(device))
    score_fr = score_layer(model, n_classes)
    if score_fr is None:
        return "no score_fr"
    nn.functional.cross_entropy(out, masks.to(device), ignore_index=255).backward()
    grad = score_fr.weight.grad
    return None if grad is None else grad.detach().cpu()


helpers = types.SimpleNamespace(
    vgg16=vgg16,
    output_shapes=output_shapes,
    backbone_found=backbone_found,
    classifier_found=classifier_found,
    upscore_of=upscore_of,
    forward=forward,
    score_fr_gradient=score_fr_gradient,
)
'''


def _local() -> types.SimpleNamespace:
    """The same helpers, defined in this (trusted) process for the reference."""
    namespace: dict[str, object] = {}
    exec(compile(HELPERS, "<check helpers>", "exec"), namespace)  # noqa: S102 - our own source
    helpers = namespace["helpers"]
    assert isinstance(helpers, types.SimpleNamespace)
    return helpers


LOCAL = _local()
NO_SCORE_FR = (
    "FCN32 has no score_fr: no attribute score_fr, and not exactly one Conv2d(4096, n_classes, 1) "
    "among its modules; this check sets that layer's weights (or reads its gradient)"
)
VOC_SIZES = ((224, 224), (256, 256), (240, 320), (375, 500))  # (H, W)


def test_fcn32_output_shape_voc_sizes(submission, seed, device) -> None:
    """FCN32(21, vgg16) must give scores (1, 21, H, W) for images of VOC's sizes, square or not: 224 x 224, 256 x 256, 320 x 240 and 500 x 375 (W x H)."""
    helpers = submission.define(HELPERS, "helpers")
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
    found = submission.define(HELPERS, "helpers").backbone_found(submission.fcn.FCN32, 21, seed)
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
    helpers = submission.define(HELPERS, "helpers")
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
    got = submission.define(HELPERS, "helpers").upscore_of(submission.fcn.FCN32, 6, seed)
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
    helpers = submission.define(HELPERS, "helpers")
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
    grad = submission.define(HELPERS, "helpers").score_fr_gradient(
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
