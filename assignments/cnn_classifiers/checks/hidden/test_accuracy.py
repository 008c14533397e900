"""Hidden checks: train each model with your own training code, then score it on held-out images.

The datasets are written here in torchvision's on-disk layouts and read back with torchvision's
own classes (CIFAR-10 python batches, MNIST and FashionMNIST IDX files, an ImageFolder), as a
course would read the real ones with download=False. The training images and labels go to your
process in an order of their own, where a helper wraps them in a DataLoader (pixels scaled to
[0, 1] as ToTensor does, shuffled by a generator seeded from the run's seed); your model's
initial weights follow the same seed. Every image is drawn afresh for each grading run, from
seeds your code cannot know. The held-out test labels never leave this process: the test
images go over in batches, your model (in eval mode) returns logits, and the accuracy is
computed here. Credit ramps linearly from the spec's floor to its target ([params]).

BudgetCNN in checkpoint mode: if your submission holds budget_cnn.pt (torch.save of
BudgetCNN(43).state_dict()), those weights are scored instead of training the model.
"""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import torch
from torchvision import datasets
from torchvision.transforms import PILToTensor

from grader.checks import expect
from grader.checks.helpers import in_worker
from grader.datasets import CIFAR10Offline, write_cifar10_like, write_imagefolder, write_mnist_like
from grader.errors import CheckFailed, PartialCredit

from helpers import accuracy_probes

CHECKPOINT = "budget_cnn.pt"
PREDICT_BATCH = 250
# The data's seeds come from the heldout_seed fixture: secret from the submission, new for
# each run (grader.checks.heldout). The run's public seed varies the initial weights and the
# batch order only.


class Split(NamedTuple):
    """uint8 images (N, C, H, W) and int64 labels (N,), as torchvision's dataset yields them."""

    images: torch.Tensor
    labels: torch.Tensor


def _stack(dataset) -> Split:
    """Every item of a torchvision dataset (transform PILToTensor), stacked."""
    items = [dataset[i] for i in range(len(dataset))]
    return Split(
        torch.stack([image for image, _ in items]),
        torch.tensor([int(label) for _, label in items], dtype=torch.int64),
    )


def _shuffled(split: Split, seed: int) -> Split:
    """The same examples in an order drawn from ``seed`` (a secret one): the training images
    reach the submission in no order that a regenerated stream could be aligned with."""
    order = torch.randperm(len(split.labels), generator=torch.Generator().manual_seed(seed))
    return Split(split.images[order], split.labels[order])


@lru_cache(maxsize=2)
def _cifar(n_per_batch: int, n_test: int, seeds: tuple[int, int, int]) -> tuple[Split, Split]:
    """(train, test) of a CIFAR-10 look-alike, read by torchvision's CIFAR10 class; seeds:
    (training images, test images, training order)."""
    with tempfile.TemporaryDirectory(prefix="cnn-cifar-") as root:
        write_cifar10_like(
            Path(root), n_per_batch=n_per_batch, n_test=n_test, seed=seeds[0], test_seed=seeds[1]
        )
        train, test = (
            _stack(CIFAR10Offline(root, train=t, download=False, transform=PILToTensor()))
            for t in (True, False)
        )
    return _shuffled(train, seeds[2]), test


@lru_cache(maxsize=2)
def _mnist(
    kind: str, n_train: int, n_test: int, seeds: tuple[int, int, int]
) -> tuple[Split, Split]:
    """(train, test) of an MNIST or FashionMNIST look-alike, read by torchvision's class;
    seeds: (training images, test images, training order)."""
    reader = {"MNIST": datasets.MNIST, "FashionMNIST": datasets.FashionMNIST}[kind]
    with tempfile.TemporaryDirectory(prefix="cnn-mnist-") as root:
        write_mnist_like(
            Path(root), kind, n_train=n_train, n_test=n_test, seed=seeds[0], test_seed=seeds[1]
        )
        train, test = (
            _stack(reader(root, train=t, download=False, transform=PILToTensor()))
            for t in (True, False)
        )
    return _shuffled(train, seeds[2]), test


