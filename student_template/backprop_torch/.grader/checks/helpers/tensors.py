"""What came back from the student's code, as float64 numpy, after checking its type."""

from __future__ import annotations

from typing import cast

import numpy as np
import torch

from grader.checks import expect


def tensor(got: object, what: str) -> np.ndarray:
    """got as a float64 numpy array, after checking it is a torch.Tensor."""
    expect.that(got is not None, f"{what} is None; did the function forget to return its result?")
    expect.that(
        type(got) is torch.Tensor,
        f"{what} must be a torch.Tensor, but it is a {type(got).__name__}",
    )
    return cast(torch.Tensor, got).detach().double().numpy()


def values(got: object, what: str) -> np.ndarray:
    """got as a float64 numpy array, after checking it is a floating torch.Tensor."""
    expect.that(got is not None, f"{what} is None; did the function forget to return its result?")
    expect.that(
        type(got) is torch.Tensor and got.is_floating_point(),
        f"{what} must be a floating-point torch.Tensor, but it is "
        f"{getattr(got, 'dtype', type(got).__name__)}",
    )
    return cast(torch.Tensor, got).detach().double().numpy()


def float32(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.asarray(array, dtype=np.float32))


def random_weights(weights: np.ndarray, what: str) -> None:
    """weights must be finite and mostly distinct: drawn at random, not a fixed pattern."""
    expect.that(
        bool(np.all(np.isfinite(weights))) and np.unique(weights).size > weights.size // 2,
        f"{what} must start with random numbers, not zeros or a fixed pattern",
    )
