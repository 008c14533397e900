"""What came back from the student's code, read on the trusted side, and random masks."""

from __future__ import annotations

import numpy as np
import torch

from grader.checks import expect


def scalar(got: object, what: str) -> float:
    """``got`` as a float: the handout's "a Python float" also accepts a numpy scalar or a 0-d
    tensor, which hold the same number."""
    if isinstance(got, torch.Tensor) and got.dim() == 0 and got.is_floating_point():
        return float(got)
    expect.that(
        isinstance(got, float | np.floating),
        f"{what} must be a float (a Python float; a numpy scalar or a 0-d tensor also do), "
        f"not {type(got).__name__}",
    )
    return float(got)  # type: ignore[arg-type]


def masks(
    rng: np.random.Generator, shape: tuple[int, ...], classes: int, void: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """(pred, target) int64 with labels in 0..classes-1; a fraction ``void`` of target is 255."""
    pred = rng.integers(0, classes, size=shape)
    target = np.where(rng.uniform(size=shape) < 0.6, pred, rng.integers(0, classes, size=shape))
    target[rng.uniform(size=shape) < void] = 255
    return torch.from_numpy(pred.astype(np.int64)), torch.from_numpy(target.astype(np.int64))
