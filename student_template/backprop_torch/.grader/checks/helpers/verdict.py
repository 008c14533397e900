"""Why training may fall short: one backward step of the student's network against autograd.

Trusted-side code shared by the public and hidden training checks; each names its own check
that tests the step, so a public check never names a hidden one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from grader.checks.helpers import in_worker

from helpers.functions import sigmoid


def backward_verdict(submission: Any, rng: np.random.Generator, tested_by: str) -> str:
    """'' when one backward step on a small float32 problem matches autograd, else a sentence
    naming the parameters it moves wrongly and ``tested_by``, which checks test the step."""
    d, h, c, n, lr = 5, 4, 3, 6, 0.5
    shapes = {"W1": (d, h), "b1": (h,), "W2": (h, c), "b2": (c,)}
    params = {k: torch.from_numpy(rng.normal(scale=0.5, size=s)).float() for k, s in shapes.items()}
    x = torch.from_numpy(rng.normal(size=(n, d))).float()
    labels = torch.from_numpy(rng.integers(0, c, size=n))
    leaves = {k: v.double().requires_grad_() for k, v in params.items()}
    logits = torch.sigmoid(x.double() @ leaves["W1"] + leaves["b1"]) @ leaves["W2"] + leaves["b2"]
    loss = torch.nn.functional.cross_entropy(logits, labels)
    grads = dict(zip(shapes, torch.autograd.grad(loss, list(leaves.values())), strict=True))
    try:
        net = submission.network.FullyConnectedNetwork(d, c, h, in_worker(submission, sigmoid), lr)
        for key, value in params.items():
            setattr(net, key, value)
        net.forward(x)
        net.backward(x, torch.eye(c)[labels], torch.softmax(logits.detach(), dim=1).float())
        wrong = []
        for key in shapes:
            new = getattr(net, key).fetch()
            step = (params[key].double() - new.detach().double()) / lr
            err = float((step - grads[key]).norm() / (step.norm() + grads[key].norm() + 1e-30))
            if not err < 1e-3:
                wrong.append(key)
    except Exception:  # a raise, a bad reply: the backward checks report the details
        wrong = list(shapes)
    if not wrong:
        return ""
    return (
        f"; the cause is probably backward, not training: one forward + backward step moves "
        f"{', '.join(wrong)} differently from the gradient of the mean cross-entropy "
        f"({tested_by}); fix backward first"
    )
