"""Procedural colour shapes: a small image-classification set that numpy draws from a seed.

Ten shapes (:data:`SHAPES`) are drawn at a random position, scale, slight rotation and colour
on a dark, textured, noisy background. With ten classes or fewer a class is a shape and its
colour is a nuisance; with more, a class is a (colour, shape) pair, class ``k`` being shape
``k % 10`` in colour ``k // 10`` of :data:`PALETTE`, so up to 80 classes (a 43-class
"grocery" set is 43 such pairs). A small CNN learns the ten shapes well above chance in
seconds of CPU time, which is what the toolkit's own tests and demo need; nothing is
downloaded.

:func:`draw_shapes` gives RGB images for the CIFAR-10 and ImageFolder writers and
:func:`draw_shapes_gray` grey ones for the FashionMNIST writer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from grader.datasets.digits import bilinear_matrix

__all__ = [
    "LabelledImages",
    "ShapesSplits",
    "class_names",
    "draw_shapes",
    "draw_shapes_gray",
    "load_shapes",
]

SHAPES = (
    "circle",
    "square",
    "triangle",
    "cross",
    "ring",
    "horizontal bars",
    "vertical bars",
    "diagonal stripes",
    "checkerboard",
    "star",
)
PALETTE: tuple[tuple[str, tuple[float, float, float]], ...] = (
    ("red", (0.92, 0.15, 0.10)),
    ("green", (0.15, 0.80, 0.20)),
    ("blue", (0.20, 0.35, 0.95)),
    ("yellow", (0.95, 0.85, 0.10)),
    ("magenta", (0.90, 0.20, 0.85)),
    ("cyan", (0.10, 0.85, 0.90)),
    ("orange", (0.98, 0.55, 0.10)),
    ("white", (0.95, 0.95, 0.95)),
)
MAX_CLASSES = len(SHAPES) * len(PALETTE)
_CHUNK = 2048  # images drawn at once; bounds the float64 work arrays to ~16 MB each

Mask = Callable[[np.ndarray, np.ndarray], np.ndarray]


class LabelledImages(NamedTuple):
    """Images (N, H, W) or (N, H, W, 3) uint8 and their labels (N,) int64."""

    images: np.ndarray
    labels: np.ndarray


def _box(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    inside: np.ndarray = np.maximum(np.abs(a), np.abs(b)) <= 0.95
    return inside


def _even(t: np.ndarray) -> np.ndarray:
    even: np.ndarray = np.floor(t).astype(np.int64) % 2 == 0
    return even


def _star(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Five points: the radius limit is a triangle wave in the angle, 1 at the tips."""
    turns = (np.arctan2(b, a) / (2 * np.pi) * 5) % 1.0
    inside: np.ndarray = np.hypot(a, b) <= 0.4 + 0.6 * np.abs(2 * turns - 1)
    return inside


# Each mask takes coordinates (n, S, S) in units of the shape's radius, centred on the shape.
_MASKS: tuple[Mask, ...] = (
    lambda a, b: a**2 + b**2 <= 1.0,  # circle
    lambda a, b: np.maximum(np.abs(a), np.abs(b)) <= 0.8,  # square
    lambda a, b: (b >= -0.9) & (b <= 0.8) & (np.abs(a) <= (b + 0.9) * 0.56),  # triangle, apex up
    lambda a, b: (  # cross
        ((np.abs(a) <= 0.3) | (np.abs(b) <= 0.3)) & (np.maximum(np.abs(a), np.abs(b)) <= 1)
    ),
    lambda a, b: np.abs(np.hypot(a, b) - 0.78) <= 0.22,  # ring
    lambda a, b: _box(a, b) & _even((b + 0.95) / 0.38),  # three horizontal bars
    lambda a, b: _box(a, b) & _even((a + 0.95) / 0.38),  # three vertical bars
    lambda a, b: _box(a, b) & _even((a + b + 2.0) / 0.45),  # diagonal stripes
    lambda a, b: _box(a, b) & (_even((a + 1.0) / 0.5) == _even((b + 1.0) / 0.5)),  # checkerboard
    _star,
)


