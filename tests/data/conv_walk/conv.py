"""conv: convolution and max pooling forward passes in numpy (the reference of conv_demo)."""

from __future__ import annotations

import numpy as np


def scale(x: np.ndarray, k: float) -> np.ndarray:
    """Multiply every entry of x by k. Any shape -> same shape."""
    # BEGIN SOLUTION
    return k * x
    # END SOLUTION


def conv2d_forward(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Valid 2-D cross-correlation, stride 1. x: (N, C, H, W), w: (F, C, KH, KW) -> (N, F, H-KH+1, W-KW+1)."""
    # BEGIN SOLUTION
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    out = np.zeros((n, f, h - kh + 1, wd - kw + 1))
    for i in range(h - kh + 1):
        for j in range(wd - kw + 1):
            patch = x[:, :, i : i + kh, j : j + kw]  # (N, C, KH, KW)
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return out
    # END SOLUTION


def maxpool2x2(x: np.ndarray) -> np.ndarray:
    """2x2 max pooling, stride 2. x: (N, C, H, W) with even H, W -> (N, C, H/2, W/2)."""
    # BEGIN SOLUTION
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))
    # END SOLUTION
