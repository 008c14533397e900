"""Public checks on transfer.py: the fine-tuned squeezenet1_1's head and frozen backbone, and
SmallCNN's output. Models are built in your process with weights=None (nothing is downloaded)."""

from __future__ import annotations

import numpy as np
import torch

from grader.checks import expect
from grader.checks.helpers import in_worker

from helpers import squeezenet


def _images(rng, shape: tuple[int, ...]) -> torch.Tensor:
    return torch.from_numpy(rng.uniform(size=shape).astype(np.float32))


def _logits(got: object, shape: tuple[int, ...], what: str) -> None:
    expect.that(
        type(got) is torch.Tensor, f"{what} must be a torch.Tensor, not {type(got).__name__}"
    )
    assert isinstance(got, torch.Tensor)
    expect.shape(got.detach().double().numpy(), shape, what=what)


def test_finetune_squeezenet_output_shape(submission, rng, seed) -> None:
    """finetune_squeezenet(7) must map images (B, 3, H, W) to logits (B, 7), for 64 x 64 and 48 x 48 images, and set model.num_classes = 7."""
    helpers = in_worker(submission, squeezenet)
    model = helpers.seeded(submission.transfer.finetune_squeezenet, seed, 7)
    for shape in ((2, 3, 64, 64), (1, 3, 48, 48)):
        what = f"finetune_squeezenet(7)(x) in eval mode for x of shape {shape}"
        _logits(helpers.outputs(model, _images(rng, shape), "eval"), (shape[0], 7), what)
    head = helpers.head_of(model)
    expect.that(
        head["num_classes"] == 7,
        f"model.num_classes is {head['num_classes']!r}; set it to num_classes (7)",
    )


def test_finetune_squeezenet_frozen_backbone(submission, seed) -> None:
    """finetune_squeezenet(7) must replace classifier[1] by a new Conv2d(512, 7, kernel_size=1) and leave exactly its weight and bias trainable: every other parameter has requires_grad=False."""
    helpers = in_worker(submission, squeezenet)
    model = helpers.seeded(submission.transfer.finetune_squeezenet, seed, 7)
    head = helpers.head_of(model)
    expect.that(
        head["type"] == "Conv2d" and head["channels"] == [512, 7] and head["kernel_size"] == [1, 1],
        f"classifier[1] is a {head['type']} with channels {head['channels']} and kernel "
        f"{head['kernel_size']}; it must be nn.Conv2d(512, 7, kernel_size=1)",
    )
    names = helpers.trainable(model)
    want = ["classifier.1.weight", "classifier.1.bias"]
    frozen_wrongly = [n for n in want if n not in names]
    not_frozen = [n for n in names if n not in want]
    expect.that(
        not not_frozen,
        f"{len(not_frozen)} backbone parameters still require gradients (e.g. {not_frozen[:3]}); "
        "set requires_grad = False on every pretrained parameter before replacing the head",
    )
    expect.that(
        not frozen_wrongly,
        f"the new head's {frozen_wrongly} do not require gradients: freeze the backbone first, "
        "then put in the new layer",
    )


def test_small_cnn_output_shape(submission, rng, seed) -> None:
    """SmallCNN(17) must map images (B, 3, H, W) to logits (B, 17) for 48 x 48 images in train mode (B = 4) and 32 x 32 and 64 x 64 ones in eval mode (B = 1)."""
    helpers = in_worker(submission, squeezenet)
    model = helpers.seeded(submission.transfer.SmallCNN, seed, 17)
    for shape, mode in (
        ((4, 3, 48, 48), "train"),
        ((1, 3, 32, 32), "eval"),
        ((1, 3, 64, 64), "eval"),
    ):
        what = f"SmallCNN(17)(x) in {mode} mode for x of shape {shape}"
        _logits(helpers.outputs(model, _images(rng, shape), mode), (shape[0], 17), what)
