"""Hidden checks on models.py: layer order, the forward pass, BatchNorm, and BudgetCNN's shape.

The forward checks read your model's parameters in registration order, load them into the
reference architecture here, and compare the two forward passes in float64 on the same
random images: a missing ReLU, a wrong pooling or a flatten that mixes examples shows up as a
difference. Your model runs on ``device``.

Class scores are compared up to a constant per example (both sides go through log_softmax
first): raw logits and log-probabilities (a model ending in log_softmax) are both right.
Probabilities (a softmax at the end) are not, and the message says so.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from grader.checks import expect
from grader.checks.helpers import in_worker

from helpers import model_probes, state


def _images(rng, shape: tuple[int, ...]) -> torch.Tensor:
    """Float pixels in [0, 1], as the datasets' ToTensor gives them."""
    return torch.from_numpy(rng.uniform(size=shape).astype(np.float32))


def _logits(got: object, what: str) -> np.ndarray:
    expect.that(got is not None, f"{what} is None; did forward forget to return its result?")
    expect.that(
        type(got) is torch.Tensor,
        f"{what} must be a torch.Tensor, but it is a {type(got).__name__}",
    )
    assert isinstance(got, torch.Tensor)
    return got.double().numpy()


def _shapes(tensors: list) -> list[tuple[int, ...]]:
    return [tuple(t.shape) for t in tensors]


def _load_in_order(module: nn.Module, tensors: list, name: str) -> nn.Module:
    """The reference module with the student's parameters, matched by registration order."""
    want = _shapes(list(module.parameters()))
    expect.that(
        _shapes(tensors) == want,
        f"{name}'s parameters, in registration order, have shapes {_shapes(tensors)}; the layers "
        f"its docstring lists, created in the order the data flows, give {want}",
    )
    with torch.no_grad():
        for param, value in zip(module.parameters(), tensors, strict=True):
            param.copy_(value)
    return module.double()


def _matches_reference(
    submission, device: str, model, ref: nn.Module, images: torch.Tensor, name: str, modes=("eval",)
) -> None:
    """The student's model and the reference with its weights agree in float64 in each mode."""
    helpers = in_worker(submission, state, model_probes)
    _load_in_order(ref, helpers.parameters_of(model), name)
    rtol, atol = expect.tolerance(device, "float64")
    for mode in modes:
        what = f"{name}'s logits in {mode} mode for images of shape {tuple(images.shape)}"
        got = _logits(helpers.forward(model, images, device, mode, "float64"), what)
        expect.shape(got, (len(images), _classes(ref)), what=what)
        _not_probabilities(got, name)
        ref.train(mode == "train")
        with torch.no_grad():
            want = ref(images.double()).numpy()
        expect.close(
            _log_softmax(got),
            _log_softmax(want),
            rtol=rtol,
            atol=max(atol, 1e-10),
            what=f"{what}, after log_softmax (so logits and log-probabilities both match)",
        )


def _classes(ref: nn.Module) -> int:
    """The number of outputs of the reference model's last layer with weights."""
    return int(list(ref.parameters())[-1].shape[0])


def _log_softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise log_softmax in float64: the same for any constant added to a row."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _not_probabilities(got: np.ndarray, name: str) -> None:
    """Fail, saying why, when every row is a probability vector (a softmax at the end)."""
    rows_sum_to_one = np.allclose(got.sum(axis=1), 1.0, atol=1e-6)
    expect.that(
        not (rows_sum_to_one and got.min() >= 0 and got.shape[1] > 1),
        f"{name}'s outputs are probabilities (each row is non-negative and sums to 1): forward "
        "must return class scores, raw logits or log-probabilities (F.log_softmax), because "
        "cross_entropy applies log_softmax itself. Drop the softmax at the end",
    )


# -- Net ------------------------------------------------------------------------------------

NET_SHAPES = [
    (6, 3, 5, 5),
    (6,),
    (16, 6, 5, 5),
    (16,),
    (120, 400),
    (120,),
    (84, 120),
    (84,),
    (10, 84),
    (10,),
]


def test_net_layers_in_order(submission) -> None:
    """Net's layers with weights must be conv1 (3 -> 6, 5x5), conv2 (6 -> 16, 5x5), fc1 (400 -> 120), fc2 (120 -> 84), fc3 (84 -> 10), created in that order."""
    tensors = in_worker(submission, state, model_probes).parameters_of(submission.models.Net())
    got = _shapes(tensors)
    expect.that(
        got == NET_SHAPES,
        f"Net's parameters, in registration order, have shapes {got}; conv1, conv2, fc1, fc2, fc3 "
        f"with biases, created in that order, give {NET_SHAPES}",
    )


def test_net_forward_matches_reference(submission, reference, rng, device) -> None:
    """Net's forward must be conv1 -> ReLU -> pool -> conv2 -> ReLU -> pool -> flatten -> fc1 -> ReLU -> fc2 -> ReLU -> fc3, checked on your weights."""
    images = _images(rng, (6, 3, 32, 32))
    _matches_reference(
        submission, device, submission.models.Net(), reference.models.Net(), images, "Net"
    )


def test_net_examples_independent(submission, rng, device) -> None:
    """Each example's logits from Net must depend on that example alone: flatten with x.view(x.size(0), -1), not a reshape that mixes the batch."""
    helpers = in_worker(submission, state, model_probes)
    model = submission.models.Net()
    images = _images(rng, (5, 3, 32, 32))
    batch = _logits(helpers.forward(model, images, device, "eval", "float64"), "Net's logits")
    alone = np.concatenate(
        [
            _logits(
                helpers.forward(model, images[i : i + 1], device, "eval", "float64"), "Net's logits"
            )
            for i in range(len(images))
        ]
    )
    spread = float(np.abs(batch - batch[:1]).max())
    expect.that(
        spread > 1e-9,
        "Net gives every image the same logits; they must be computed from the image (this "
        "check compares each image's logits computed in a batch and alone)",
    )
    rtol, atol = expect.tolerance(device, "float64")
    expect.close(
        batch,
        alone,
        rtol=rtol,
        atol=max(atol, 1e-10),
        what="Net's logits for a batch of 5, compared with each image's logits computed alone",
    )


