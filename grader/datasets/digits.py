"""sklearn's bundled handwritten digits, resampled and split for grading.

The 1,797 images are 8x8 scans of real handwriting (UCI ML hand-written digits, shipped inside
scikit-learn, so nothing is downloaded). :func:`load_digits` upsamples them bilinearly to
``size x size`` (32 gives 1,024 features, 28 gives 784), scales them to [0, 1], one-hot encodes
the labels and splits them 60/20/20 per class with a fixed seed. The result is cached per
process and its arrays are read-only, so every check sees the same data.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from grader.extras import require

__all__ = ["DigitsSplits", "bilinear_matrix", "load_digits", "resize_bilinear"]

NUM_CLASSES = 10
_NATIVE_SIZE = 8
_MAX_PIXEL = 16.0
_FRACTIONS = (0.6, 0.2)  # train, valid; the rest is test


class DigitsSplits(BaseModel):
    """Train, valid and test splits: images (N, size*size) in [0, 1], labels one-hot (N, 10)."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    size: int = Field(gt=0)
    seed: int
    train_x: np.ndarray
    train_y: np.ndarray
    valid_x: np.ndarray
    valid_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray

    @property
    def num_features(self) -> int:
        return self.size * self.size

    @property
    def num_classes(self) -> int:
        return NUM_CLASSES


def bilinear_matrix(in_size: int, out_size: int) -> np.ndarray:
    """The (out_size, in_size) matrix that resamples a 1-D signal linearly.

    Pixel centres are aligned the way image libraries do it (half-pixel offsets): output
    pixel j samples the input at (j + 0.5) * in_size / out_size - 0.5, clamped to the image.
    Each row has at most two non-zero weights, which are non-negative and sum to 1, so the
    output stays within the input's range.
    """
    if in_size == 1:
        return np.ones((out_size, 1))
    positions = (np.arange(out_size) + 0.5) * in_size / out_size - 0.5  # (out,)
    positions = np.clip(positions, 0.0, in_size - 1)
    left = np.minimum(np.floor(positions).astype(int), in_size - 2)  # (out,)
    frac = positions - left  # (out,), in [0, 1]
    rows = np.arange(out_size)
    matrix = np.zeros((out_size, in_size))
    matrix[rows, left] = 1.0 - frac
    matrix[rows, left + 1] = frac
    return matrix


def resize_bilinear(images: np.ndarray, size: int) -> np.ndarray:
    """Resample square images (N, S, S) to (N, size, size), separably along rows and columns."""
    resample = bilinear_matrix(images.shape[1], size)  # (size, S)
    # (size, S) @ (N, S, S) @ (S, size) -> (N, size, size)
    resized: np.ndarray = np.einsum("is,nst,jt->nij", resample, images, resample)
    return resized


def _stratified_split(labels: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index arrays (train, valid, test): each class split 60/20/20, then each split shuffled."""
    rng = np.random.default_rng(seed)
    parts: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
    for label in range(NUM_CLASSES):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_train = round(_FRACTIONS[0] * len(members))
        n_valid = round(_FRACTIONS[1] * len(members))
        parts[0].append(members[:n_train])
        parts[1].append(members[n_train : n_train + n_valid])
        parts[2].append(members[n_train + n_valid :])
    train, valid, test = (rng.permutation(np.concatenate(p)) for p in parts)
    return train, valid, test


def _read_sklearn_digits() -> tuple[np.ndarray, np.ndarray]:
    """Pixels (1797, 64) in 0..16 and labels (1797,), read from scikit-learn's bundled file.

    Reading ``digits.csv.gz`` directly skips importing scikit-learn (over a second); the
    public loader is the fallback should a release move the file.
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is not None and spec.submodule_search_locations:
        path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            table = np.loadtxt(path, delimiter=",")  # (1797, 65): 64 pixels, then the label
            return table[:, :-1], table[:, -1].astype(np.int64)
    sklearn_datasets = require("sklearn.datasets", why="the digits dataset")
    bunch = sklearn_datasets.load_digits()
    return np.asarray(bunch.data, dtype=np.float64), np.asarray(bunch.target, dtype=np.int64)


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.setflags(write=False)
    return array


@lru_cache(maxsize=8)
def load_digits(size: int = 32, seed: int = 0) -> DigitsSplits:
    """The digits resampled to size x size, in float64, with one-hot labels.

    Args:
        size: side of the resampled images; 32 gives 1,024 features per example.
        seed: fixes the split; the same (size, seed) always gives the same arrays.
    """
    if size < 1:
        raise ValueError(f"size must be a positive number of pixels, given: {size}")
    pixels, labels = _read_sklearn_digits()
    images = pixels.reshape(-1, _NATIVE_SIZE, _NATIVE_SIZE) / _MAX_PIXEL  # (1797, 8, 8) in [0, 1]
    if size != _NATIVE_SIZE:
        images = resize_bilinear(images, size)
    flat = np.clip(images.reshape(len(images), size * size), 0.0, 1.0)  # (1797, size*size)
    one_hot = np.eye(NUM_CLASSES)[labels]  # (1797, 10)
    train, valid, test = _stratified_split(labels, seed)
    return DigitsSplits(
        size=size,
        seed=seed,
        train_x=_frozen(flat[train]),
        train_y=_frozen(one_hot[train]),
        valid_x=_frozen(flat[valid]),
        valid_y=_frozen(one_hot[valid]),
        test_x=_frozen(flat[test]),
        test_y=_frozen(one_hot[test]),
    )
