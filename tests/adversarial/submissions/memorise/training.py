"""The memoriser's "training": find the seed of the data it is given, then regenerate the
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
