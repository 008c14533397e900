"""A loss with a known gradient, defined inside the worker (``in_worker``) for the public
numerical_gradient check."""

from __future__ import annotations

import numpy as np


def quadratic_loss(params: dict[str, np.ndarray]) -> float:
    """L = 1/2 sum(Wa^2) + sum(ba): dL/dWa = Wa, dL/dba = 1."""
    return float(0.5 * np.sum(params["Wa"] ** 2) + np.sum(params["ba"]))
