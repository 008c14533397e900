"""Hidden checks, Part B: FullyConnectedNetwork's initialisation and forward pass.

Each check builds the network in your process and sets float32 weights through the handle
where it needs known values (the homework is float32 throughout). The expected probabilities
are computed here with torch in float64 on the same numbers; tolerances are float32's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from grader.checks import expect
from grader.checks.helpers import in_worker

from helpers import tensors
from helpers.functions import sigmoid, tanh

PARAMS = ("W1", "b1", "W2", "b2")
D, H, C, N = 7, 5, 4, 9
RTOL, ATOL = expect.tolerance("cpu", "float32")


def _params(rng) -> dict[str, torch.Tensor]:
    shapes = {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}
    return {
        k: torch.from_numpy(rng.normal(size=s) / np.sqrt(s[0] if k[0] == "W" else 4)).float()
        for k, s in shapes.items()
    }


def _inputs(rng) -> torch.Tensor:
    return torch.from_numpy(rng.normal(size=(N, D))).float()


def _network(submission, params: dict, activation: Callable = sigmoid):
    net = submission.network.FullyConnectedNetwork(D, C, H, in_worker(submission, activation))
    for key, value in params.items():
        setattr(net, key, value)
    return net


def _probs(params: dict, x: torch.Tensor, activation=torch.sigmoid) -> np.ndarray:
    """The float64 oracle on the float32 weights and inputs."""
    p = {k: v.double() for k, v in params.items()}
    hidden = activation(x.double() @ p["W1"] + p["b1"])
    return torch.softmax(hidden @ p["W2"] + p["b2"], dim=1).numpy()


def test_network_init_digits_shapes(submission) -> None:
    """FullyConnectedNetwork(784, 10, 64, ...) must start with float32 W1 (784, 64), b1 (64,), W2 (64, 10), b2 (10,), the weights random."""
    net = submission.network.FullyConnectedNetwork(784, 10, 64, in_worker(submission, sigmoid))
    for name, shape in zip(PARAMS, [(784, 64), (64,), (64, 10), (10,)], strict=True):
        value = getattr(net, name).fetch()
        expect.shape(tensors.tensor(value, f"net.{name}"), shape, what=f"net.{name}")
        if name[0] == "W":
            tensors.random_weights(tensors.tensor(value, f"net.{name}"), f"net.{name}")
        expect.that(
            value.dtype == torch.float32,
            f"net.{name} has dtype {value.dtype}; __init__ must create float32 tensors",
        )


def test_network_init_breaks_symmetry(submission) -> None:
    """W1 and W2 must start random and small, and b1, b2 at zero: hidden units with identical weights would learn the same thing."""
    net = submission.network.FullyConnectedNetwork(30, 6, 12, in_worker(submission, sigmoid))
    for name in ("W1", "W2"):
        weights = tensors.tensor(getattr(net, name).fetch(), f"net.{name}")
        expect.that(
            weights.ndim == 2 and bool(np.all(np.isfinite(weights))),
            f"net.{name} must be a 2-D tensor of finite numbers",
        )
        tensors.random_weights(weights, f"net.{name}")
        distinct = len({column.tobytes() for column in weights.T})
        expect.that(
            distinct == weights.shape[1] and float(np.std(weights)) > 0,
            f"net.{name} has only {distinct} distinct columns out of {weights.shape[1]}; "
            "draw the initial weights at random",
        )
        expect.that(
            float(np.max(np.abs(weights))) < 10.0,
            f"net.{name} holds weights of magnitude up to {np.max(np.abs(weights)):.3g}; "
            "start small, e.g. N(0, 1 / fan_in)",
        )


def test_network_forward_values(submission, rng) -> None:
    """forward(x) must return softmax(sigmoid(x W1 + b1) W2 + b2), one probability row per example."""
    params, x = _params(rng), _inputs(rng)
    got = tensors.tensor(_network(submission, params).forward(x), "forward(x)")
    expect.close(got, _probs(params, x), rtol=RTOL, atol=ATOL, what="forward(x)")


def test_network_forward_applies_activation(submission, rng) -> None:
    """forward must apply the activation_func given to the constructor to x W1 + b1 (here tanh)."""
    params, x = _params(rng), _inputs(rng)
    net = _network(submission, params, tanh)
    got = tensors.tensor(net.forward(x), "forward(x) with activation_func = tanh")
    want = _probs(params, x, torch.tanh)
    expect.close(got, want, rtol=RTOL, atol=ATOL, what="forward(x) with activation_func = tanh")


def test_network_forward_is_stable(submission, rng) -> None:
    """forward's softmax must not overflow when the logits pass 88, where float32's exp overflows (subtract each row's max)."""
    params, x = _params(rng), _inputs(rng)
    params["W2"] = params["W2"] * 10.0
    params["b2"] = params["b2"] + 120.0  # every logit near 120: exp of it is inf in float32
    got = tensors.tensor(_network(submission, params).forward(x), "forward(x)")
    bad = int(np.count_nonzero(~np.isfinite(got)))
    expect.that(
        bad == 0,
        f"forward(x) with logits near 120 has {bad} NaN or infinite value(s); subtract each "
        "row's max from the logits before exp",
    )
    want = _probs(params, x)
    expect.close(got, want, rtol=RTOL, atol=ATOL, what="forward(x) with logits near 120")


def test_network_forward_float32(submission, rng) -> None:
    """With float32 weights and inputs, forward must return float32 probabilities: (N, C), rows summing to 1."""
    params, x = _params(rng), _inputs(rng)
    got = _network(submission, params).forward(x)
    expect.that(
        type(got) is torch.Tensor and got.dtype == torch.float32,
        "forward(x) with float32 weights and inputs must return a float32 torch.Tensor, "
        f"not {getattr(got, 'dtype', type(got).__name__)}",
    )
    probs = tensors.tensor(got, "forward(x)")
    expect.shape(probs, (N, C), what="forward(x)")
    expect.that(
        bool(np.all(probs >= 0)) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-5),
        "every row of forward(x) must be a probability distribution: entries >= 0 summing to 1",
    )
    expect.that(
        float(np.ptp(probs, axis=0).max()) > 1e-6,
        "forward(x) gave the same row for every example; the probabilities must depend on x",
    )
