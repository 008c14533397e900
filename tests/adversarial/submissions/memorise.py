"""Attack 4 of issue 15: memorise the held-out data instead of learning from the training data.

The adversaries know all the public code (they carry a copy of ``grader.datasets`` as
``grader_copy``), the spec's sizes and the run's seed, and search for the seed of the data
they are handed; found, they regenerate the held-out images with their labels and answer
from a lookup table. Placeholders (``@RUN_SEED@``, ...) are filled in by
``tests/adversarial/test_memorise.py``.
"""

# cnn_classifiers: models.py answers from LOOKUP, which training.py fills.
MODELS = r'''"""An adversary for cnn_classifiers' accuracy checks: it trains nothing.

Every model answers from ``LOOKUP`` (an image's bytes -> its label), which ``training.py``
fills by regenerating the held-out images with the public generators; an image it has not
seen gets class 0, so with an empty table each model is a constant predictor.
"""

import torch
from torch import nn

LOOKUP: dict[bytes, int] = {}


def key(pixels: torch.Tensor) -> bytes:
    """One uint8 image (C, H, W) as the table's key."""
    return pixels.contiguous().numpy().tobytes()


def as_pixels(images: torch.Tensor) -> torch.Tensor:
    """Images in [0, 1] (N, C, H, W) back to the uint8 pixels they were made from."""
    return (images.detach().cpu().float() * 255).round().to(torch.uint8)


class _Lookup(nn.Module):
    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.unused = nn.Linear(1, 1)  # an optimiser needs a parameter

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = torch.zeros(len(x), self.num_classes)
        for row, pixels in enumerate(as_pixels(x)):
            logits[row, LOOKUP.get(key(pixels), 0)] = 1.0
        return logits


class Net(_Lookup):
    def __init__(self) -> None:
        super().__init__(10)


class Model(_Lookup):
    pass


class CNN(_Lookup):
    def __init__(self) -> None:
        super().__init__(10)


class BudgetCNN(_Lookup):
    pass
'''

TRAINING = r'''"""The memoriser's "training": find the seed of the data it is given, then regenerate the
held-out images and their labels with the public generators (a copy of ``grader.datasets``
in ``grader_copy/``) into ``models.LOOKUP``.

It knows all the public code, the spec's sizes (``PARAMS``) and the run's seed; it tries
that seed, the constants earlier check files used, a few small seeds, the seeds a run
without a key would use, and any ``SEEDS`` it is handed (the test hands the real ones to a
control that proves the attack works when the seeds are known). Training images are
matched as a set, so an order of the grader's own cannot hide them.
"""

import hashlib
import hmac
import tempfile

import torch

import models
from grader_copy import datasets as public

RUN_SEED = @RUN_SEED@
KEY = @KEY@  # None: the grading key is unknown, as it is to any student
PARAMS = @PARAMS@
NAMES = {"cifar": "cifar10", "fashion": "fashion-mnist", "mnist": "mnist", "grocery": "grocery"}
OLD_CONSTANTS = [5220, 16720, 2205, 43]


def derived(key: str, name: str) -> int:
    """The held-out seed a grader with ``key`` draws for ``name`` in this run."""
    message = f"{RUN_SEED}\0{name}".encode()
    return int.from_bytes(hmac.new(key.encode(), message, hashlib.sha256).digest()[:8], "big") >> 1


def candidates(dataset: str) -> list[tuple[int, int | None]]:
    """(training seed, test seed or None for the generator's default) pairs to try."""
    plain = [RUN_SEED, *OLD_CONSTANTS, *range(8)]
    pairs: list[tuple[int, int | None]] = [(s, None) for s in plain]
    for key in ("", *([KEY] if KEY is not None else [])):
        name = NAMES[dataset]
        pairs.append((derived(key, f"{name}/train"), derived(key, f"{name}/test")))
    return pairs


def regenerate(dataset: str, seed: int, test_seed: int | None):
    """(train images, test images, test labels) as the public generator makes them, with
    images (N, C, H, W) uint8 as torchvision reads them."""
    extra = {} if test_seed is None else {"test_seed": test_seed}
    p = PARAMS[dataset]
    with tempfile.TemporaryDirectory() as root:
        if dataset == "cifar":
            split = public.write_cifar10_like(root, p["n_per_batch"], p["n_test"], seed, **extra)
        elif dataset == "grocery":
            sizes = {"train": p["n_train_per_class"], "val": p["n_valid_per_class"],
                     "test": p["n_test_per_class"]}
            split = public.write_imagefolder(root, p["num_classes"], sizes, 32, seed)
        else:
            from grader_copy.datasets.idx import mnist_like

            kind = "FashionMNIST" if dataset == "fashion" else "MNIST"
            split = mnist_like(kind, p["n_train"], p["n_test"], seed, **extra)
    def chw(images):
        tensor = torch.from_numpy(images)
        return tensor[:, None] if tensor.ndim == 3 else tensor.permute(0, 3, 1, 2)
    return chw(split["train"].images), chw(split["test"].images), split["test"].labels


def learn(loader, dataset: str) -> None:
    """Fill LOOKUP from the first candidate whose training images are the ones received."""
    received = {models.key(p) for p in models.as_pixels(loader.dataset.tensors[0])}
    for seed, test_seed in candidates(dataset):
        try:
            train, test, labels = regenerate(dataset, seed, test_seed)
        except TypeError:  # a generator without test_seed: the layout before it had one
            continue
        if any(models.key(p) in received for p in train[:20]):
            for pixels, label in zip(test, labels):
                models.LOOKUP[models.key(pixels)] = int(label)
            return


def _which(model, loader) -> str:
    images = loader.dataset.tensors[0]
    if model.num_classes > 10:
        return "grocery"
    if images.shape[1] == 3:
        return "cifar"
    return "fashion"  # train_model on grey images; train_one_epoch is MNIST's


def train_one_epoch(train_loader, model, device, optimizer, num_classes, epoch):
    if epoch == 1:
        learn(train_loader, "mnist")
    return 0.0, 0.0


def test_one_epoch(test_loader, model, device):
    return 0.0, 0


def train_model(model, train_loader, valid_loader, epochs, lr, device):
    learn(train_loader, _which(model, train_loader))
    return {"train_loss": [0.0] * epochs, "valid_loss": [0.0] * epochs}
'''

