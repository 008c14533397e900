"""Where a dataset on disk lives, and a message that says how to fix it when it is not there.

The root of dataset ``name`` is, in this order:

1. ``configured``: what the assignment's configuration gives, when it gives one;
2. ``$GRADER_DATA_<NAME>``, NAME being the name in upper case with every other character
   than a letter or digit as ``_`` (``cifar10`` -> ``GRADER_DATA_CIFAR10``,
   ``fashion-mnist`` -> ``GRADER_DATA_FASHION_MNIST``);
3. ``$GRADER_DATA/<name>``.

The root is what torchvision's class takes as ``root`` (the folder that holds ``MNIST/``,
``cifar-10-batches-py/`` or ``VOCdevkit/``, or the ImageFolder's split folders). The first root
found is the one used: a configured root that lacks the files is an error, not a reason to look
further.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from grader.errors import MaterialError

__all__ = ["dataset_root", "env_var"]


class Layout(BaseModel):
    """The files a reader needs under the root, and the words that explain the layout."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str  # "CIFAR-10"
    reader: str  # "torchvision CIFAR10 layout, download=False"
    files: tuple[str, ...]  # relative to the root; a trailing "/" means a folder
    make: str  # the grader.datasets.make subcommand that writes a synthetic one


def _mnist(kind: str, title: str) -> Layout:
    return Layout(
        title=title,
        reader=f"torchvision {kind} layout, download=False",
        files=tuple(
            f"{kind}/raw/{split}-{part}-ubyte"
            for split in ("train", "t10k")
            for part in ("images-idx3", "labels-idx1")
        ),
        make=kind.lower(),
    )


LAYOUTS: dict[str, Layout] = {
    "mnist": _mnist("MNIST", "MNIST"),
    "fashionmnist": _mnist("FashionMNIST", "Fashion-MNIST"),
    "cifar10": Layout(
        title="CIFAR-10",
        reader="torchvision CIFAR10 layout, download=False",
        files=tuple(
            f"cifar-10-batches-py/{name}"
            for name in (*(f"data_batch_{b}" for b in range(1, 6)), "test_batch", "batches.meta")
        ),
        make="cifar10",
    ),
    "voc2007": Layout(
        title="PASCAL VOC2007",
        reader="torchvision VOCSegmentation layout (year='2007'), download=False",
        files=tuple(
            f"VOCdevkit/VOC2007/{name}"
            for name in (
                "JPEGImages/",
                "SegmentationClass/",
                "ImageSets/Segmentation/train.txt",
                "ImageSets/Segmentation/val.txt",
            )
        ),
        make="voc2007",
    ),
}


def image_folder_layout(name: str) -> Layout:
    """The layout of a dataset that LAYOUTS does not name: torchvision ImageFolder splits."""
    return Layout(
        title=name,
        reader="torchvision ImageFolder layout: <root>/train/<class>/<image>.png, and val/, test/",
        files=("train/",),
        make="imagefolder",
    )


def layout_of(name: str) -> Layout:
    """LAYOUTS' entry for name, ignoring case and punctuation ("Fashion-MNIST"), else ImageFolder."""
    return LAYOUTS.get(re.sub(r"[^a-z0-9]", "", name.lower()), image_folder_layout(name))


def env_var(name: str) -> str:
    """``GRADER_DATA_<NAME>``: the variable that holds this dataset's root."""
    return "GRADER_DATA_" + re.sub(r"[^A-Z0-9]", "_", name.upper())


def _locate(name: str, configured: str | Path | None) -> tuple[Path, str] | None:
    """The root and where it came from, or None when nothing names one."""
    if configured is not None and str(configured):
        return Path(configured).expanduser(), "configured"
    if own := os.environ.get(env_var(name)):
        return Path(own).expanduser(), f"${env_var(name)}"
    if shared := os.environ.get("GRADER_DATA"):
        return Path(shared).expanduser() / name, "$GRADER_DATA"
    return None


def _missing(root: Path, layout: Layout) -> list[str]:
    """The layout's paths that root lacks, folders with a trailing "/"."""
    missing = []
    for file in layout.files:
        path = root / file
        if not (path.is_dir() if file.endswith("/") else path.is_file()):
            missing.append(f"{path}/" if file.endswith("/") else str(path))
    return missing


def dataset_root(
    name: str, configured: str | Path | None = None, layout: Layout | None = None
) -> Path:
    """The root of dataset ``name``, checked to hold the layout's files.

    Args:
        name: "mnist", "fashion-mnist", "cifar10", or any name of an ImageFolder dataset.
        configured: the root the assignment configures, if any; it wins over the environment.
        layout: the files to expect; by default :func:`layout_of` the name.

    Raises:
        MaterialError: no root is configured, or the root lacks a file; the message names the
            path expected, the layout, and how to set the root or make a synthetic dataset.
    """
    layout = layout or layout_of(name)
    fix = (
        f"set {env_var(name)}, or GRADER_DATA to a folder that holds {name}/; "
        f"to make a synthetic one: python -m grader.datasets.make {layout.make} DIR"
    )
    found = _locate(name, configured)
    if found is None:
        raise MaterialError(
            f"{layout.title} not found: no root is configured ({layout.reader}); {fix}"
        )
    root, source = found
    missing = _missing(root, layout)
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise MaterialError(
            f"{layout.title} not found: expected {missing[0]}{more} (root from {source}; "
            f"{layout.reader}); {fix}"
        )
    return root
