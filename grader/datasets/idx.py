"""MNIST and FashionMNIST look-alikes in the IDX files that torchvision's readers expect.

``torchvision.datasets.MNIST(root, train, download=False)`` looks for the four uncompressed
files ``root/<kind>/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte`` and checks only that
they exist (``check_integrity`` without an md5), so files written here load with the real
class. It never reads the ``.gz`` archives, which are not written.

* **MNIST**: sklearn's 1,797 bundled digits (:mod:`grader.datasets.digits`), resampled to
  20x20 and centred in 28x28 as the real MNIST is, then shifted by up to 2 pixels each way so
  that repeats differ. Train images come from the digits' train and valid splits and test
  images from its test split, so no scan is in both. Labels are the digits 0-9.
* **FashionMNIST**: the ten grey procedural shapes (:func:`~grader.datasets.shapes.draw_shapes_gray`),
  a bright object on a dark background like the real set. The labels 0-9 are shape indices
  (:data:`~grader.datasets.shapes.SHAPES`): torchvision's ``FashionMNIST.classes`` names
  ("T-shirt/top", ...) do not describe them.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from grader.atomic import write_bytes
from grader.datasets.digits import load_digits
from grader.datasets.shapes import LabelledImages, draw_shapes_gray, split_seed

__all__ = ["idx_bytes", "mnist_like", "read_idx", "write_mnist_like"]

MnistKind = Literal["MNIST", "FashionMNIST"]
KINDS: tuple[MnistKind, ...] = ("MNIST", "FashionMNIST")
SIZE = 28
_DIGIT_SIZE = 20  # MNIST fits each digit in a 20x20 box centred in 28x28
_MAX_SHIFT = 2
_UBYTE = 0x08  # IDX type code of unsigned bytes


def idx_bytes(array: np.ndarray) -> bytes:
    """An uint8 array of 1 to 3 dimensions in IDX: magic 0x0000_08_<ndim>, big-endian sizes, data."""
    if array.dtype != np.uint8 or not 1 <= array.ndim <= 3:
        raise ValueError(
            f"IDX files here hold uint8 arrays of 1-3 dims, given: {array.dtype} {array.shape}"
        )
    header = struct.pack(">I", (_UBYTE << 8) | array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    return header + np.ascontiguousarray(array).tobytes()


def read_idx(path: Path) -> np.ndarray:
    """The uint8 array an IDX file holds, (N,) for labels or (N, H, W) for images."""
    data = path.read_bytes()
    (magic,) = struct.unpack(">I", data[:4])
    ndim, type_code = magic & 0xFF, magic >> 8
    if type_code != _UBYTE:
        raise ValueError(f"{path}: IDX type code {type_code:#x}, expected {_UBYTE:#x} (uint8)")
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _digits_28(
    pool_x: np.ndarray, pool_y: np.ndarray, n: int, rng: np.random.Generator
) -> LabelledImages:
    """n digits (n, 28, 28) uint8 drawn evenly from a pool (P, 400) in [0, 1], each shifted."""
    repeats = -(-n // len(pool_x))  # ceil: every scan is used this often, give or take one
    order = np.concatenate([rng.permutation(len(pool_x)) for _ in range(repeats)])[:n]
    digits = np.round(pool_x[order] * 255).astype(np.uint8).reshape(n, _DIGIT_SIZE, _DIGIT_SIZE)
    images = np.zeros((n, SIZE, SIZE), dtype=np.uint8)
    offsets = (SIZE - _DIGIT_SIZE) // 2 + rng.integers(-_MAX_SHIFT, _MAX_SHIFT + 1, size=(n, 2))
    for i, (top, left) in enumerate(offsets):
        images[i, top : top + _DIGIT_SIZE, left : left + _DIGIT_SIZE] = digits[i]
    return LabelledImages(images, pool_y[order].argmax(axis=1).astype(np.int64))


def mnist_like(
    kind: MnistKind,
    n_train: int,
    n_test: int,
    seed: int = 0,
    test_seed: int | Sequence[int] | None = None,
) -> dict[str, LabelledImages]:
    """The images and labels :func:`write_mnist_like` writes, by split ("train", "test").

    The training split is drawn from ``seed`` and the test split from ``test_seed`` (default
    ``(seed, 1)``), independent streams. MNIST's scans are split into pools by ``seed``
    (sklearn's digits, a public set: see :mod:`grader.datasets.idx`).

    Returns:
        {"train": (images (n_train, 28, 28) uint8, labels (n_train,) int64 in 0..9),
         "test": the same with n_test}.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, given: {kind!r}")
    test_stream = split_seed(seed, 1, test_seed)
    if kind == "FashionMNIST":
        return {
            "train": draw_shapes_gray(n_train, size=SIZE, seed=seed),
            "test": draw_shapes_gray(n_test, size=SIZE, seed=test_stream),
        }
    digits = load_digits(_DIGIT_SIZE, seed)
    train_x = np.concatenate([digits.train_x, digits.valid_x])  # (P, 400)
    train_y = np.concatenate([digits.train_y, digits.valid_y])  # (P, 10)
    return {
        "train": _digits_28(train_x, train_y, n_train, np.random.default_rng(seed)),
        "test": _digits_28(
            digits.test_x, digits.test_y, n_test, np.random.default_rng(test_stream)
        ),
    }


def write_mnist_like(
    root: Path,
    kind: MnistKind = "MNIST",
    n_train: int = 6000,
    n_test: int = 1000,
    seed: int = 0,
    test_seed: int | Sequence[int] | None = None,
) -> dict[str, LabelledImages]:
    """Write ``root/<kind>/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte``.

    Load them with ``torchvision.datasets.MNIST(root, train=..., download=False)`` (or
    ``FashionMNIST``). Returns what was written, as :func:`mnist_like` gives it.
    """
    splits = mnist_like(kind, n_train, n_test, seed, test_seed)
    raw = Path(root) / kind / "raw"
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images, labels = splits[split]
        write_bytes(raw / f"{prefix}-images-idx3-ubyte", idx_bytes(images))
        write_bytes(raw / f"{prefix}-labels-idx1-ubyte", idx_bytes(labels.astype(np.uint8)))
    return splits