@lru_cache(maxsize=2)
def _grocery(
    classes: int, per_class: tuple[int, int, int], seeds: tuple[int, int]
) -> tuple[Split, Split, Split]:
    """(train, val, test) of a 43-class colour-shape "grocery" set, read by ImageFolder (which
    lists it class by class); seeds: (the images, the training order)."""
    sizes = dict(zip(("train", "val", "test"), per_class, strict=True))
    with tempfile.TemporaryDirectory(prefix="cnn-grocery-") as root:
        write_imagefolder(Path(root), classes, sizes, 32, seed=seeds[0])
        train, val, test = (
            _stack(datasets.ImageFolder(str(Path(root) / split), transform=PILToTensor()))
            for split in sizes
        )
    return _shuffled(train, seeds[1]), val, test


def _seeds(heldout_seed, name: str) -> tuple[int, int, int]:
    """Secret seeds of dataset ``name``: its training images, its test images, the order."""
    return tuple(heldout_seed(f"{name}/{part}") for part in ("train", "test", "order"))


def _hold_out(train: Split, n: int) -> tuple[Split, Split]:
    """(the first len - n examples to fit on, the last n to validate on)."""
    return Split(train.images[:-n], train.labels[:-n]), Split(train.images[-n:], train.labels[-n:])


def _accuracy(helpers, model, test: Split, device: str, classes: int, name: str) -> float:
    """The fraction of test images whose argmax logit is their label; labels stay here."""
    correct = 0
    for start in range(0, len(test.labels), PREDICT_BATCH):
        images = test.images[start : start + PREDICT_BATCH]
        logits = helpers.predict(model, images, device)
        what = f"{name}'s outputs for a batch of held-out images"
        expect.that(
            type(logits) is torch.Tensor,
            f"{what} must be a torch.Tensor, but they are a {type(logits).__name__}",
        )
        expect.shape(logits.double().numpy(), (len(images), classes), what=what)
        predicted = logits.argmax(dim=1)
        correct += int((predicted == test.labels[start : start + PREDICT_BATCH]).sum())
    return correct / len(test.labels)


def _train(submission, helpers, model, train: Split, valid: Split, p: dict, seed: int, device: str):
    """Your train_model on the training split, validating on valid."""
    submission.training.train_model(
        model,
        helpers.make_loader(train.images, train.labels, p["batch_size"], True, seed),
        helpers.make_loader(valid.images, valid.labels, p["batch_size"], False, seed),
        p["epochs"],
        p["lr"],
        device,
    )


TRAINING_CHECKS = (
    "if a check of train_one_epoch, test_one_epoch or train_model fails too, fix that first: "
    "this accuracy depends on your training loops as well as on the model"
)


def _ramp(accuracy: float, p: dict, what: str, trained: bool = True) -> None:
    """expect.ramp on the spec's floor and target; short of the target after training with
    the student's loops, name the loop checks."""
    if not trained:
        expect.ramp(accuracy, floor=p["floor"], target=p["target"], what=what)
        return
    try:
        expect.ramp(accuracy, floor=p["floor"], target=p["target"], what=what)
    except PartialCredit as exc:
        raise PartialCredit(f"{exc}. {TRAINING_CHECKS}", fraction=exc.fraction) from None
    except CheckFailed as exc:
        raise CheckFailed(f"{exc}. {TRAINING_CHECKS}") from None


def test_net_cifar_accuracy(submission, params, seed, heldout_seed, device) -> None:
    """Net, trained by your train_model on CIFAR-10 images, must classify held-out ones: credit ramps from the floor to the target in [params] net_cifar."""
    p = params["net_cifar"]
    train, test = _cifar(p["n_per_batch"], p["n_test"], _seeds(heldout_seed, "cifar10"))
    fit, valid = _hold_out(train, p["n_valid"])
    helpers = in_worker(submission, accuracy_probes)
    model = helpers.seeded(submission.models.Net, seed)
    _train(submission, helpers, model, fit, valid, p, seed, device)
    accuracy = _accuracy(helpers, model, test, device, 10, "Net")
    _ramp(
        accuracy,
        p,
        f"Net's accuracy on held-out CIFAR-10 images after {p['epochs']} epochs of your "
        f"train_model (lr {p['lr']}, batches of {p['batch_size']})",
    )


