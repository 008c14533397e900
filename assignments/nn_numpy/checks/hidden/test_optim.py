"""Hidden checks: sgd_step and momentum_step over several steps, state included."""

from __future__ import annotations

import numpy as np

from grader.checks import expect

NAMES = ["l1", "out"]
SHAPES = {"l1": (6, 5), "out": (5, 3)}
STEPS = 3
LR = 0.05


def _layers(rng, names: list[str]) -> dict[str, np.ndarray]:
    params = {}
    for name in names:
        d, h = SHAPES.get(name, (4, 2))
        params["W" + name] = rng.normal(size=(d, h))
        params["b" + name] = rng.normal(size=h)
    return params


def _trajectory(submission, reference, rng, step: str, keys: list[str], *args) -> None:
    """Check the student's optimiser against the reference, step by step."""
    start = _layers(rng, NAMES + ["frozen"])
    params = submission.put(start)
    ref = {k: v.copy() for k, v in start.items()}
    for i in range(STEPS):
        for key in start:  # fresh gradients for every layer, the frozen one included
            grad = rng.normal(size=start[key].shape)
            params["grad_" + key] = grad
            ref["grad_" + key] = grad
        getattr(submission.nn, step)(params, NAMES, LR, *args)
        getattr(reference.nn, step)(ref, NAMES, LR, *args)
        got = params.fetch()
        for key in keys:
            expect.that(key in got, f"after {step}, params[{key!r}] must exist")
            expect.close(
                got[key],
                ref[key],
                rtol=1e-12,
                atol=1e-14,
                what=f"params[{key!r}] after {i + 1} call(s) of {step}",
            )


def test_sgd_step_updates(submission, reference, rng) -> None:
    """sgd_step must apply W -= lr * grad_W and b -= lr * grad_b to every named layer."""
    keys = [k + name for name in NAMES for k in ("W", "b")]
    _trajectory(submission, reference, rng, "sgd_step", keys)


def test_sgd_step_leaves_other_layers(submission, reference, rng) -> None:
    """sgd_step must update the layers whose names it is given, and only those."""
    start = _layers(rng, NAMES)
    params = submission.put({**start, **{"grad_" + k: v for k, v in start.items()}})
    submission.nn.sgd_step(params, NAMES, LR)
    got = params.fetch()
    downhill = []
    for key, value in start.items():
        step = np.asarray(got.get(key, value), dtype=np.float64) - value
        if step.shape == value.shape and float(np.sum(step * -value)) > 0.5 * np.sum(
            np.abs(step) * np.abs(value)
        ):
            downhill.append(key)  # moved against its gradient (here the gradient is the value)
    expect.that(
        len(downhill) == len(start),
        f"sgd_step did not move {sorted(set(start) - set(downhill))} against their gradients; "
        "it must step every named layer",
    )
    _trajectory(submission, reference, rng, "sgd_step", ["Wfrozen", "bfrozen"])


def test_momentum_step_updates(submission, reference, rng) -> None:
    """momentum_step must apply M = beta * M - lr * grad; W = W + M, with beta = 0.9 by default."""
    keys = [k + name for name in NAMES for k in ("W", "b")]
    _trajectory(submission, reference, rng, "momentum_step", keys)


def test_momentum_step_state(submission, reference, rng) -> None:
    """momentum_step must keep each velocity in params['m_' + key] and honour the given beta."""
    keys = ["m_" + k + name for name in NAMES for k in ("W", "b")]
    _trajectory(submission, reference, rng, "momentum_step", keys, 0.5)