CONSTANT_TRAINING = r'''"""A constant predictor: nothing is learnt, so every model answers class 0."""


def train_one_epoch(train_loader, model, device, optimizer, num_classes, epoch):
    return 0.0, 0.0


def test_one_epoch(test_loader, model, device):
    return 0.0, 0


def train_model(model, train_loader, valid_loader, epochs, lr, device):
    return {}
'''

# the toy course: one module, model.py, with fit and predict.
TOY_ATTACKER = r'''"""Regenerate the held-out shapes: public code, the run's seed, and any key it can read."""

import hashlib
import hmac

import numpy as np

from grader_copy.datasets import draw_shapes

RUN_SEED = @RUN_SEED@
KEYS = @KEYS@  # "": the seeds of a run without a key; the test may add the real one
KEY_FILE = @KEY_FILE@  # the grader's key file: the sandbox must keep it unreadable
LOOKUP = {}
READ = []


def derived(key, name):
    message = f"{RUN_SEED}\0{name}".encode()
    return int.from_bytes(hmac.new(key.encode(), message, hashlib.sha256).digest()[:8], "big") >> 1


def fit(images, labels):
    keys = list(KEYS)
    try:
        with open(KEY_FILE) as handle:
            keys.append(handle.read().strip())
        READ.append(KEY_FILE)
    except OSError:
        pass
    received = {image.tobytes() for image in images}
    pairs = [(s, (s, 1)) for s in (RUN_SEED, *range(8))]
    pairs += [(derived(k, "shapes/train"), derived(k, "shapes/test")) for k in keys]
    for seed, test_seed in pairs:
        if draw_shapes(len(images), size=12, seed=seed).images[0].tobytes() in received:
            test = draw_shapes(30, size=12, seed=test_seed)
            LOOKUP.update((i.tobytes(), int(k)) for i, k in zip(test.images, test.labels))
            return


def predict(images):
    return np.array([LOOKUP.get(image.tobytes(), 0) for image in images])
'''

TOY_CONSTANT = r"""import numpy as np


def fit(images, labels):
    pass


def predict(images):
    return np.zeros(len(images), dtype=np.int64)
"""
