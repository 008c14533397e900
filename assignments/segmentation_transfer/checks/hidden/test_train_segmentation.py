"""Hidden checks on train_segmentation: what one training run does, and the mIoU it reaches.

Both checks train a small fully convolutional network of the check's own, so they test your
training loop, not FCN32, which is too big to train at grading time on a CPU, nor your
VocDataset: the images and masks are read here and sent over as tensors. The first check
records each forward pass of your loop and recomputes its loss here; the mIoU check trains
on a synthetic VOC2007 train split, the held-out images go over without their masks, and the
mIoU is computed here from the scores that come back, with credit ramping from [params] miou
floor to target. Any optimiser will do at the learning rate given: the mIoU check's network has
BatchNorm, which Adam, SGD and SGD with momentum all train in the epochs given (the spread over
seeds is in docs/fair-checks/segmentation_transfer.md).
"""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from grader.checks import expect
from grader.checks.helpers import in_worker
from grader.datasets.voc import voc_palette, write_voc_like

from helpers import segmentation_probes, segnet

COLOR_MAP = voc_palette()[:21].tolist()
# The images come from the heldout_seed fixture, new for each run and secret from the
# submission (grader.checks.heldout); the run's public seed varies the weights and batch order.


def _floats(got: object, count: int, what: str) -> np.ndarray:
    """The epoch losses as an array; a numpy scalar or a 0-d tensor does for a Python float."""
    expect.that(
        type(got) in (list, tuple) and len(got) == count,
        f"{what} must be a list of {count} Python floats, one per epoch (use loss.item()), "
        f"not {type(got).__name__}" + (f" of {len(got)}" if type(got) in (list, tuple) else ""),
    )
    assert isinstance(got, list | tuple)
    values = []
    for value in got:
        if isinstance(value, torch.Tensor) and value.dim() == 0:
            value = value.item()
        expect.that(
            isinstance(value, int | float | np.number),
            f"{what} holds a {type(value).__name__}; each epoch's loss must be a Python float",
        )
        values.append(float(value))
    return np.asarray(values, dtype=np.float64)


