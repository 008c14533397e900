"""Public checks on models.py: output shapes and parameter counts.

Each check builds your model in your process and sends it random images of the documented
shape; parameters are read back in registration order (model.parameters()) and counted here.
"""

from __future__ import annotations

import numpy as np
import torch

from grader.checks import expect
from grader.checks.helpers import in_worker

from helpers.state import parameters_of


def _logits(got: object, what: str) -> np.ndarray:
    """A forward pass's result as float64 numpy, or a failure saying what came back instead."""
    expect.that(got is not None, f"{what} is None; did forward forget to return its result?")
    expect.that(
        type(got) is torch.Tensor,
        f"{what} must be a torch.Tensor, but it is a {type(got).__name__}",
    )
    return got.detach().double().numpy()


def _count(submission, model) -> int:
    """The number of parameters of a model in the worker, counted here."""
    tensors = in_worker(submission, parameters_of)(model)
    expect.that(
        type(tensors) is list and all(type(t) is torch.Tensor for t in tensors),
        "model.parameters() must yield torch tensors (register layers as nn.Module attributes)",
    )
    return sum(t.numel() for t in tensors)


def _depends_on_image(got: np.ndarray, name: str) -> None:
    """A shape alone is not a classifier: different images must get different scores."""
    spread = float(np.abs(got - got[:1]).max())
    expect.that(
        spread > 1e-6,
        f"{name} gives every image the same outputs (they differ by at most {spread:.1e}); "
        "forward must compute the class scores from the image",
    )


def _images(rng, shape: tuple[int, ...]) -> torch.Tensor:
    """Float32 pixels in [0, 1], as the datasets' ToTensor gives them."""
    return torch.from_numpy(rng.uniform(size=shape).astype(np.float32))


def test_net_output_shape(submission, rng) -> None:
    """Net() must map images (B, 3, 32, 32) to logits (B, 10) that depend on the image, for B = 1 and B = 4."""
    model = submission.models.Net()
    for batch in (4, 1):
        got = _logits(
            model(_images(rng, (batch, 3, 32, 32))), f"Net()(x) for x of shape ({batch}, 3, 32, 32)"
        )
        expect.shape(got, (batch, 10), what=f"Net()(x) for x of shape ({batch}, 3, 32, 32)")
        if batch > 1:
            _depends_on_image(got, "Net()")


def test_net_parameter_count(submission) -> None:
    """Net() must have exactly 62,006 parameters (conv1, conv2, fc1, fc2, fc3 with biases)."""
    count = _count(submission, submission.models.Net())
    expect.that(count == 62_006, f"Net() has {count:,} parameters; LeNet-5 as specified has 62,006")
    expect.note(f"Net() has {count:,} parameters")


def test_model_output_shape(submission, rng) -> None:
    """Model() must map images (B, 1, 28, 28) to logits (B, 10) that depend on the image, in train mode (B = 5) and in eval mode (B = 1, 3)."""
    model = submission.models.Model()
    for batch, mode in ((5, "train"), (3, "eval"), (1, "eval")):
        getattr(model, mode)()
        what = f"Model()(x) in {mode} mode for x of shape ({batch}, 1, 28, 28)"
        got = _logits(model(_images(rng, (batch, 1, 28, 28))), what)
        expect.shape(got, (batch, 10), what=what)
        if batch > 1:
            _depends_on_image(got, "Model()")


def test_mlp_parameter_count(submission) -> None:
    """MNISTClassifierMLP() must have exactly 101,770 parameters (784 -> 128 -> 10)."""
    count = _count(submission, submission.models.MNISTClassifierMLP())
    expect.that(
        count == 101_770,
        f"MNISTClassifierMLP() has {count:,} parameters; 784 -> 128 -> 10 with biases has 101,770",
    )
    expect.note(f"MNISTClassifierMLP() has {count:,} parameters")


def test_cnn_parameter_count(submission) -> None:
    """CNN() must have exactly 47,658 parameters."""
    count = _count(submission, submission.models.CNN())
    expect.that(count == 47_658, f"CNN() has {count:,} parameters; the specified CNN has 47,658")
    expect.note(f"CNN() has {count:,} parameters")


def test_budget_cnn_parameter_budget(submission, params) -> None:
    """BudgetCNN(43) must have fewer than 100,000 parameters (weights, biases and BatchNorm scales all count)."""
    p = params["budget_cnn"]
    count = _count(submission, submission.models.BudgetCNN(p["num_classes"]))
    expect.that(
        count < p["max_parameters"],
        f"BudgetCNN({p['num_classes']}) has {count:,} parameters; the budget is fewer than "
        f"{p['max_parameters']:,}. Narrow the convolutions, or replace a big fc layer by global "
        "average pooling",
    )
    expect.note(
        f"BudgetCNN({p['num_classes']}) has {count:,} parameters (the budget: fewer than "
        f"{p['max_parameters']:,})"
    )