# -- Model ----------------------------------------------------------------------------------


def test_model_num_classes(submission, rng) -> None:
    """Model(num_classes=7) must map (B, 1, 28, 28) to (B, 7) in eval mode, also for B = 1."""
    helpers = in_worker(submission, state, model_probes)
    model = submission.models.Model(num_classes=7)
    for batch in (2, 1):
        what = f"Model(num_classes=7)(x) in eval mode for x of shape ({batch}, 1, 28, 28)"
        got = _logits(
            helpers.forward(model, _images(rng, (batch, 1, 28, 28)), "cpu", "eval", "float32"), what
        )
        expect.shape(got, (batch, 7), what=what)


def test_model_has_batchnorm(submission) -> None:
    """Model must normalise each block with BatchNorm2d: three BatchNorm layers, of 16, 32 and 64 channels."""
    found = in_worker(submission, state, model_probes).batchnorm_features(submission.models.Model())
    expect.that(
        found == [16, 32, 64],
        f"Model has BatchNorm layers of {found} channels; each block needs one after its conv, "
        "nn.BatchNorm2d(16), (32) and (64)",
    )


def test_model_train_and_eval_differ(submission, rng, device) -> None:
    """Model must behave differently in train and eval mode: batch statistics and running-statistic updates in train mode, running statistics in eval mode."""
    helpers = in_worker(submission, state, model_probes)
    model = submission.models.Model()
    images = _images(rng, (8, 1, 28, 28))
    before = helpers.buffers_of(model)
    train = _logits(
        helpers.forward(model, images, device, "train", "float32"), "Model's logits in train mode"
    )
    after = helpers.buffers_of(model)
    evaluated = _logits(
        helpers.forward(model, images, device, "eval", "float32"), "Model's logits in eval mode"
    )
    expect.that(
        len(before) > 0 and any(not torch.equal(a, b) for a, b in zip(after, before, strict=True)),
        "a forward pass in train mode did not update any running statistics: does Model use "
        "BatchNorm2d layers?",
    )
    expect.that(
        not np.allclose(train, evaluated, rtol=1e-3, atol=1e-5),
        "Model gives the same logits in train and eval mode; with BatchNorm, train mode normalises "
        "by the batch's statistics and eval mode by the running ones",
    )


def test_model_forward_matches_reference(submission, reference, rng, device) -> None:
    """Model's forward (three conv -> BatchNorm -> ReLU -> maxpool blocks, then fc) must match the reference on your weights, in train and eval mode."""
    images = _images(rng, (6, 1, 28, 28))
    _matches_reference(
        submission,
        device,
        submission.models.Model(),
        reference.models.Model(),
        images,
        "Model",
        modes=("eval", "train"),
    )


# -- MNISTClassifierMLP and CNN ---------------------------------------------------------------


def test_mlp_forward_matches_reference(submission, reference, rng, device) -> None:
    """MNISTClassifierMLP's forward must flatten each image and apply fc(784 -> 128) -> ReLU -> fc(128 -> 10), checked on your weights."""
    images = _images(rng, (5, 1, 28, 28))
    _matches_reference(
        submission,
        device,
        submission.models.MNISTClassifierMLP(),
        reference.models.MNISTClassifierMLP(),
        images,
        "MNISTClassifierMLP",
    )


def test_cnn_forward_matches_reference(submission, reference, rng, device) -> None:
    """CNN's forward must be conv1 -> maxpool -> ReLU -> conv2 -> maxpool -> ReLU -> flatten -> fc1 -> ReLU -> fc2, checked on your weights."""
    images = _images(rng, (5, 1, 28, 28))
    _matches_reference(
        submission, device, submission.models.CNN(), reference.models.CNN(), images, "CNN"
    )


# -- BudgetCNN ------------------------------------------------------------------------------


def test_budget_cnn_output_shape(submission, rng, params) -> None:
    """BudgetCNN(num_classes) must map (B, 3, 32, 32) to (B, num_classes), for 43 and 5 classes, in train and eval mode."""
    helpers = in_worker(submission, state, model_probes)
    for classes in (params["budget_cnn"]["num_classes"], 5):
        model = submission.models.BudgetCNN(classes)
        for batch, mode in ((8, "train"), (1, "eval")):
            what = f"BudgetCNN({classes})(x) in {mode} mode for x of shape ({batch}, 3, 32, 32)"
            got = _logits(
                helpers.forward(model, _images(rng, (batch, 3, 32, 32)), "cpu", mode, "float32"),
                what,
            )
            expect.shape(got, (batch, classes), what=what)


def test_budget_cnn_logits_depend_on_image(submission, rng, params) -> None:
    """BudgetCNN's logits must depend on the image: different images must get different logits."""
    helpers = in_worker(submission, state, model_probes)
    model = submission.models.BudgetCNN(params["budget_cnn"]["num_classes"])
    what = "BudgetCNN's logits in eval mode for 8 random images"
    got = _logits(
        helpers.forward(model, _images(rng, (8, 3, 32, 32)), "cpu", "eval", "float32"), what
    )
    spread = float(np.abs(got - got[:1]).max())
    expect.that(
        spread > 1e-6,
        "BudgetCNN gives every image the same logits (they differ by at most "
        f"{spread:.1e}); its output must be computed from the input",
    )
