"""Public checks on voc.py: VocDataset reads a small dataset in the VOC2007 layout.

Each check writes a synthetic VOC2007 (``VOCdevkit/VOC2007`` with JPEGImages, palette PNG masks
in SegmentationClass and the split files in ImageSets/Segmentation: coloured shapes on textured
backgrounds) into a folder of your process, then reads it with your VocDataset. Make one to
try your code on with ``python -m grader.datasets.make voc2007 DIR``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from grader.checks import expect
from grader.checks.helpers import in_worker
from grader.datasets.voc import voc_palette, write_voc_like

from helpers import voc_files

COLOR_MAP = voc_palette()[:21].tolist()  # VOC's 21 class colours, as VOC_COLORMAP lists them


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under root, by its path relative to root."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _checked_item(
    item: object,
    size: int,
    what: str,
    parts: tuple[str, ...] = ("image", "mask"),
    any_layout: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """(image, mask) as numpy, after checking the types, dtypes and shapes the docstring gives
    of the parts named (a check on the image does not charge a bug in the mask). With
    any_layout, channels last also does: the layout is test_voc_dataset_channel_order's."""
    expect.that(
        type(item) in (tuple, list) and len(item) == 2,
        f"{what} must be a pair (image, mask), not {type(item).__name__}",
    )
    image, mask = item
    for name, value, dtype, shape in (
        ("image", image, torch.float32, (3, size, size)),
        ("mask", mask, torch.int64, (size, size)),
    ):
        if name not in parts:
            continue
        expect.that(
            type(value) is torch.Tensor,
            f"the {name} of {what} must be a torch.Tensor, not {type(value).__name__}",
        )
        expect.that(
            value.dtype == dtype,
            f"the {name} of {what} must be {dtype}, not {value.dtype}",
        )
        if name == "image" and tuple(value.shape) == (size, size, 3):
            expect.that(
                any_layout,
                f"the image of {what} has shape {tuple(value.shape)}, channels last: move the "
                "channels first with permute(2, 0, 1)",
            )
            continue
        expect.shape(value.numpy(), shape, what=f"the {name} of {what}")
    unchecked = np.zeros(0)  # a part the check does not look at
    return (
        image.numpy() if isinstance(image, torch.Tensor) else unchecked,
        mask.numpy() if isinstance(mask, torch.Tensor) else unchecked,
    )


def test_voc_dataset_length_and_types(submission, seed) -> None:
    """VocDataset(root, VOC_COLORMAP, size, split) must hold one item per id of ImageSets/Segmentation/<split>.txt, each a pair (image (3, size, size) float32 in [0, 1], mask (size, size) int64)."""
    helpers = in_worker(submission, voc_files)
    with tempfile.TemporaryDirectory(prefix="voc-") as tmp:
        write_voc_like(Path(tmp), n_train=5, n_val=3, seed=(seed, 1))
        root = helpers.write_tree(_tree(Path(tmp)))
    for split, count in (("train", 5), ("val", 3)):
        dataset = submission.voc.VocDataset(root, COLOR_MAP, 40, split=split)
        length, items = helpers.items(dataset, [0, count - 1])
        expect.that(
            length == count,
            f"len(VocDataset(..., split={split!r})) is {length!r}; {split}.txt lists {count} ids",
        )
        for index, item in zip((0, count - 1), items, strict=True):
            what = f"VocDataset(root, VOC_COLORMAP, 40, split={split!r})[{index}]"
            image, mask = _checked_item(item, 40, what, any_layout=True)
            expect.that(
                0.0 <= image.min() and image.max() <= 1.0,
                f"the image of {what} has values from {image.min():.3g} to {image.max():.3g}; "
                "divide the pixels by 255 to get [0, 1]",
            )
            labels = set(np.unique(mask).tolist())
            expect.that(
                labels <= set(range(21)) | {255},
                f"the mask of {what} holds labels {sorted(labels - set(range(21)) - {255})} that "
                "are neither a class (0..20) nor the ignore index 255",
            )


def _decoded(root: Path, image_id: str) -> np.ndarray:
    """A JPEG's RGB pixels as VocDataset must give them: (3, H, W) float32 in [0, 1]."""
    with Image.open(root / "VOCdevkit" / "VOC2007" / "JPEGImages" / f"{image_id}.jpg") as jpeg:
        pixels = np.asarray(jpeg.convert("RGB"), dtype=np.float32) / 255  # (H, W, 3)
    return pixels.transpose(2, 0, 1)  # (3, H, W)


def _diagnose_layout(image: np.ndarray, wanted: list[np.ndarray], what: str) -> None:
    """Fail with the cause when the image is one of the JPEGs in a known wrong layout."""
    pixels = image.reshape(-1)
    layouts = {  # what the image is, read back as (3, H, W)
        "cut into three blocks by a reshape: move the channels with "
        "permute(2, 0, 1) instead": pixels.reshape(image.shape[1], image.shape[2], 3).transpose(
            2, 0, 1
        ),
        "in blue, green, red order: read the JPEG as RGB (Image.convert('RGB'); OpenCV's "
        "imread gives BGR)": image[::-1],
    }
    for cause, view in layouts.items():
        if any(float(np.abs(view - want).max()) < 1e-5 for want in wanted):
            expect.that(False, f"the image of {what} is the JPEG's pixels {cause}")


def test_voc_dataset_channel_order(submission, seed) -> None:
    """VocDataset's image must be the JPEG's RGB pixels / 255 moved to channels first with a permute (image[c, i, j] = pixel (i, j)'s channel c), not cut into three blocks by a reshape."""
    helpers = in_worker(submission, voc_files)
    with tempfile.TemporaryDirectory(prefix="voc-") as tmp:
        ids = write_voc_like(
            Path(tmp), 2, 0, seed=(seed, 2), width=(48, 48), height=(48, 48), n_unlabelled=0
        )
        root = helpers.write_tree(_tree(Path(tmp)))
        wanted = [_decoded(Path(tmp), image_id) for image_id in ids["train"].ids]
    _, items = helpers.items(submission.voc.VocDataset(root, COLOR_MAP, 48, split="train"), [0, 1])
    for index, item in enumerate(items):
        what = f"VocDataset(root, VOC_COLORMAP, 48, split='train')[{index}]"
        image, _ = _checked_item(item, 48, what, parts=("image",))
        # the nearer of the two JPEGs: the order of the ids is not this check's business
        image_want = min(wanted, key=lambda want: float(np.abs(image - want).mean()))
        _diagnose_layout(image, wanted, what)
        expect.close(
            image,
            image_want,
            rtol=0.0,
            atol=1e-5,
            what=f"the image of {what} (48 x 48, no resizing)",
        )
