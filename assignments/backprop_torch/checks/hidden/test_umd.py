"""Hidden checks, Part C: initialize_network, pre_activation, sigmoid_activation and
forward_propagation, against torch in float64 on float32 inputs (the homework's dtype).

A network is a list of layer dicts {"W": (n_in, n_out), "b": (n_out,)}; it crosses to your
process by value, as do the tensors that come back.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.checks import expect

from helpers import tensors, umd_net

SIZES = [6, 5, 4, 3]  # a network 6-5-4-3
N = 7
RTOL, ATOL = expect.tolerance("cpu", "float32")


def _layers(got: object, sizes: list[int], call: str) -> list[dict]:
    """got as a list of layer dicts with tensors of the right shapes."""
    n_layers = len(sizes) - 1
    expect.that(
        isinstance(got, list | tuple)
        and len(got) == n_layers
        and all(isinstance(layer, dict) and {"W", "b"} <= set(layer) for layer in got),
        f"{call} must return a list of {n_layers} layer dicts, each with the keys 'W' and 'b'",
    )
    for i, (layer, n_in, n_out) in enumerate(zip(got, sizes[:-1], sizes[1:], strict=True)):
        expect.shape(
            tensors.tensor(layer["W"], f"layer {i}'s W"), (n_in, n_out), what=f"layer {i}'s W"
        )
        expect.shape(tensors.tensor(layer["b"], f"layer {i}'s b"), (n_out,), what=f"layer {i}'s b")
    return list(got)


def test_umd_initialize_network_shapes(submission) -> None:
    """initialize_network(784, [500, 50], 10) must return the handout's 784-500-50-10 network: float32 weights, zero biases."""
    sizes = [784, 500, 50, 10]
    network = _layers(
        submission.umd.initialize_network(784, [500, 50], 10),
        sizes,
        "initialize_network(784, [500, 50], 10)",
    )
    for i, layer in enumerate(network):
        for key in ("W", "b"):
            expect.that(
                layer[key].dtype == torch.float32,
                f"layer {i}'s {key} has dtype {layer[key].dtype}; initialize_network must "
                "create float32 tensors",
            )
        expect.equal(layer["b"].double().numpy(), np.zeros(sizes[i + 1]), what=f"layer {i}'s b")
        weights = layer["W"].detach().double().numpy()
        expect.that(
            bool(np.all(np.isfinite(weights))) and np.unique(weights).size > weights.size // 2,
            f"layer {i}'s W must start with random numbers, not zeros or a fixed pattern",
        )


def test_umd_initialize_network_layers(submission) -> None:
    """initialize_network must give one layer per hidden width plus the output layer, with random weights."""
    for n_hidden in ([], [4, 5, 6]):
        sizes = [3, *n_hidden, 2]
        call = f"initialize_network(3, {n_hidden}, 2)"
        network = _layers(submission.umd.initialize_network(3, n_hidden, 2), sizes, call)
        for i, layer in enumerate(network):
            weights = layer["W"].detach().double().numpy()
            expect.that(
                bool(np.all(np.isfinite(weights))) and np.unique(weights).size > weights.size // 2,
                f"{call}: layer {i}'s W must hold finite random numbers, not one repeated value",
            )


def test_umd_pre_activation_values(submission, rng) -> None:
    """pre_activation(weights, inputs) must return inputs @ weights['W'] + weights['b']."""
    layer = umd_net.network(rng, [6, 4])[0]
    x = torch.from_numpy(rng.normal(size=(N, 6))).float()
    got = tensors.tensor(submission.umd.pre_activation(layer, x), "pre_activation(weights, inputs)")
    want = (x.double() @ layer["W"].double() + layer["b"].double()).numpy()
    expect.close(got, want, rtol=RTOL, atol=ATOL, what="pre_activation(weights, inputs)")


def test_umd_sigmoid_activation_values(submission, rng) -> None:
    """sigmoid_activation(a) must compute 1 / (1 + exp(-a)) elementwise, finite for |a| up to 1000."""
    a = rng.normal(scale=4.0, size=(5, 6))
    a[0, :5] = [-1000.0, 1000.0, 0.0, -95.0, 95.0]  # float32's exp overflows past ~88
    a = torch.from_numpy(a).float()
    got = tensors.tensor(submission.umd.sigmoid_activation(a), "sigmoid_activation(a)")
    bad = int(np.count_nonzero(~np.isfinite(got)))
    expect.that(
        bad == 0,
        f"sigmoid_activation(a) has {bad} NaN or infinite value(s) for |a| up to 1000; "
        "exponentiate only non-positive numbers, e.g. exp(-|a|)",
    )
    want = torch.sigmoid(a.double()).numpy()
    expect.close(got, want, rtol=RTOL, atol=ATOL, what="sigmoid_activation(a)")


def test_umd_forward_propagation_outputs(submission, rng) -> None:
    """forward_propagation must apply sigmoid(a W + b) layer after layer and return the last layer's output first."""
    network, x = (
        umd_net.network(rng, SIZES),
        torch.from_numpy(rng.normal(size=(N, SIZES[0]))).float(),
    )
    result = submission.umd.forward_propagation(network, x)
    expect.that(
        isinstance(result, list | tuple) and len(result) == 2,
        "forward_propagation must return a pair (outputs, input_cache)",
    )
    want = umd_net.activations(network, x.double())[-1].numpy()
    expect.close(tensors.tensor(result[0], "outputs"), want, rtol=RTOL, atol=ATOL, what="outputs")


def test_umd_forward_propagation_cache(submission, rng) -> None:
    """forward_propagation's input_cache must be [a_0 = inputs, a_1, ..., a_L = outputs], one entry per layer plus one."""
    network, x = (
        umd_net.network(rng, SIZES),
        torch.from_numpy(rng.normal(size=(N, SIZES[0]))).float(),
    )
    result = submission.umd.forward_propagation(network, x)
    expect.that(
        isinstance(result, list | tuple) and len(result) == 2,
        "forward_propagation must return a pair (outputs, input_cache)",
    )
    cache, want = result[1], umd_net.activations(network, x.double())
    expect.that(
        isinstance(cache, list | tuple) and len(cache) == len(want),
        f"input_cache must be a list of {len(want)} tensors for a network of {len(network)} layers",
    )
    for i, (got, expected) in enumerate(zip(cache, want, strict=True)):
        what = f"input_cache[{i}]"
        expect.close(tensors.tensor(got, what), expected.numpy(), rtol=RTOL, atol=ATOL, what=what)
