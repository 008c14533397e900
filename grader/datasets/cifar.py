"""A CIFAR-10 look-alike in the python batches that torchvision reads.

``root/cifar-10-batches-py/`` holds ``data_batch_1`` .. ``data_batch_5``, ``test_batch`` and
``batches.meta``. Each batch is a pickled dict as the original Python 2 pickles have it:
``data`` (N, 3072) uint8, each row the red, green then blue 32x32 planes in row-major order,
``labels`` a list of ints, ``batch_label`` and ``filenames``. ``batches.meta`` has
``label_names``, ``num_cases_per_batch`` and ``num_vis``. Strings are written as Python 2
byte strings, as in the real files, so both ``pickle.load(f, encoding="latin1")``
(torchvision, CS231n) and ``encoding="bytes"`` (the recipe on the CIFAR page, keys
``b"data"``) read them.

The images are the ten procedural colour shapes of :mod:`grader.datasets.shapes`; their class
names go in ``label_names``.

torchvision's ``CIFAR10`` checks the md5 of every batch and of the metadata against the real
files', so it refuses any other data, these included ("Dataset not found or corrupted").
:class:`CIFAR10Offline` is the real class with those checksums blanked, which leaves only the
check that each file exists; every other line that reads the data is torchvision's.
"""

from __future__ import annotations

import pickle
import struct
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np

from grader.atomic import write_bytes
from grader.datasets.shapes import LabelledImages, class_names, draw_shapes, split_seed
from grader.extras import require

CIFAR10: Any = require("torchvision.datasets", why="CIFAR-10 in its layout").CIFAR10

__all__ = ["CIFAR10Offline", "cifar_rows", "write_cifar10_like"]

BASE_FOLDER = "cifar-10-batches-py"
NUM_BATCHES = 5
SIZE = 32


class CIFAR10Offline(CIFAR10):  # type: ignore[misc]  # torchvision is untyped
    """torchvision's ``CIFAR10`` without the md5 checks, for synthetic or re-packed batches.

    ``check_integrity(path, None)`` only checks that the file exists, so with the checksums set
    to None the class loads any batches in the layout. Nothing else is overridden. Use it with
    ``download=False``: a download would fetch the real archive.
    """

    train_list = [[name, None] for name, _ in CIFAR10.train_list]
    test_list = [[name, None] for name, _ in CIFAR10.test_list]
    meta = {**CIFAR10.meta, "md5": None}


class _Py2Pickler(pickle._Pickler):
    """Protocol 2, with str and bytes written as Python 2 strings (BINSTRING), as CIFAR's are."""

    dispatch = dict(pickle._Pickler.dispatch)

    def save_py2_string(self, obj: str | bytes) -> None:
        data = obj.encode("latin-1") if isinstance(obj, str) else obj
        if len(data) < 256:
            opcode = pickle.SHORT_BINSTRING + bytes([len(data)])
        else:
            opcode = pickle.BINSTRING + struct.pack("<i", len(data))
        self.write(opcode + data)  # type: ignore[attr-defined]  # pure-Python Pickler internals
        self.memoize(obj)  # type: ignore[attr-defined]

    dispatch[str] = save_py2_string  # type: ignore[assignment]
    dispatch[bytes] = save_py2_string  # type: ignore[assignment]


def py2_pickle(obj: Any, path: Path) -> None:
    """Write obj as a protocol-2 pickle whose strings read back as the CIFAR files' do."""
    buffer = BytesIO()
    _Py2Pickler(buffer, protocol=2).dump(obj)
    write_bytes(path, buffer.getvalue())


def cifar_rows(images: np.ndarray) -> np.ndarray:
    """Images (N, 32, 32, 3) uint8 -> rows (N, 3072): the R, G then B planes, each row-major."""
    return np.ascontiguousarray(images.transpose(0, 3, 1, 2)).reshape(len(images), -1)


def _batch(label: str, images: np.ndarray, labels: np.ndarray, first: int) -> dict[str, Any]:
    return {
        "batch_label": label,
        "labels": [int(k) for k in labels],
        "data": cifar_rows(images),
        "filenames": [f"synthetic_shape_{first + i:06d}.png" for i in range(len(labels))],
    }


def write_cifar10_like(
    root: Path,
    n_per_batch: int = 1000,
    n_test: int = 1000,
    seed: int | Sequence[int] = 0,
    test_seed: int | Sequence[int] | None = None,
) -> dict[str, LabelledImages]:
    """Write ``root/cifar-10-batches-py/`` with five training batches and a test batch.

    The training images are drawn from ``seed`` and the test images from ``test_seed``
    (default ``(seed, 1)``), two independent streams: the training set says nothing about
    the test set. A check scoring held-out accuracy passes two secret seeds
    (:mod:`grader.checks.heldout`).

    Load it with ``CIFAR10Offline(root, train=..., download=False)``. Returns what was
    written: {"train": (images (5 * n_per_batch, 32, 32, 3) uint8, labels int64 in 0..9),
    "test": the same with n_test}, in the order the files (and torchvision) hold them.
    """
    if n_per_batch < 1 or n_test < 1:
        raise ValueError(f"n_per_batch and n_test must be positive, given: {n_per_batch}, {n_test}")
    n_train = NUM_BATCHES * n_per_batch
    train = draw_shapes(n_train, size=SIZE, seed=seed)
    test = draw_shapes(n_test, size=SIZE, seed=split_seed(seed, 1, test_seed))
    folder = Path(root) / BASE_FOLDER
    for b in range(NUM_BATCHES):
        part = slice(b * n_per_batch, (b + 1) * n_per_batch)
        batch = _batch(
            f"training batch {b + 1} of {NUM_BATCHES}",
            train.images[part],
            train.labels[part],
            part.start,
        )
        py2_pickle(batch, folder / f"data_batch_{b + 1}")
    py2_pickle(
        _batch("testing batch 1 of 1", test.images, test.labels, n_train), folder / "test_batch"
    )
    meta = {
        "num_cases_per_batch": n_per_batch,
        "label_names": class_names(10),
        "num_vis": SIZE * SIZE * 3,
    }
    py2_pickle(meta, folder / "batches.meta")
    return {"train": train, "test": test}
