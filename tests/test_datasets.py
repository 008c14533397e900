"""Are the digits splits deterministic, disjoint, balanced and in range?"""

from __future__ import annotations

import numpy as np
import pytest

from grader.datasets import KNOWN, DigitsSplits, load_digits, require
from grader.datasets.digits import bilinear_matrix, resize_bilinear
from grader.errors import MaterialError


@pytest.fixture(scope="module")
def digits() -> DigitsSplits:
    return load_digits(32)


def test_shapes_and_ranges(digits: DigitsSplits) -> None:
    """Are the images (N, 1024) float64 in [0, 1] and the labels one-hot (N, 10)?"""
    for x, y in [
        (digits.train_x, digits.train_y),
        (digits.valid_x, digits.valid_y),
        (digits.test_x, digits.test_y),
    ]:
        assert x.dtype == np.float64 and x.shape == (len(y), 1024)
        assert x.min() >= 0.0 and x.max() <= 1.0
        assert y.shape == (len(x), 10)
        assert np.array_equal(y.sum(axis=1), np.ones(len(y)))
    assert digits.num_features == 1024 and digits.num_classes == 10


def test_split_sizes_and_balance(digits: DigitsSplits) -> None:
    """Is the split 60/20/20 of all 1,797 images, with every class in every split?"""
    sizes = [len(digits.train_x), len(digits.valid_x), len(digits.test_x)]
    assert sum(sizes) == 1797
    assert sizes == pytest.approx([0.6 * 1797, 0.2 * 1797, 0.2 * 1797], abs=10)
    for y in (digits.train_y, digits.valid_y, digits.test_y):
        counts = y.sum(axis=0)
        assert counts.min() >= 0.9 * counts.max()


def test_splits_are_disjoint(digits: DigitsSplits) -> None:
    """Does no image appear in two splits?"""
    rows = [
        {x.tobytes() for x in split} for split in (digits.train_x, digits.valid_x, digits.test_x)
    ]
    # sklearn's digits hold a few exact duplicates, so compare counts, not just sets.
    assert len(rows[0] & rows[1]) + len(rows[0] & rows[2]) + len(rows[1] & rows[2]) <= 5


def test_deterministic_and_cached() -> None:
    """Does the same (size, seed) give the same object, and another seed another split?"""
    assert load_digits(32) is load_digits(32)
    other = load_digits(32, seed=1)
    assert not np.array_equal(other.train_x, load_digits(32).train_x)
    assert np.array_equal(np.sort(other.train_y.sum(0)), np.sort(load_digits(32).train_y.sum(0)))


def test_arrays_are_read_only(digits: DigitsSplits) -> None:
    """Can a check not corrupt the cached data for the checks after it?"""
    with pytest.raises(ValueError):
        digits.train_x[0, 0] = 5.0


def test_other_sizes() -> None:
    """Do 28x28 and the native 8x8 work, with the native size left untouched?"""
    assert load_digits(28).train_x.shape[1] == 784
    native = load_digits(8)
    assert native.train_x.shape[1] == 64
    assert set(np.unique(native.train_x * 16)) <= set(range(17))


def test_bilinear_matrix_rows_are_convex_weights() -> None:
    """Does each output pixel mix at most two input pixels with weights summing to 1?"""
    for n_in, n_out in [(8, 32), (8, 28), (5, 3), (1, 4), (4, 4)]:
        matrix = bilinear_matrix(n_in, n_out)
        assert matrix.shape == (n_out, n_in)
        assert np.allclose(matrix.sum(axis=1), 1.0) and matrix.min() >= 0.0
        assert (np.count_nonzero(matrix, axis=1) <= 2).all()
    assert np.array_equal(bilinear_matrix(4, 4), np.eye(4))


def test_resize_keeps_linear_ramps_linear() -> None:
    """Is a linear ramp resampled to a linear ramp away from the clamped borders?"""
    ramp = np.tile(np.arange(8.0), (8, 1))[None]  # (1, 8, 8), value = column index
    big = resize_bilinear(ramp, 32)[0]
    inner = big[:, 2:-2]
    steps = np.diff(inner, axis=1)
    assert np.allclose(steps, 0.25)
    assert np.allclose(big, big[:1])  # constant down each column


def test_require() -> None:
    """Does require() load known datasets and name the unknown one?"""
    require(["sklearn-digits"])
    assert "sklearn-digits" in KNOWN
    with pytest.raises(MaterialError, match="'mnist'"):
        require(["mnist"])


def test_bad_size() -> None:
    """Is a non-positive size refused with the value named?"""
    with pytest.raises(ValueError, match="given: 0"):
        load_digits(0)
