"""The UMD network of Part C, computed here: seeded layers, a forward pass, central
differences in float64, and the shape of what backward_propagate_error returns."""

from __future__ import annotations

from typing import cast

import numpy as np
import torch

from grader.checks import expect

EPS = 1e-6


def network(rng: np.random.Generator, sizes: list[int]) -> list[dict[str, torch.Tensor]]:
    """A float32 network with layer widths sizes, e.g. [3, 4, 2]: one dict per layer."""
    return [
        {
            "W": torch.from_numpy(rng.normal(size=(n_in, n_out)) / np.sqrt(n_in)).float(),
            "b": torch.from_numpy(rng.normal(scale=0.5, size=n_out)).float(),
        }
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
    ]


def activations(network: list[dict[str, torch.Tensor]], x: torch.Tensor) -> list[torch.Tensor]:
    """[a_0, a_1, ..., a_L] with a_l = sigmoid(a_{l-1} W + b), in x's dtype."""
    cache = [x]
    for layer in network:
        cache.append(torch.sigmoid(cache[-1] @ layer["W"].to(x.dtype) + layer["b"].to(x.dtype)))
    return cache


def central_differences(
    network: list[dict[str, torch.Tensor]],
    x: torch.Tensor,
    G: torch.Tensor,
    i: int,
    key: str,
) -> np.ndarray:
    """d sum(G * outputs) / d network[i][key], one entry at a time, on float64 copies."""
    network = [{k: v.double() for k, v in layer.items()} for layer in network]
    x, G = x.double(), G.double()
    base = network[i][key]
    grad = np.zeros(tuple(base.shape))
    for idx in np.ndindex(*base.shape):
        losses = []
        for step in (EPS, -EPS):
            moved = base.clone()
            moved[idx] += step
            copy = [dict(layer) for layer in network]
            copy[i][key] = moved
            losses.append(float((G * activations(copy, x)[-1]).sum()))
        grad[idx] = (losses[0] - losses[1]) / (2 * EPS)
    return grad


def grads(got: object, n_layers: int) -> list[dict[str, torch.Tensor]]:
    """What backward_propagate_error returned: one dict of W and b tensors per layer."""
    expect.that(
        isinstance(got, list | tuple)
        and len(got) == n_layers
        and all(isinstance(g, dict) and {"W", "b"} <= set(g) for g in got),
        f"backward_propagate_error must return a list of {n_layers} dicts, one per layer, "
        "each with the keys 'W' and 'b'",
    )
    layers = cast(list[dict[str, torch.Tensor]], list(got))  # type: ignore[call-overload]
    for i, layer in enumerate(layers):
        for key in ("W", "b"):
            expect.that(
                type(layer[key]) is torch.Tensor,
                f"grads[{i}][{key!r}] must be a torch.Tensor, but it is a "
                f"{type(layer[key]).__name__}",
            )
    return layers
