"""Hidden checks, Part B: FullyConnectedNetwork's initialisation and forward pass.

Each check builds the network in your process, sets its weights through the handle where it
needs known values, and computes the expected probabilities here with torch in float64.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.checks import expect

SIGMOID = """
import torch

def sigmoid(x):
    return torch.sigmoid(x)
"""

TANH = """
import torch

def tanh(x):
    return torch.tanh(x)
"""

PARAMS = ("W1", "b1", "W2", "b2")
D, H, C, N = 7, 5, 4, 9


def _tensor(got: object, what: str) -> np.ndarray:
    expect.that(got is not None, f"{what} is None; did the function forget to return its result?")
    expect.that(
        type(got) is torch.Tensor,
        f"{what} must be a torch.Tensor, but it is a {type(got).__name__}",
    )
    return got.detach().double().numpy()


def _params(rng, dtype=torch.float64) -> dict[str, torch.Tensor]:
    shapes = {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}
    return {
        k: torch.from_numpy(rng.normal(size=s) / np.sqrt(s[0] if k[0] == "W" else 4)).to(dtype)
        for k, s in shapes.items()
    }


def _network(submission, params: dict, activation: str = SIGMOID, name: str = "sigmoid"):
    net = submission.network.FullyConnectedNetwork(D, C, H, submission.define(activation, name))
    for key, value in params.items():
        setattr(net, key, value)
    return net


def _probs(params: dict, x: torch.Tensor, activation=torch.sigmoid) -> torch.Tensor:
    hidden = activation(x @ params["W1"] + params["b1"])
    return torch.softmax(hidden @ params["W2"] + params["b2"], dim=1)


def test_network_init_digits_shapes(submission) -> None:
    """FullyConnectedNetwork(784, 10, 64, ...) must start with float32 W1 (784, 64), b1 (64,), W2 (64, 10), b2 (10,)."""
    net = submission.network.FullyConnectedNetwork(
        784, 10, 64, submission.define(SIGMOID, "sigmoid")
    )
    for name, shape in zip(PARAMS, [(784, 64), (64,), (64, 10), (10,)], strict=True):
        value = getattr(net, name).fetch()
        expect.shape(_tensor(value, f"net.{name}"), shape, what=f"net.{name}")
        expect.that(
            value.dtype == torch.float32,
            f"net.{name} has dtype {value.dtype}; __init__ must create float32 tensors",
        )


def test_network_init_breaks_symmetry(submission) -> None:
    """W1 and W2 must start random: hidden units with identical weights would learn the same thing."""
    net = submission.network.FullyConnectedNetwork(30, 6, 12, submission.define(SIGMOID, "sigmoid"))
    for name in ("W1", "W2"):
        weights = _tensor(getattr(net, name).fetch(), f"net.{name}")
        expect.that(
            weights.ndim == 2 and bool(np.all(np.isfinite(weights))),
            f"net.{name} must be a 2-D tensor of finite numbers",
        )
        distinct = len({column.tobytes() for column in weights.T})
        expect.that(
            distinct == weights.shape[1] and float(np.std(weights)) > 0,
            f"net.{name} has only {distinct} distinct columns out of {weights.shape[1]}; "
            "draw the initial weights at random",
        )


def test_network_forward_values(submission, rng) -> None:
    """forward(x) must return softmax(sigmoid(x W1 + b1) W2 + b2), one probability row per example."""
    params, x = _params(rng), torch.from_numpy(rng.normal(size=(N, D)))
    got = _tensor(_network(submission, params).forward(x), "forward(x)")
    expect.close(got, _probs(params, x).numpy(), rtol=1e-10, atol=1e-15, what="forward(x)")


def test_network_forward_applies_activation(submission, rng) -> None:
    """forward must apply the activation_func given to the constructor to x W1 + b1 (here tanh)."""
    params, x = _params(rng), torch.from_numpy(rng.normal(size=(N, D)))
    net = _network(submission, params, TANH, "tanh")
    got = _tensor(net.forward(x), "forward(x) with activation_func = tanh")
    want = _probs(params, x, torch.tanh).numpy()
    expect.close(got, want, rtol=1e-10, atol=1e-15, what="forward(x) with activation_func = tanh")


def test_network_forward_is_stable(submission, rng) -> None:
    """forward's softmax must not overflow when the logits reach magnitude 1e3 (subtract each row's max)."""
    params, x = _params(rng), torch.from_numpy(rng.normal(size=(N, D)))
    params["W2"] = params["W2"] * 100.0
    params["b2"] = params["b2"] + 1000.0  # every logit near 1000: exp of it overflows
    got = _tensor(_network(submission, params).forward(x), "forward(x)")
    want = _probs(params, x).numpy()
    expect.close(got, want, rtol=1e-9, atol=1e-15, what="forward(x) with logits of magnitude ~1e3")


def test_network_forward_float32(submission, rng) -> None:
    """With float32 weights and inputs, forward must return float32 probabilities accurate to ~1e-4."""
    params, x = _params(rng, torch.float32), torch.from_numpy(rng.normal(size=(N, D))).float()
    got = _network(submission, params).forward(x)
    expect.that(
        type(got) is torch.Tensor and got.dtype == torch.float32,
        "forward(x) with float32 weights and inputs must return a float32 torch.Tensor",
    )
    want = _probs({k: v.double() for k, v in params.items()}, x.double()).numpy()
    expect.close(
        _tensor(got, "forward(x)"), want, rtol=1e-4, atol=1e-6, what="forward(x) in float32"
    )
