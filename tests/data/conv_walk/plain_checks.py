import numpy as np
import pytest
from conv import conv2d_forward, maxpool2x2


def naive_conv(x, w):
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    out = np.zeros((n, f, h - kh + 1, wd - kw + 1))
    for a in range(n):
        for b in range(f):
            for i in range(h - kh + 1):
                for j in range(wd - kw + 1):
                    out[a, b, i, j] = np.sum(x[a, :, i:i + kh, j:j + kw] * w[b])
    return out


def test_conv_shape():
    """conv2d_forward must return (N, F, H-KH+1, W-KW+1)."""
    x = np.ones((2, 3, 6, 5))
    w = np.ones((4, 3, 3, 2))
    assert conv2d_forward(x, w).shape == (2, 4, 4, 4)


def test_conv_values():
    """conv2d_forward must compute a valid cross-correlation (not a flipped convolution)."""
    r = np.random.default_rng(0)
    x = r.standard_normal((2, 3, 6, 6))
    w = r.standard_normal((2, 3, 3, 3))
    np.testing.assert_allclose(conv2d_forward(x, w), naive_conv(x, w), rtol=1e-6, atol=1e-8)


def test_conv_single_channel():
    """conv2d_forward must handle one input channel and one filter."""
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])
    np.testing.assert_allclose(conv2d_forward(x, w), naive_conv(x, w))


def test_pool_shape():
    """maxpool2x2 must halve H and W."""
    assert maxpool2x2(np.zeros((2, 3, 8, 6))).shape == (2, 3, 4, 3)


@pytest.mark.parametrize("seed", [1, 2])
def test_pool_values(seed):
    """maxpool2x2 must take the maximum of each 2x2 block."""
    x = np.random.default_rng(seed).standard_normal((1, 2, 4, 4))
    want = np.array([[[[x[0, c, i:i + 2, j:j + 2].max() for j in (0, 2)] for i in (0, 2)] for c in (0, 1)]])
    np.testing.assert_allclose(maxpool2x2(x), want)
