"""A PASCAL VOC2007 look-alike for semantic segmentation, in the layout torchvision reads.

``root/VOCdevkit/VOC2007/`` holds, as the real devkit does:

* ``JPEGImages/<id>.jpg``: RGB photos, VOC's six-digit ids (``000032``), of varying sizes;
* ``SegmentationClass/<id>.png``: palette ("P" mode) PNGs whose pixel values are class
  indices 0..20, drawn in VOC's colour map (:func:`voc_palette`), with the border value
  255 (colour (224, 224, 192)) in a thin band along every object outline, the "void"
  pixels that losses and metrics ignore;
* ``ImageSets/Segmentation/{train,val,trainval}.txt``: the ids of each split, one a line.

As in VOC2007, some JPEGs have no mask (detection-only images): a reader must take its ids
from the split file, not from the folder. ``torchvision.datasets.VOCSegmentation(root,
year="2007", image_set=..., download=False)`` reads the result.

Each image is a dark, low-saturation textured background with one or more objects: an
object of class k is shape ``(k - 1) % 10`` of :mod:`grader.datasets.shapes` in a hue of its
own (:func:`class_colour`), so a small network can learn to segment the classes in seconds.
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from grader.datasets.digits import bilinear_matrix
from grader.datasets.shapes import SHAPES, shape_masks
from grader.extras import require

Image = require("PIL.Image", why="the VOC look-alike images")  # pillow comes with the [torch] extra

__all__ = [
    "DEVKIT",
    "VOC_CLASSES",
    "VOID",
    "draw_voc",
    "read_mask",
    "voc_palette",
    "write_voc_like",
]

DEVKIT = Path("VOCdevkit") / "VOC2007"
VOID = 255  # the border index: its colour is voc_palette()[255] = (224, 224, 192)
VOC_CLASSES = (
    "background",
    "aeroplane",
    "bicycle",
    "bird",
    "boat",
    "bottle",
    "bus",
    "car",
    "cat",
    "chair",
    "cow",
    "diningtable",
    "dog",
    "horse",
    "motorbike",
    "person",
    "pottedplant",
    "sheep",
    "sofa",
    "train",
    "tvmonitor",
)
SPLITS = ("train", "val")


class VocImages(NamedTuple):
    """One split as written: ids, RGB images (H, W, 3) uint8 and masks (H, W) uint8.

    The images are the pixels before JPEG compression; the masks are exactly the PNGs' values
    (0..20 and 255). Sizes vary from image to image, hence lists.
    """

    ids: list[str]
    images: list[np.ndarray]
    masks: list[np.ndarray]


def voc_palette() -> np.ndarray:
    """VOC's colour map, (256, 3) uint8: colour i spreads the bits of i over R, G and B.

    Bit 3j of i sets bit 7 - j of red, bit 3j + 1 of green and bit 3j + 2 of blue, as in the
    devkit's ``VOClabelcolormap.m``: 0 is black, 1 (128, 0, 0), 15 (192, 128, 128) and 255
    (224, 224, 192). The first 21 rows are the colours of the 21 classes.
    """
    index = np.arange(256)
    palette = np.zeros((256, 3), dtype=np.int64)
    for j in range(8):
        for channel in range(3):
            bit = (index >> (3 * j + channel)) & 1  # (256,)
            palette[:, channel] |= bit << (7 - j)
    return palette.astype(np.uint8)


def class_colour(k: int) -> tuple[float, float, float]:
    """The RGB colour (floats in [0, 1]) that objects of class k (1..20) are painted in.

    Hues step by the golden ratio, so any few classes get well-separated colours.
    """
    hue = ((k - 1) * 0.618034) % 1.0
    return colorsys.hsv_to_rgb(hue, 0.85, 0.9)


def _edges(label: np.ndarray, steps: int) -> np.ndarray:
    """Pixels (H, W) bool within ``steps`` pixels of a change of label (a 3x3 square per step)."""
    low, high = label, label
    h, w = label.shape
    for _ in range(steps):
        low_pad, high_pad = np.pad(low, 1, mode="edge"), np.pad(high, 1, mode="edge")
        windows = [(dy, dx) for dy in range(3) for dx in range(3)]
        low = np.min([low_pad[dy : dy + h, dx : dx + w] for dy, dx in windows], axis=0)
        high = np.max([high_pad[dy : dy + h, dx : dx + w] for dy, dx in windows], axis=0)
    edges: np.ndarray = low != high
    return edges


def _background(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """A dark, low-saturation background (H, W, 3) float32 with a smooth texture."""
    grey = rng.uniform(0.15, 0.45)
    tint = rng.uniform(-0.05, 0.05, size=3)
    coarse = rng.uniform(-0.12, 0.12, size=(3, 4, 5))  # (C, 4, 5)
    # (H, 4) @ (C, 4, 5) @ (5, W) -> (C, H, W)
    texture: np.ndarray = bilinear_matrix(4, h) @ coarse @ bilinear_matrix(5, w).T
    background: np.ndarray = (grey + tint[:, None, None] + texture).transpose(1, 2, 0)
    return background.astype(np.float32)


def _place(shape: np.ndarray, top: int, left: int, h: int, w: int) -> np.ndarray:
    """The (h, w) mask of ``shape`` (s, s) with its corner at (top, left), clipped to the frame."""
    s = shape.shape[0]
    placed = np.zeros((h, w), dtype=bool)
    rows, cols = slice(max(top, 0), min(top + s, h)), slice(max(left, 0), min(left + s, w))
    placed[rows, cols] = shape[
        rows.start - top : rows.stop - top, cols.start - left : cols.stop - left
    ]
    return placed


def draw_voc(
    n: int,
    classes: Sequence[int],
    rng: np.random.Generator,
    width: tuple[int, int] = (96, 160),
    height: tuple[int, int] = (72, 128),
    max_objects: int = 2,
    border: int = 1,
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Draw n images (H, W, 3) uint8 and their masks (H, W) uint8, sizes within the ranges.

    Each image holds 1..max_objects objects of classes drawn from ``classes`` (1..20); later
    objects cover earlier ones. The mask is 0 for background, k on an object of class k, and
    VOID on a band ``border`` pixels either side of every object outline.
    """
    images, masks = [], []
    for _ in range(n):
        h = int(rng.integers(height[0], height[1] + 1))
        w = int(rng.integers(width[0], width[1] + 1))
        image = _background(h, w, rng)
        label = np.zeros((h, w), dtype=np.uint8)
        for _ in range(int(rng.integers(1, max_objects + 1))):
            k = int(rng.choice(classes))
            side = int(rng.integers(min(h, w) // 2, min(h, w) + 1))
            shape = shape_masks(np.array([(k - 1) % len(SHAPES)]), side, rng)[0]  # (s, s)
            top = int(rng.integers(-side // 4, h - 3 * side // 4 + 1))
            left = int(rng.integers(-side // 4, w - 3 * side // 4 + 1))
            placed = _place(shape, top, left, h, w)
            colour = np.array(class_colour(k)) + rng.uniform(-0.05, 0.05, size=3)
            image[placed] = colour.astype(np.float32)
            label[placed] = k
        label[_edges(label, border)] = VOID  # both sides of every visible outline
        image += 0.03 * rng.standard_normal(size=image.shape, dtype=np.float32)
        images.append((np.clip(image, 0.0, 1.0) * 255 + 0.5).astype(np.uint8))
        masks.append(label)
    return images, masks


def _ids(count: int, rng: np.random.Generator) -> list[str]:
    """``count`` increasing VOC-style ids ("000005"), with gaps as in the real set."""
    steps = rng.integers(1, 10, size=count)
    return [f"{int(i):06d}" for i in np.cumsum(steps)]


def write_sample(root: Path, image_id: str, image: np.ndarray, mask: np.ndarray | None) -> None:
    """Write one image as ``JPEGImages/<id>.jpg`` (quality 90) under ``root/VOCdevkit/VOC2007``
    and, unless mask is None, its mask as the palette PNG ``SegmentationClass/<id>.png``.

    Args:
        image: (H, W, 3) uint8 RGB.
        mask: (H, W) uint8 class indices (0..20, and VOID), or None for an image without one.
    """
    devkit = Path(root) / DEVKIT
    (devkit / "JPEGImages").mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(devkit / "JPEGImages" / f"{image_id}.jpg", quality=90)
    if mask is not None:
        (devkit / "SegmentationClass").mkdir(parents=True, exist_ok=True)
        png = Image.fromarray(mask, mode="P")
        png.putpalette(voc_palette().reshape(-1).tolist())
        png.save(devkit / "SegmentationClass" / f"{image_id}.png")


def write_split_files(root: Path, splits: dict[str, list[str]]) -> None:
    """Write ``ImageSets/Segmentation/<split>.txt`` (one id a line) for each split, and
    ``trainval.txt`` as the sorted union of train and val when it is not given."""
    folder = Path(root) / DEVKIT / "ImageSets" / "Segmentation"
    folder.mkdir(parents=True, exist_ok=True)
    if "trainval" not in splits:
        splits = {**splits, "trainval": sorted([*splits.get("train", []), *splits.get("val", [])])}
    for split, split_ids in splits.items():
        (folder / f"{split}.txt").write_text("".join(f"{i}\n" for i in split_ids))


def write_voc_like(
    root: Path,
    n_train: int = 20,
    n_val: int = 10,
    classes: Sequence[int] = tuple(range(1, 21)),
    seed: int | Sequence[int] = 0,
    width: tuple[int, int] = (96, 160),
    height: tuple[int, int] = (72, 128),
    n_unlabelled: int = 2,
    border: int = 1,
) -> dict[str, VocImages]:
    """Write ``root/VOCdevkit/VOC2007`` with n_train + n_val segmented images.

    ``n_unlabelled`` more JPEGs get no mask and are in no split, as VOC2007's detection-only
    images. ``width`` and ``height`` are inclusive ranges; pass (s, s) for both to get every
    image s x s. ``border`` is the width of the void band on each side of an outline (0: none,
    so that regions of different classes touch). Returns what was written by split ("train",
    "val"), in split-file order.

    Raises:
        ValueError: a class outside 1..20, or a count below zero.
    """
    if not classes or any(not 1 <= k <= 20 for k in classes):
        raise ValueError(f"classes must be VOC object classes in 1..20, given: {list(classes)}")
    if min(n_train, n_val, n_unlabelled) < 0:
        raise ValueError(f"counts must be >= 0, given: {n_train}, {n_val}, {n_unlabelled}")
    rng = np.random.default_rng(seed)
    ids = _ids(n_train + n_val + n_unlabelled, rng)
    order = rng.permutation(len(ids))  # which id goes to which split, interleaved
    chosen = {
        "train": sorted(ids[i] for i in order[:n_train]),
        "val": sorted(ids[i] for i in order[n_train : n_train + n_val]),
        "unlabelled": sorted(ids[i] for i in order[n_train + n_val :]),
    }
    written: dict[str, VocImages] = {}
    for split, split_ids in chosen.items():
        images, masks = draw_voc(len(split_ids), classes, rng, width, height, border=border)
        for image_id, image, mask in zip(split_ids, images, masks, strict=True):
            write_sample(root, image_id, image, None if split == "unlabelled" else mask)
        if split != "unlabelled":
            written[split] = VocImages(split_ids, images, masks)
    write_split_files(root, {split: written[split].ids for split in SPLITS})
    return written


def read_mask(path: Path) -> np.ndarray:
    """A SegmentationClass PNG's class indices (H, W) uint8 (0..20, 255 on borders)."""
    with Image.open(path) as png:
        if png.mode != "P":
            raise ValueError(
                f"{path}: a VOC mask must be a palette PNG, but its mode is {png.mode}"
            )
        return np.asarray(png).copy()