def _batch_masks(inputs: torch.Tensor, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """The masks of the images in a recorded batch, found by value among the dataset's."""
    index = {images[i].numpy().tobytes(): i for i in range(len(images))}
    found = [index.get(x.float().numpy().tobytes()) for x in inputs]
    expect.that(
        all(i is not None for i in found),
        "the model was given images that are not the loader's: pass each batch's images to the "
        "model as they come (only moved to the device)",
    )
    return masks[[i for i in found if i is not None]]


def test_train_segmentation_epoch_losses(submission, rng, seed, device) -> None:
    """train_segmentation (2 epochs, batches of 8 with a last one of 4) must, in train mode, make one forward pass per batch with the gradients cleared before backward, step once per batch, change only the parameters that require gradients, and return each epoch's mean batch loss: the pixel cross-entropy of the logits that skips the pixels labelled 255. Any optimiser will do."""
    images = torch.from_numpy(rng.uniform(size=(20, 3, 16, 16)).astype(np.float32))
    masks = rng.integers(0, 4, size=(20, 16, 16))
    masks[rng.uniform(size=masks.shape) < 0.15] = 255  # borders: no loss there
    masks_t = torch.from_numpy(masks.astype(np.int64))
    helpers = in_worker(submission, segnet, segmentation_probes)
    record = helpers.record_training(
        submission.fcn.train_segmentation, seed, images, masks_t, 2, 0.01, device
    )
    losses = _floats(record["returned"], 2, "train_segmentation's result")
    calls = record["calls"]
    expect.that(
        len(calls) == 6,
        f"train_segmentation made {len(calls)} forward passes in train mode with gradients on; "
        "2 epochs of 3 batches need one per batch, 6 (call model.train() before training)",
    )
    expect.that(
        not any(call["stale"] for call in calls),
        "the gradients of an earlier batch were still there when a backward pass began: call "
        "optimizer.zero_grad() once per batch, before loss.backward()",
    )
    weights = [call["weights"] for call in calls]
    expect.that(
        all(a != b for a, b in zip(weights, weights[1:], strict=False)),
        "the weights did not change between two batches: call optimizer.step() once per batch",
    )
    expect.that(
        not any(record["frozen_moved"]),
        "train_segmentation changed parameters that do not require gradients: give the "
        "optimiser only [p for p in model.parameters() if p.requires_grad]",
    )
    expect.that(
        all(record["trainable_moved"]),
        "some parameters that require gradients did not change in training",
    )
    batch_losses = [
        float(
            torch.nn.functional.cross_entropy(
                call["logits"].double(),
                _batch_masks(call["input"], images, masks_t),
                ignore_index=255,
            )
        )
        for call in calls
    ]
    want = np.asarray([np.mean(batch_losses[:3]), np.mean(batch_losses[3:])])
    expect.close(
        losses,
        want,
        rtol=1e-4,
        atol=1e-6,
        what="the epoch losses (each the mean over the epoch's batches of the pixel "
        "cross-entropy, ignore_index=255, of the logits your loop computed)",
    )


def _read(voc, root: Path, size: int, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (N, 3, size, size) and masks (N, size, size) of a split, read by the reference."""
    dataset = voc.VocDataset(str(root), COLOR_MAP, size, split=split)
    items = [dataset[i] for i in range(len(dataset))]
    return torch.stack([i for i, _ in items]), torch.stack([m for _, m in items])


@lru_cache(maxsize=1)
def _voc(
    voc,
    n_train: int,
    n_test: int,
    size: int,
    shape: tuple[tuple[str, tuple[int, ...]], ...],
    seeds: tuple[int, int, int],
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(train images, train masks, held-out images, held-out masks) of a synthetic VOC2007,
    read here by the reference VocDataset; ``shape`` holds write_voc_like's classes, width and
    height ranges; ``seeds`` (secret) the training images, the held-out ones and the order in
    which the training images are sent."""
    with tempfile.TemporaryDirectory(prefix="voc-train-") as tmp:
        write_voc_like(Path(tmp), n_train, 0, seed=seeds[0], **dict(shape))
        images, masks = _read(voc, Path(tmp), size, "train")
    with tempfile.TemporaryDirectory(prefix="voc-test-") as tmp:
        write_voc_like(Path(tmp), 0, n_test, seed=seeds[1], **dict(shape))
        test = _read(voc, Path(tmp), size, "val")
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seeds[2]))
    return images[order], masks[order], *test


def test_train_segmentation_voc_miou(
    submission, reference, params, seed, heldout_seed, device
) -> None:
    """A small segmentation network trained by your train_segmentation on a synthetic VOC2007 train split (read here, so that this check tests your training loop alone) must segment held-out images: credit ramps with the mean IoU from the floor to the target in [params] miou."""
    p = params["miou"]
    shape = tuple((key, tuple(p[key])) for key in ("classes", "width", "height"))
    seeds = tuple(heldout_seed(f"voc/{part}") for part in ("train", "test", "order"))
    train_images, train_masks, images, masks = _voc(
        reference.voc, p["n_train"], p["n_test"], p["size"], shape, seeds
    )
    helpers = in_worker(submission, segnet, segmentation_probes)
    loader = helpers.make_loader(train_images, train_masks, p["batch_size"], True, seed)
    model = helpers.norm_segnet(seed, 21, device)
    submission.fcn.train_segmentation(model, loader, p["epochs"], p["lr"], device)
    scores = helpers.predict(model, images, device)
    what = "the trained network's scores for the held-out images"
    expect.that(type(scores) is torch.Tensor, f"{what} must be a tensor")
    expect.shape(scores.numpy(), (len(images), 21, p["size"], p["size"]), what=what)
    miou = reference.metrics.mean_iou(scores.argmax(dim=1), masks, 21)
    expect.ramp(
        0.0 if np.isnan(miou) else miou,
        floor=p["floor"],
        target=p["target"],
        what=f"the mean IoU on held-out images after {p['epochs']} epochs of your "
        f"train_segmentation (lr {p['lr']})",
    )
