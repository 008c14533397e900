"""Hidden checks on train_segmentation: against the reference, and the mIoU it reaches.

Both checks train a small fully convolutional network of the check's own (the same helpers
build it in your process and here), so they test your training loop, not FCN32, which is too
big to train at grading time on a CPU. The mIoU check runs the whole pipeline: your VocDataset
reads a synthetic VOC2007 train split in your process, your train_segmentation trains on it,
and the held-out images go over without their masks; the mIoU is computed here from the
scores that come back, with credit ramping from [params] miou floor to target.
"""

from __future__ import annotations

import tempfile
import types
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from grader.checks import expect
from grader.datasets.voc import voc_palette, write_voc_like

HELPERS = '''
import os
import tempfile
import types

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def tiny_segnet(seed, n_classes, device, dtype="float32"):
    """A small fully convolutional network: (B, 3, H, W) -> (B, n_classes, H, W), H, W % 4 == 0."""
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(),
        nn.Conv2d(16, 16, 3, padding=1, stride=2), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1, stride=2), nn.ReLU(),
        nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
        nn.Conv2d(32, n_classes, 1),
        nn.Upsample(scale_factor=4, mode="bilinear", align_corners=False),
    )
    return model.to(device=device, dtype=getattr(torch, dtype))


def make_loader(images, masks, batch_size, shuffle, seed):
    """A DataLoader over (images, masks); shuffled by a generator seeded with seed."""
    return DataLoader(
        TensorDataset(images.contiguous(), masks.contiguous()),
        batch_size=batch_size,
        shuffle=shuffle,
        generator=torch.Generator().manual_seed(seed),
    )


def parameters_of(model):
    """model's parameters in registration order, detached, as CPU tensors."""
    return [p.detach().cpu().clone() for p in model.parameters()]


def write_tree(files):
    """Write {relative path: bytes} into a new folder under the working folder; its path."""
    root = tempfile.mkdtemp(prefix="voc-", dir=os.getcwd())
    for rel, data in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
    return root


def dataset_loader(dataset, batch_size, seed):
    """A shuffled DataLoader over a Dataset, shuffled by a generator seeded with seed."""
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=generator)


def predict(model, images, device):
    """The scores for images (N, 3, H, W): eval mode, no gradients, returned on the CPU."""
    model.to(device).eval()
    with torch.no_grad():
        out = model(images.to(device))
    return out.detach().float().cpu() if isinstance(out, torch.Tensor) else out


helpers = types.SimpleNamespace(
    tiny_segnet=tiny_segnet,
    make_loader=make_loader,
    parameters_of=parameters_of,
    write_tree=write_tree,
    dataset_loader=dataset_loader,
    predict=predict,
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
COLOR_MAP = voc_palette()[:21].tolist()
TRAIN_SEED, TEST_SEED = 4472, 8201  # fixed data; the run's seed varies the weights and order


def _floats(got: object, count: int, what: str) -> np.ndarray:
    expect.that(
        type(got) is list and len(got) == count and all(type(v) in (float, int) for v in got),
        f"{what} must be a list of {count} Python floats, one per epoch (use loss.item())",
    )
    return np.asarray(got, dtype=np.float64)


def test_train_segmentation_matches_reference(submission, reference, rng, seed, device) -> None:
    """train_segmentation (Adam lr 0.01, 2 epochs, batches of 8 with a last one of 4) must return the same epoch losses and leave the same weights as the reference: pixel cross-entropy that skips the pixels labelled 255."""
    # float64: Adam divides each gradient by its own running size, so float32 rounding noise
    # in a gradient near 0 could become a whole step
    images = torch.from_numpy(rng.uniform(size=(20, 3, 16, 16)))
    masks = rng.integers(0, 4, size=(20, 16, 16))
    masks[rng.uniform(size=masks.shape) < 0.15] = 255  # borders: no loss there
    masks_t = torch.from_numpy(masks.astype(np.int64))
    helpers = submission.define(HELPERS, "helpers")
    model = helpers.tiny_segnet(seed, 4, device, "float64")
    got = submission.fcn.train_segmentation(
        model, helpers.make_loader(images, masks_t, 8, True, seed), 2, 0.01, device
    )
    losses = _floats(got, 2, "train_segmentation's result")
    ref_model = LOCAL.tiny_segnet(seed, 4, "cpu", "float64")
    want = reference.fcn.train_segmentation(
        ref_model, LOCAL.make_loader(images, masks_t, 8, True, seed), 2, 0.01, "cpu"
    )
    rtol, atol = (1e-6, 1e-9) if device == "cpu" else expect.tolerance(device)
    expect.close(
        losses,
        np.asarray(want),
        rtol=rtol,
        atol=atol,
        what="the epoch losses (each the mean of the epoch's batch losses)",
    )
    for index, (mine, theirs) in enumerate(
        zip(helpers.parameters_of(model), ref_model.parameters(), strict=True)
    ):
        expect.close(
            mine.double().numpy(),
            theirs.detach().double().numpy(),
            rtol=rtol,
            atol=atol,
            what=f"parameter {index} of the model after train_segmentation",
        )


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under root, by its path relative to root."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@lru_cache(maxsize=1)
def _voc(
    voc, n_train: int, n_test: int, size: int, shape: tuple[tuple[str, tuple[int, ...]], ...]
) -> tuple[dict[str, bytes], torch.Tensor, torch.Tensor]:
    """(the train split's files, held-out images (N, 3, size, size), their masks (N, size, size)).

    ``shape`` holds write_voc_like's classes, width and height ranges.
    """
    with tempfile.TemporaryDirectory(prefix="voc-train-") as tmp:
        write_voc_like(Path(tmp), n_train, 0, seed=TRAIN_SEED, **dict(shape))
        files = _tree(Path(tmp))
    with tempfile.TemporaryDirectory(prefix="voc-test-") as tmp:
        write_voc_like(Path(tmp), 0, n_test, seed=TEST_SEED, **dict(shape))
        test = voc.VocDataset(tmp, COLOR_MAP, size, split="val")
        items = [test[i] for i in range(len(test))]
    return files, torch.stack([i for i, _ in items]), torch.stack([m for _, m in items])


def test_train_segmentation_voc_miou(submission, reference, params, seed, device) -> None:
    """A small segmentation network trained by your train_segmentation on your VocDataset's train split (a synthetic VOC2007) must segment held-out images: credit ramps with the mean IoU from the floor to the target in [params] miou."""
    p = params["miou"]
    shape = tuple((key, tuple(p[key])) for key in ("classes", "width", "height"))
    files, images, masks = _voc(reference.voc, p["n_train"], p["n_test"], p["size"], shape)
    helpers = submission.define(HELPERS, "helpers")
    root = helpers.write_tree(files)
    dataset = submission.voc.VocDataset(root, COLOR_MAP, p["size"], split="train")
    model = helpers.tiny_segnet(seed, 21, device)
    submission.fcn.train_segmentation(
        model, helpers.dataset_loader(dataset, p["batch_size"], seed), p["epochs"], p["lr"], device
    )
    scores = helpers.predict(model, images, device)
    what = f"the scores for {len(images)} held-out images"
    expect.that(type(scores) is torch.Tensor, f"{what} must be a tensor")
    expect.shape(scores.numpy(), (len(images), 21, p["size"], p["size"]), what=what)
    miou = reference.metrics.mean_iou(scores.argmax(dim=1), masks, 21)
    expect.ramp(
        0.0 if np.isnan(miou) else miou,
        floor=p["floor"],
        target=p["target"],
        what=f"the mean IoU on {len(images)} held-out images after {p['epochs']} epochs of your "
        f"train_segmentation on {p['n_train']} images read by your VocDataset (lr {p['lr']})",
    )
