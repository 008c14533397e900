"""Accuracy spread of cnn_classifiers' trained checks over seeds, per epoch count.

Trains each model the way its hidden check does (same data, same seeded initial weights and
batch order, Adam, the spec's lr and batch size) with the reference's training loops, and
scores it on the check's held-out images after every epoch, so one run of E epochs gives the
accuracy a check with epochs = 1..E would see. Prints min / median / max over the seeds and the
seconds per epoch on one thread (a check runs on one core).

    .venv/bin/python bench/cnn_accuracy_spread.py budget_cnn --epochs 8 --seeds 1-10 \
        --model reference/cnn_classifiers/models.py \
        --model assignments/cnn_classifiers/alternatives/functional/models.py
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

import torch
from torch.utils.data import DataLoader, TensorDataset

from grader.checks.heldout import heldout_seed

REPO = Path(__file__).resolve().parent.parent
CHECKS = REPO / "assignments" / "cnn_classifiers" / "checks" / "hidden" / "test_accuracy.py"
TRAINING = REPO / "reference" / "cnn_classifiers" / "training.py"
CLASSES = {
    "budget_cnn": "BudgetCNN",
    "net_cifar": "Net",
    "model_fashion_mnist": "Model",
    "cnn_mnist": "CNN",
}


def _module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


KEY = os.environ.get("GRADER_HELDOUT_KEY") or secrets.token_hex(16)


def _splits(checks: ModuleType, task: str, p: dict, seed: int) -> tuple:
    """(fit, valid, test) Splits exactly as the task's check builds them in a run with this
    seed, under KEY ($GRADER_HELDOUT_KEY, else a fresh key: each seed draws its own data)."""

    def heldout(name: str) -> int:
        return heldout_seed(KEY, seed, name)

    if task == "budget_cnn":
        sizes = (p["n_train_per_class"], p["n_valid_per_class"], p["n_test_per_class"])
        data_seed, _, order_seed = checks._seeds(heldout, "grocery")
        return checks._grocery(p["num_classes"], sizes, (data_seed, order_seed))
    if task == "net_cifar":
        train, test = checks._cifar(
            p["n_per_batch"], p["n_test"], checks._seeds(heldout, "cifar10")
        )
    elif task == "model_fashion_mnist":
        seeds = checks._seeds(heldout, "fashion-mnist")
        train, test = checks._mnist("FashionMNIST", p["n_train"], p["n_test"], seeds)
    else:
        seeds = checks._seeds(heldout, "mnist")
        train, test = checks._mnist("MNIST", p["n_train"], p["n_test"], seeds)
        return train, None, test
    fit, valid = checks._hold_out(train, p["n_valid"])
    return fit, valid, test


def _loader(split, batch_size: int, shuffle: bool, seed: int) -> DataLoader:
    images = split.images.float().div(255).contiguous()
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(TensorDataset(images, split.labels), batch_size, shuffle, generator=generator)


def _curve(
    factory, args: tuple, splits: tuple, p: dict, epochs: int, seed: int, training
) -> tuple[list[float], float]:
    """Test accuracy after each of ``epochs`` epochs, and the mean seconds per epoch."""
    fit, valid, test = splits
    torch.manual_seed(seed)
    model = factory(*args)
    optimizer = torch.optim.Adam(model.parameters(), lr=p["lr"])
    loader = _loader(fit, p["batch_size"], True, seed)
    accuracies, seconds = [], 0.0
    images = test.images.float().div(255)
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        training.train_one_epoch(loader, model, "cpu", optimizer, 10, epoch)
        if valid is not None:
            training.test_one_epoch(_loader(valid, p["batch_size"], False, seed), model, "cpu")
        seconds += time.perf_counter() - start
        model.eval()
        with torch.no_grad():
            predicted = model(images).argmax(dim=1)
        accuracies.append(float((predicted == test.labels).float().mean()))
    return accuracies, seconds / epochs


def _seeds(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", choices=sorted(CLASSES))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seeds", default="1-10", help="a range, e.g. 1-10")
    parser.add_argument("--model", action="append", required=True, help="a models.py path")
    args = parser.parse_args()
    torch.set_num_threads(1)
    import tomllib

    spec = tomllib.loads((REPO / "assignments" / "cnn_classifiers" / "assignment.toml").read_text())
    p = spec["params"][args.task]
    checks = _module(CHECKS, "cnn_accuracy_checks")
    training = _module(TRAINING, "cnn_reference_training")
    extra = (p["num_classes"],) if args.task == "budget_cnn" else ()
    for index, path in enumerate(args.model):
        models = _module(REPO / path, f"models_{index}")
        factory = getattr(models, CLASSES[args.task])
        curves, seconds = [], []
        for seed in _seeds(args.seeds):
            splits = _splits(checks, args.task, p, seed)
            curve, per_epoch = _curve(factory, extra, splits, p, args.epochs, seed, training)
            curves.append(curve)
            seconds.append(per_epoch)
            print(f"{path} seed {seed}: " + " ".join(f"{a:.3f}" for a in curve), flush=True)
        count = sum(t.numel() for t in factory(*extra).parameters())
        print(
            f"== {args.task} {path} ({count:,} parameters, {statistics.median(seconds):.2f} s/epoch)"
        )
        for epoch in range(args.epochs):
            values = sorted(c[epoch] for c in curves)
            print(
                f"   epochs {epoch + 1:2d}: min {values[0]:.3f}  median "
                f"{statistics.median(values):.3f}  max {values[-1]:.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
