"""Class-per-folder PNG images, as ``torchvision.datasets.ImageFolder`` reads them.

``root/<split>/<class>/<i>.png`` for each split (train, val, test by default). ImageFolder
numbers the classes in sorted folder-name order, so when the classes are given as a count the
folders are named ``00_circle``, ``01_square``, ... and that order is the label order. The
images are the procedural colour shapes of :mod:`grader.datasets.shapes`: with more than ten
classes each class is a (colour, shape) pair, e.g. 43 classes for a grocery-style set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from grader.datasets.shapes import LabelledImages, class_names, draw_shapes
from grader.extras import require

Image = require("PIL.Image", why="the image-folder files")  # pillow comes with the [torch] extra

__all__ = ["folder_names", "write_imagefolder"]

SPLITS = ("train", "val", "test")


def folder_names(classes: int | Sequence[str]) -> list[str]:
    """The class folders, in label order: given names, or ``00_circle``-style ones for a count."""
    if isinstance(classes, int):
        width = len(str(classes - 1))
        return [
            f"{k:0{width}d}_{name.replace(' ', '_')}" for k, name in enumerate(class_names(classes))
        ]
    names = list(classes)
    bad = [
        name for name in names if not name or "/" in name or "\\" in name or name.startswith(".")
    ]
    if bad or len(set(names)) != len(names):
        raise ValueError(f"class names must be unique folder names, given: {names}")
    class_names(len(names))  # checks the count
    return names


def split_sizes(n_per_class: int | Mapping[str, int]) -> dict[str, int]:
    """Images per class in each split: an int is train's, with a quarter (at least 1) in val and test."""
    if isinstance(n_per_class, int):
        evaluation = max(1, n_per_class // 4)
        sizes = {"train": n_per_class, "val": evaluation, "test": evaluation}
    else:
        sizes = dict(n_per_class)
    if not sizes or min(sizes.values()) < 1:
        raise ValueError(f"every split needs at least one image per class, given: {sizes}")
    return sizes


def _by_class(images: LabelledImages) -> LabelledImages:
    """The same images sorted by label, stable, as ImageFolder lists them when names sort."""
    order = np.argsort(images.labels, kind="stable")
    return LabelledImages(images.images[order], images.labels[order])


def write_imagefolder(
    root: Path,
    classes: int | Sequence[str] = 10,
    n_per_class: int | Mapping[str, int] = 20,
    size: int = 32,
    seed: int = 0,
) -> dict[str, LabelledImages]:
    """Write ``root/<split>/<class>/<i>.png`` (RGB, size x size) for each split.

    Class k is ``folder_names(classes)[k]`` and holds shapes of class k. Each split is drawn
    from its own seed, ``(seed, split index)``. Returns what was written per split, sorted by
    label and within a class by file index: images (N, size, size, 3) uint8, labels (N,) int64.
    """
    names = folder_names(classes)
    written: dict[str, LabelledImages] = {}
    for index, (split, count) in enumerate(split_sizes(n_per_class).items()):
        drawn = _by_class(draw_shapes(count * len(names), size, (seed, index), len(names)))
        for k, name in enumerate(names):
            folder = Path(root) / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for i, image in enumerate(drawn.images[drawn.labels == k]):
                Image.fromarray(image).save(folder / f"{i:0{len(str(count - 1))}d}.png")
        written[split] = drawn
    return written
