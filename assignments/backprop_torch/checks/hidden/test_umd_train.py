"""Hidden checks, Part C: train on small toy problems drawn from the check's seed.

The toy problems are a few random examples with random class labels, in float32 (the
homework's dtype): small enough to fit, so the loss must fall, and small enough to replay
here with the reference in float64 on the same numbers. train is built on
forward_propagation, backward_propagate_error and update_weights; when a train check fails
because one of those is wrong, its message names that function and the check that tests it.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.checks import expect

RTOL, ATOL = 1e-4, 1e-5  # float32 training against a float64 replay


def _network(rng, sizes: list[int]) -> list[dict[str, torch.Tensor]]:
    return [
        {
            "W": torch.from_numpy(rng.normal(size=(n_in, n_out)) / np.sqrt(n_in)).float(),
            "b": torch.from_numpy(rng.normal(scale=0.5, size=n_out)).float(),
        }
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
    ]


def _copy(network: list[dict], dtype=torch.float32) -> list[dict]:
    return [{k: v.clone().to(dtype) for k, v in layer.items()} for layer in network]


def _toy(rng, n: int, sizes: list[int]):
    """(network, x (n, features), y (n,) integer labels) for a network of layer widths sizes."""
    x = torch.from_numpy(rng.normal(size=(n, sizes[0]))).float()
    y = torch.from_numpy(rng.integers(0, sizes[-1], size=n))
    return _network(rng, sizes), x, y


def _number(value: object) -> float | None:
    """value as a float when float() would take it (Python and numpy numbers, 0-d arrays and
    one-element tensors), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | np.generic):
        return float(value)
    if type(value) is np.ndarray and value.size == 1 and value.dtype.kind in "iuf":
        return float(value.reshape(()))
    if type(value) is torch.Tensor and value.numel() == 1:
        return float(value.reshape(()))
    return None


def _losses(got: object, n_epoch: int) -> np.ndarray:
    expect.that(
        isinstance(got, list | tuple) and len(got) == n_epoch,
        f"train(..., n_epoch={n_epoch}, ...) must return a list of {n_epoch} epoch losses",
    )
    values = [_number(value) for value in got]
    expect.that(
        all(v is not None for v in values), "each epoch loss must be a number (a Python float)"
    )
    return np.array(values, dtype=np.float64)


def _culprit(submission, rng) -> str:
    """A sentence naming the helper of train that is wrong on a small problem, or ''."""
    network, x, _ = _toy(rng, 4, [3, 4, 2])
    G = torch.from_numpy(rng.normal(size=(4, 2))).float()
    leaves = [{k: v.double().requires_grad_() for k, v in layer.items()} for layer in network]
    cache = [x.double()]
    for layer in leaves:
        cache.append(torch.sigmoid(cache[-1] @ layer["W"] + layer["b"]))
    flat = [layer[k] for layer in leaves for k in ("W", "b")]
    want = torch.autograd.grad((G.double() * cache[-1]).sum(), flat)
    try:
        outputs, got_cache = submission.umd.forward_propagation(network, x)
        if not np.allclose(outputs.double().numpy(), cache[-1].detach().numpy(), atol=1e-5):
            return _blame("forward_propagation", "test_umd_forward_propagation_outputs")
        grads = submission.umd.backward_propagate_error(network, got_cache, G)
        got = [grads[i][k].double() for i in range(len(network)) for k in ("W", "b")]
        if not all(
            np.allclose(g.numpy(), w.numpy(), atol=1e-4) for g, w in zip(got, want, strict=True)
        ):
            return _blame(
                "backward_propagate_error", "test_umd_backward_grad_w_matches_finite_differences"
            )
        handle = submission.put(_copy(network))
        submission.umd.update_weights(handle, _copy(network), 0.5)
        moved = handle.fetch()
        for layer, new in zip(network, moved, strict=True):
            for key in ("W", "b"):
                if not np.allclose(new[key].double().numpy(), 0.5 * layer[key].double().numpy()):
                    return _blame("update_weights", "test_umd_update_weights_step")
    except Exception:  # any failure of a helper is the helper's own checks' to report
        return "; train's helpers fail on a small network: see the Part C checks above it"
    return ""


def _blame(function: str, check: str) -> str:
    return (
        f"; train calls {function}, which gives wrong results on a small network "
        f"({check} tests it): fix {function} first"
    )


def test_umd_train_loss_falls_other_toy(submission, rng) -> None:
    """train on 10 examples (6 features, 4 classes, network 6-8-4, lr 0.5) must bring the loss below 90% of its first epoch within 50 epochs."""
    network, x, y = _toy(rng, 10, [6, 8, 4])
    losses = _losses(submission.umd.train(network, x, y, 0.5, 50, 4), 50)
    if not (bool(np.all(np.isfinite(losses) & (losses >= 0))) and losses[-1] < 0.9 * losses[0]):
        expect.that(
            False,
            f"the loss went from {losses[0]:.4g} in the first epoch to {losses[-1]:.4g} in the "
            "50th; it must fall below 90% of where it started (a sum of squares is never "
            "negative)" + _culprit(submission, rng),
        )


def test_umd_train_losses_values(submission, reference, rng) -> None:
    """Each epoch loss must be the sum over the examples, in order, of 1/2 sum_k (out_k - t_k)^2, measured before that example's update."""
    network, x, y = _toy(rng, 8, [3, 4, 3])
    got = _losses(submission.umd.train(_copy(network), x, y, 0.8, 5, 3), 5)
    want = np.array(reference.umd.train(_copy(network, torch.float64), x.double(), y, 0.8, 5, 3))
    if not np.allclose(got, want, rtol=RTOL, atol=ATOL):
        culprit = _culprit(submission, rng)
        expect.that(not culprit, "the epoch losses are off" + culprit)
        expect.close(got, want, rtol=RTOL, atol=ATOL, what="the list of 5 epoch losses")


def test_umd_train_updates_network(submission, reference, rng) -> None:
    """train must update the network it is given in place, one SGD step per example."""
    network, x, y = _toy(rng, 8, [3, 5, 2])
    handle = submission.put(_copy(network))
    submission.umd.train(handle, x, y, 0.5, 3, 2)
    got = handle.fetch()
    want = _copy(network, torch.float64)
    reference.umd.train(want, x.double(), y, 0.5, 3, 2)
    expect.that(
        isinstance(got, list) and len(got) == len(want),
        f"after train, the network must still be a list of {len(want)} layer dicts",
    )
    culprit = None
    for i, layer in enumerate(want):
        for key in ("W", "b"):
            value = got[i].get(key) if isinstance(got[i], dict) else None
            expect.that(
                type(value) is torch.Tensor, f"after train, layer {i} must hold a tensor {key!r}"
            )
            value = value.detach().double().numpy()
            if not np.allclose(value, layer[key].numpy(), rtol=RTOL, atol=ATOL):
                culprit = _culprit(submission, rng) if culprit is None else culprit
                expect.that(not culprit, f"layer {i}'s {key} after 3 epochs is off" + culprit)
            expect.close(
                value,
                layer[key].numpy(),
                rtol=RTOL,
                atol=ATOL,
                what=f"layer {i}'s {key} after 3 epochs",
            )
