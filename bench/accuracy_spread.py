"""Accuracy spread of the accuracy-budgeted checks over seeds, for the reference and for
alternatives, computed in this process the way the checks compute it (same data, same seeded
inputs, same formulas), so a threshold can be judged against the spread of correct code.

    python bench/accuracy_spread.py nn_numpy [FOLDER ...] [--seeds 1-10]
    python bench/accuracy_spread.py backprop_torch assignments/backprop_torch/alternatives/loops

FOLDER is a submission folder (default: reference/<id>). Prints min / median / max per
check. Only for the course's own code: it imports the folders' modules into this process.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from grader.checks.plugin import check_rng
from grader.datasets import load_digits

ROOT = Path(__file__).resolve().parent.parent


def _module(folder: Path, stem: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"spread_{folder.name}_{stem}", folder / f"{stem}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _nn_numpy(folder: Path, seed: int) -> dict[str, float]:
    nn = _module(folder, "nn")
    data = load_digits(32)
    params, _ = nn.train_mlp(data.train_x, data.train_y, data.valid_x, data.valid_y, seed=seed)
    w = {
        k: np.asarray(v, dtype=np.float64).reshape(np.shape(v)[-2:] if k[0] == "W" else -1)
        for k, v in params.items()
        if k[0] in "Wb"
    }

    def accuracy(x: np.ndarray, y: np.ndarray) -> float:
        hidden = 1.0 / (1.0 + np.exp(-(x @ w["Wlayer1"] + w["blayer1"])))
        logits = hidden @ w["Woutput"] + w["boutput"]
        return float(np.mean(np.argmax(logits, axis=1) == np.argmax(y, axis=1)))

    return {
        "test_train_mlp_valid_accuracy": accuracy(data.valid_x, data.valid_y),
        "test_train_mlp_test_accuracy": accuracy(data.test_x, data.test_y),
    }


FIT_EPOCHS, FIT_BATCH, FIT_LR, HIDDEN = 15, 32, 0.5, 64


def _backprop(folder: Path, seed: int) -> dict[str, float]:
    import torch

    network = _module(folder, "network")
    umd = _module(folder, "umd")
    data = load_digits(28)
    out: dict[str, float] = {}
    for check, split in (
        ("test_network_train_digits_valid_accuracy", "valid"),
        ("test_network_train_digits_test_accuracy", "test"),
    ):
        rng = check_rng(seed, check)
        net = network.FullyConnectedNetwork(784, 10, HIDDEN, torch.sigmoid, FIT_LR)
        shapes = {"W1": (784, HIDDEN), "b1": (HIDDEN,), "W2": (HIDDEN, 10), "b2": (10,)}
        for key, shape in shapes.items():
            if split == "valid":  # the public check's _params
                value = rng.normal(size=shape) / np.sqrt(shape[0] if key[0] == "W" else 4)
            else:  # the hidden check's starting weights
                value = (1.0 / np.sqrt(shape[0]) if key[0] == "W" else 0.0) * rng.normal(size=shape)
            setattr(net, key, torch.from_numpy(value.astype(np.float32)))
        x = torch.from_numpy(data.train_x.astype(np.float32))
        y = torch.from_numpy(data.train_y.astype(np.float32))
        gen = torch.Generator().manual_seed(seed)
        for _ in range(FIT_EPOCHS):
            order = torch.randperm(x.shape[0], generator=gen)
            for start in range(0, x.shape[0], FIT_BATCH):
                idx = order[start : start + FIT_BATCH]
                net.backward(x[idx], y[idx], net.forward(x[idx]))
        xs, ys = getattr(data, f"{split}_x"), getattr(data, f"{split}_y")
        probs = net.forward(torch.from_numpy(xs.astype(np.float32))).double().numpy()
        out[check] = float(np.mean(probs.argmax(axis=1) == ys.argmax(axis=1)))
    for check, sizes, lr in (
        ("test_umd_train_toy_loss_falls", [4, 5, 3], 1.0),
        ("test_umd_train_loss_falls_other_toy", [6, 8, 4], 0.5),
    ):
        rng = check_rng(seed, check)  # both checks draw x, then y, then the network
        x = torch.from_numpy(rng.normal(size=(10, sizes[0]))).float()
        y = torch.from_numpy(rng.integers(0, sizes[-1], size=10))
        losses = umd.train(_layers(rng, sizes), x, y, lr, 50, sizes[-1])
        out[check + " (last/first loss)"] = float(losses[-1]) / float(losses[0])
    return out


def _layers(rng: np.random.Generator, sizes: list[int]) -> list[dict[str, Any]]:
    import torch

    return [
        {
            "W": torch.from_numpy(rng.normal(size=(a, b)) / np.sqrt(a)).float(),
            "b": torch.from_numpy(rng.normal(scale=0.5, size=b)).float(),
        }
        for a, b in zip(sizes[:-1], sizes[1:], strict=True)
    ]


MEASURES: dict[str, Callable[[Path, int], dict[str, float]]] = {
    "nn_numpy": _nn_numpy,
    "backprop_torch": _backprop,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("assignment", choices=sorted(MEASURES))
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--seeds", default="1-10", help="a range A-B of grading seeds")
    args = parser.parse_args()
    first, last = (int(s) for s in args.seeds.split("-"))
    folders = args.folders or [ROOT / "reference" / args.assignment]
    for folder in folders:
        runs = [MEASURES[args.assignment](folder, seed) for seed in range(first, last + 1)]
        for check in runs[0]:
            values = [run[check] for run in runs]
            print(
                f"{folder.parent.name + '/' + folder.name:36} {check:52} min {min(values):.3f}  "
                f"median {statistics.median(values):.3f}  max {max(values):.3f}",
                flush=True,
            )
    sys.exit(0)


if __name__ == "__main__":
    main()
