"""Hidden checks, Part C: backward_propagate_error against float64 central differences, and
update_weights.

Your functions get float32 tensors, the homework's dtype. The loss is L = sum(grad_x * outputs)
for a random grad_x, so dL/d outputs = grad_x. Central differences of L are computed here in
float64, with this file's own forward pass on the same (float32) numbers; tolerances are
float32's.
"""

from __future__ import annotations

import torch

from grader.checks import expect

from helpers import umd_net

SIZES = [5, 4, 3, 2]  # a network 5-4-3-2
SQUARE = [4, 4, 4, 4]  # equal widths: a mixed-up cache entry still has the right shape
N = 6
TOL = 1e-4  # float32 gradients against a float64 oracle
RTOL, ATOL = expect.tolerance("cpu", "float32")


def _student_grads(submission, network, x, G) -> list[dict]:
    """The student's forward_propagation, then backward_propagate_error on its cache."""
    result = submission.umd.forward_propagation(network, x)
    expect.that(
        isinstance(result, list | tuple) and len(result) == 2,
        "forward_propagation must return a pair (outputs, input_cache)",
    )
    return umd_net.grads(
        submission.umd.backward_propagate_error(network, result[1], G), len(network)
    )


def _problem(rng, sizes: list[int] = SIZES):
    network = umd_net.network(rng, sizes)
    x = torch.from_numpy(rng.normal(size=(N, sizes[0]))).float()
    G = torch.from_numpy(rng.normal(size=(N, sizes[-1]))).float()
    return network, x, G


def _check_against_differences(submission, rng, key: str) -> None:
    network, x, G = _problem(rng)
    grads = _student_grads(submission, network, x, G)
    for i in range(len(network)):
        want = umd_net.central_differences(network, x, G, i, key)
        got = grads[i][key].detach().double().numpy()
        expect.rel_error_below(got, want, TOL, what=f"grads[{i}][{key!r}] of the 5-4-3-2 network")


def test_umd_backward_grad_w_matches_finite_differences(submission, rng) -> None:
    """Every layer's grads[i]['W'] must match central differences of L = sum(grad_x * outputs)."""
    _check_against_differences(submission, rng, "W")


def test_umd_backward_grad_b_matches_finite_differences(submission, rng) -> None:
    """Every layer's grads[i]['b'] must match central differences (summed over the batch)."""
    _check_against_differences(submission, rng, "b")


def test_umd_backward_from_planted_cache(submission, rng) -> None:
    """backward_propagate_error must use the input_cache it is given: a_{l-1} for dL/dW and a_l for the sigmoid's derivative."""
    network, x, G = _problem(rng, SQUARE)
    grads = umd_net.grads(
        submission.umd.backward_propagate_error(network, umd_net.activations(network, x), G),
        len(network),
    )
    leaves = [{k: v.double().requires_grad_() for k, v in layer.items()} for layer in network]
    flat = [layer[k] for layer in leaves for k in ("W", "b")]
    want = torch.autograd.grad(
        (G.double() * umd_net.activations(leaves, x.double())[-1]).sum(), flat
    )
    for i in range(len(network)):
        for j, key in enumerate(("W", "b")):
            got = grads[i][key].detach().double().numpy()
            expect.close(
                got, want[2 * i + j].numpy(), rtol=RTOL, atol=ATOL, what=f"grads[{i}][{key!r}]"
            )


def test_umd_update_weights_step(submission, rng) -> None:
    """update_weights(network, grads, l_rate) must set W -= l_rate * grads W and b -= l_rate * grads b in every layer, in place."""
    network, l_rate = umd_net.network(rng, SIZES), 0.3
    grads = umd_net.network(rng, SIZES)  # any tensors of the right shapes will do
    handle = submission.put(network)
    submission.umd.update_weights(handle, grads, l_rate)
    got = handle.fetch()
    expect.that(
        isinstance(got, list) and len(got) == len(network),
        f"update_weights must leave network a list of {len(network)} layer dicts",
    )
    for i, (layer, grad) in enumerate(zip(network, grads, strict=True)):
        for key in ("W", "b"):
            want = (layer[key].double() - l_rate * grad[key].double()).numpy()
            expect.that(
                isinstance(got[i], dict) and key in got[i],
                f"after update_weights, layer {i} must still hold {key!r}",
            )
            value = got[i][key]
            expect.that(
                type(value) is torch.Tensor,
                f"layer {i}'s {key} must be a torch.Tensor after update_weights",
            )
            expect.close(
                value.detach().double().numpy(),
                want,
                rtol=RTOL,
                atol=ATOL,
                what=f"layer {i}'s {key}",
            )