def test_model_fashion_mnist_accuracy(submission, params, seed, heldout_seed, device) -> None:
    """Model, trained by your train_model on FashionMNIST images, must classify held-out ones: credit ramps from the floor to the target in [params] model_fashion_mnist."""
    p = params["model_fashion_mnist"]
    seeds = _seeds(heldout_seed, "fashion-mnist")
    train, test = _mnist("FashionMNIST", p["n_train"], p["n_test"], seeds)
    fit, valid = _hold_out(train, p["n_valid"])
    helpers = in_worker(submission, accuracy_probes)
    model = helpers.seeded(submission.models.Model, seed, 10)
    _train(submission, helpers, model, fit, valid, p, seed, device)
    accuracy = _accuracy(helpers, model, test, device, 10, "Model")
    _ramp(
        accuracy,
        p,
        f"Model's accuracy on held-out FashionMNIST images after {p['epochs']} epochs of "
        f"your train_model (lr {p['lr']})",
    )


def test_cnn_mnist_accuracy(submission, params, seed, heldout_seed, device) -> None:
    """CNN, trained epoch by epoch by your train_one_epoch (Adam) on MNIST digits, must classify held-out ones: credit ramps from the floor to the target in [params] cnn_mnist."""
    p = params["cnn_mnist"]
    train, test = _mnist("MNIST", p["n_train"], p["n_test"], _seeds(heldout_seed, "mnist"))
    helpers = in_worker(submission, accuracy_probes)
    model = helpers.seeded(submission.models.CNN, seed)
    optimizer = helpers.adam(model, p["lr"], device)
    loader = helpers.make_loader(train.images, train.labels, p["batch_size"], True, seed)
    for epoch in range(1, p["epochs"] + 1):
        submission.training.train_one_epoch(loader, model, device, optimizer, 10, epoch)
    accuracy = _accuracy(helpers, model, test, device, 10, "CNN")
    _ramp(
        accuracy,
        p,
        f"CNN's accuracy on held-out MNIST digits after {p['epochs']} epochs of your "
        f"train_one_epoch (Adam, lr {p['lr']})",
    )


def test_budget_cnn_accuracy(submission, params, seed, heldout_seed, device) -> None:
    """BudgetCNN(43), trained by your train_model or loaded from budget_cnn.pt if you hand it in, must classify held-out images of 43 grocery-style classes: credit ramps from the floor to the target in [params] budget_cnn."""
    p = params["budget_cnn"]
    classes = p["num_classes"]
    sizes = (p["n_train_per_class"], p["n_valid_per_class"], p["n_test_per_class"])
    data_seed, _, order_seed = _seeds(heldout_seed, "grocery")
    train, valid, test = _grocery(classes, sizes, (data_seed, order_seed))
    helpers = in_worker(submission, accuracy_probes)
    model = helpers.seeded(submission.models.BudgetCNN, seed, classes)
    count = helpers.count_parameters(model)
    expect.note(
        f"BudgetCNN({classes}) has {count:,} parameters (the budget: fewer than "
        f"{p['max_parameters']:,})"
    )
    weights = submission.load_weights(CHECKPOINT, missing_ok=True)  # None: train instead
    if weights is None:
        _train(submission, helpers, model, train, valid, p, seed, device)
        how = (
            f"trained by your train_model for {p['epochs']} epochs on {len(train.labels):,} images"
        )
    else:
        helpers.load_checkpoint(model, weights, CHECKPOINT)
        how = f"with the weights in {CHECKPOINT}"
    accuracy = _accuracy(helpers, model, test, device, classes, "BudgetCNN")
    _ramp(
        accuracy,
        p,
        f"the accuracy of BudgetCNN({classes}) ({how}) on held-out images",
        trained=weights is None,
    )