def class_names(num_classes: int = 10) -> list[str]:
    """Names of the classes :func:`draw_shapes` labels 0..num_classes-1 ("circle", "red circle")."""
    _check_classes(num_classes)
    if num_classes <= len(SHAPES):
        return list(SHAPES[:num_classes])
    return [f"{PALETTE[k // len(SHAPES)][0]} {SHAPES[k % len(SHAPES)]}" for k in range(num_classes)]


def _check_classes(num_classes: int) -> None:
    if not 2 <= num_classes <= MAX_CLASSES:
        raise ValueError(f"num_classes must be in 2..{MAX_CLASSES}, given: {num_classes}")


def balanced_labels(n: int, num_classes: int, rng: np.random.Generator) -> np.ndarray:
    """Labels (n,) int64 with every class as often as possible (counts differ by at most 1)."""
    return rng.permutation(np.arange(n, dtype=np.int64) % num_classes)


def shape_masks(shapes: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Boolean masks (n, size, size), one shape index in 0..9 per image at a random pose.

    The centre is uniform in the middle 30% of the image, the radius 22-34% of its side and
    the rotation within +-0.15 rad, so a shape stays inside the frame, give or take a pixel.
    """
    n = len(shapes)
    centre = rng.uniform(0.35, 0.65, size=(n, 2, 1, 1)) * size  # (n, 2, 1, 1): x, y
    radius = rng.uniform(0.22, 0.34, size=(n, 1, 1)) * size  # (n, 1, 1)
    angle = rng.uniform(-0.15, 0.15, size=(n, 1, 1))
    grid = np.arange(size) + 0.5  # pixel centres
    dx = (grid[None, None, :] - centre[:, 0]) / radius  # (n, 1, S)
    dy = (grid[None, :, None] - centre[:, 1]) / radius  # (n, S, 1)
    a = np.cos(angle) * dx + np.sin(angle) * dy  # (n, S, S)
    b = -np.sin(angle) * dx + np.cos(angle) * dy  # (n, S, S)
    masks = np.zeros((n, size, size), dtype=bool)
    for k, mask in enumerate(_MASKS):
        members = np.flatnonzero(shapes == k)
        if len(members):
            masks[members] = mask(a[members], b[members])
    return masks


def _texture(n: int, size: int, channels: int, rng: np.random.Generator) -> np.ndarray:
    """Smooth random texture (n, size, size, channels) in about +-0.12: a 4x4 grid upsampled."""
    coarse = rng.uniform(-0.12, 0.12, size=(n, channels, 4, 4)).astype(np.float32)
    resample = bilinear_matrix(4, size).astype(np.float32)  # (S, 4)
    # (S, 4) @ (n, C, 4, 4) @ (4, S) -> (n, C, S, S)
    smooth: np.ndarray = resample @ coarse @ resample.T
    return smooth.transpose(0, 2, 3, 1)


def _to_uint8(images: np.ndarray) -> np.ndarray:
    scaled: np.ndarray = np.clip(images, 0.0, 1.0) * 255 + 0.5  # + 0.5: round half up
    return scaled.astype(np.uint8)


def _draw_rgb(
    labels: np.ndarray, size: int, num_classes: int, rng: np.random.Generator
) -> np.ndarray:
    """RGB images (n, size, size, 3) uint8 for labels (n,)."""
    n = len(labels)
    masks = shape_masks(labels % len(SHAPES), size, rng)[..., None]  # (n, S, S, 1)
    if num_classes <= len(SHAPES):
        colour_index = rng.integers(0, len(PALETTE), size=n)
    else:
        colour_index = labels // len(SHAPES)
    palette = np.array([rgb for _, rgb in PALETTE])  # (P, 3)
    fg = (palette[colour_index] + rng.uniform(-0.06, 0.06, size=(n, 3))).astype(np.float32)
    bg = rng.uniform(0.0, 0.4, size=(n, 3)).astype(np.float32)  # (n, 3)
    image = np.where(masks, fg[:, None, None, :], bg[:, None, None, :] + _texture(n, size, 3, rng))
    image += 0.04 * rng.standard_normal(size=image.shape, dtype=np.float32)
    return _to_uint8(image)


def _draw_gray(labels: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Grey images (n, size, size) uint8: a bright shape on a dark textured background."""
    n = len(labels)
    masks = shape_masks(labels, size, rng)  # (n, S, S)
    fg = rng.uniform(0.6, 1.0, size=(n, 1, 1)).astype(np.float32)
    bg = (
        rng.uniform(0.0, 0.2, size=(n, 1, 1)).astype(np.float32) + _texture(n, size, 1, rng)[..., 0]
    )
    image = np.where(masks, fg, bg) + 0.04 * rng.standard_normal(size=masks.shape, dtype=np.float32)
    return _to_uint8(image)


def split_seed(
    seed: int | Sequence[int], index: int, given: int | Sequence[int] | None = None
) -> int | Sequence[int]:
    """The seed of a dataset's split number ``index``: ``given`` if any, else ``(*seed, index)``,
    a stream independent of the other splits'."""
    if given is not None:
        return given
    return (*([seed] if isinstance(seed, int) else seed), index)


def draw_shapes(
    n: int, size: int = 32, seed: int | Sequence[int] = 0, num_classes: int = 10
) -> LabelledImages:
    """Draw n labelled shape images, the same for the same arguments.

    ``seed`` is anything ``np.random.default_rng`` takes: an int, or ints such as (seed, split).

    Returns:
        images: (n, size, size, 3) uint8 RGB.
        labels: (n,) int64 in 0..num_classes-1, balanced; see :func:`class_names`.
    """
    _check_classes(num_classes)
    rng = np.random.default_rng(seed)
    labels = balanced_labels(n, num_classes, rng)
    images = np.empty((n, size, size, 3), dtype=np.uint8)
    for start in range(0, n, _CHUNK):
        stop = min(start + _CHUNK, n)
        images[start:stop] = _draw_rgb(labels[start:stop], size, num_classes, rng)
    return LabelledImages(images, labels)


def draw_shapes_gray(n: int, size: int = 28, seed: int | Sequence[int] = 0) -> LabelledImages:
    """Draw n grey shape images (the ten shapes only), the same for the same arguments.

    Returns:
        images: (n, size, size) uint8, a bright shape on a dark background.
        labels: (n,) int64 in 0..9, balanced.
    """
    rng = np.random.default_rng(seed)
    labels = balanced_labels(n, len(SHAPES), rng)
    images = np.empty((n, size, size), dtype=np.uint8)
    for start in range(0, n, _CHUNK):
        stop = min(start + _CHUNK, n)
        images[start:stop] = _draw_gray(labels[start:stop], size, rng)
    return LabelledImages(images, labels)


class ShapesSplits(BaseModel):
    """Train and test shapes: images (N, size, size, 3) uint8 and labels (N,) int64 in 0..9."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    size: int = Field(gt=0)
    seed: int
    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


@lru_cache(maxsize=4)
def load_shapes(
    size: int = 32, seed: int = 0, n_train: int = 2000, n_test: int = 500
) -> ShapesSplits:
    """Ten-class shapes in memory, cached per process, arrays read-only (about 0.1 s to draw)."""
    images, labels = draw_shapes(n_train + n_test, size=size, seed=seed)
    return ShapesSplits(
        size=size,
        seed=seed,
        train_x=_frozen(images[:n_train]),
        train_y=_frozen(labels[:n_train]),
        test_x=_frozen(images[n_train:]),
        test_y=_frozen(labels[n_train:]),
    )
