"""Datasets the checks read, by the names an assignment lists under ``[data] needs``.

Nothing is downloaded at grade time. In memory, from installed packages: ``sklearn-digits``
and ``shapes-32`` (procedural colour shapes). On disk, in torchvision's layouts:
``torchvision-mnist``, ``torchvision-fashion-mnist``, ``torchvision-cifar10`` and
``torchvision-voc2007``; for those, ``KNOWN`` only checks that :func:`dataset_root` finds the
files (the configured root, ``$GRADER_DATA_MNIST``/``_FASHION_MNIST``/``_CIFAR10``/``_VOC2007``,
or ``$GRADER_DATA/<name>``). The writers (``write_mnist_like``, ``write_cifar10_like``,
``write_imagefolder``, ``write_voc_like``, or ``python -m grader.datasets.make``) make small
synthetic ones in the same layouts. Loaders are cached per process.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from grader.datasets.digits import DigitsSplits, load_digits
from grader.datasets.roots import dataset_root
from grader.datasets.shapes import LabelledImages, ShapesSplits, draw_shapes, load_shapes
from grader.errors import MaterialError

if TYPE_CHECKING:  # imported on first use: the writers pull in torchvision and PIL
    from grader.datasets.cifar import CIFAR10Offline, write_cifar10_like
    from grader.datasets.idx import write_mnist_like
    from grader.datasets.imagefolder import write_imagefolder
    from grader.datasets.voc import write_voc_like

__all__ = [
    "KNOWN",
    "CIFAR10Offline",
    "DigitsSplits",
    "LabelledImages",
    "ShapesSplits",
    "dataset_root",
    "draw_shapes",
    "load_digits",
    "load_shapes",
    "require",
    "write_cifar10_like",
    "write_imagefolder",
    "write_mnist_like",
    "write_voc_like",
]

_LAZY = {
    "CIFAR10Offline": "grader.datasets.cifar",
    "write_cifar10_like": "grader.datasets.cifar",
    "write_mnist_like": "grader.datasets.idx",
    "write_imagefolder": "grader.datasets.imagefolder",
    "write_voc_like": "grader.datasets.voc",
}

KNOWN: dict[str, Callable[[], object]] = {
    "sklearn-digits": load_digits,
    "shapes-32": load_shapes,
    "torchvision-mnist": partial(dataset_root, "mnist"),
    "torchvision-fashion-mnist": partial(dataset_root, "fashion-mnist"),
    "torchvision-cifar10": partial(dataset_root, "cifar10"),
    "torchvision-voc2007": partial(dataset_root, "voc2007"),
}


def __getattr__(name: str) -> object:
    """The writers, imported when first asked for (PEP 562)."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


ON_DISK = {
    "torchvision-mnist": "mnist",
    "torchvision-fashion-mnist": "fashion-mnist",
    "torchvision-cifar10": "cifar10",
    "torchvision-voc2007": "voc2007",
}


def require(names: Iterable[str], roots: Mapping[str, Path] | None = None) -> None:
    """Load every named dataset once, so a missing one fails before any check runs.

    ``roots`` are the spec's ``[data] roots`` (dataset name -> folder), which take precedence
    over the environment for the on-disk datasets.

    Raises:
        MaterialError: a name that no loader here provides, or an on-disk dataset not found.
    """
    for name in names:
        if name in ON_DISK:
            dataset_root(ON_DISK[name], configured=(roots or {}).get(ON_DISK[name]))
            continue
        if name not in KNOWN:
            known = ", ".join(sorted(KNOWN))
            raise MaterialError(
                f"[data] needs names an unknown dataset, given: {name!r}; known datasets: {known}"
            )
        KNOWN[name]()
