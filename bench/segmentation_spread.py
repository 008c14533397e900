"""The score spread of segmentation_transfer's two budgeted training checks over seeds.

    python bench/segmentation_spread.py FOLDER [--seeds 1-10] [--check miou|flowers|both]

FOLDER holds a submission (fcn.py and transfer.py), e.g. reference/segmentation_transfer or
assignments/segmentation_transfer/alternatives/sgd_loops. For each seed this runs what
test_train_segmentation_voc_miou and test_small_cnn_accuracy run, in this process and without
the sandbox (the same data, network, seeding and [params]), and prints the score, then
min / median / max. One thread, so that runs are comparable on a busy machine. Prints
figures; asserts nothing (docs/fair-checks/segmentation_transfer.md records them).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import statistics
import sys
import tempfile
import time
import tomllib
import types
from collections.abc import Callable
from pathlib import Path

import torch

from grader.checks.heldout import heldout_seed

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "assignments" / "segmentation_transfer"
REFERENCE = ROOT / "reference" / "segmentation_transfer"


def _module(path: Path, name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _helpers(check: types.ModuleType) -> types.SimpleNamespace:
    namespace: dict[str, object] = {}
    exec(compile(check.HELPERS, "<check helpers>", "exec"), namespace)  # noqa: S102 - ours
    helpers = namespace["helpers"]
    assert isinstance(helpers, types.SimpleNamespace)
    return helpers


KEY = os.environ.get("GRADER_HELDOUT_KEY") or secrets.token_hex(16)


def _heldout(seed: int) -> Callable[[str], int]:
    """The heldout_seed fixture of a run with this seed, under KEY ($GRADER_HELDOUT_KEY, else
    a fresh key: every seed draws its own data, as grading runs do)."""
    return lambda name: heldout_seed(KEY, seed, name)


def miou(folder: Path, seeds: list[int], params: dict) -> list[float]:
    """test_train_segmentation_voc_miou's score for each seed."""
    check = _module(ASSIGNMENT / "checks" / "hidden" / "test_train_segmentation.py", "seg_check")
    helpers = _helpers(check)
    voc, metrics = (
        _module(REFERENCE / "voc.py", "ref_voc"),
        _module(REFERENCE / "metrics.py", "ref_m"),
    )
    fcn = _module(folder / "fcn.py", "sub_fcn")
    p = params["miou"]
    shape = tuple((key, tuple(p[key])) for key in ("classes", "width", "height"))
    scores = []
    for seed in seeds:
        started = time.perf_counter()
        heldout = _heldout(seed)
        data_seeds = tuple(heldout(f"voc/{part}") for part in ("train", "test", "order"))
        train_images, train_masks, images, masks = check._voc(
            voc, p["n_train"], p["n_test"], p["size"], shape, data_seeds
        )
        model = helpers.norm_segnet(seed, 21, "cpu")
        loader = helpers.make_loader(train_images, train_masks, p["batch_size"], True, seed)
        fcn.train_segmentation(model, loader, p["epochs"], p["lr"], "cpu")
        scores.append(
            metrics.mean_iou(helpers.predict(model, images, "cpu").argmax(dim=1), masks, 21)
        )
        print(
            f"miou seed {seed}: {scores[-1]:.3f} ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    return scores


def flowers(folder: Path, seeds: list[int], params: dict) -> list[float]:
    """test_small_cnn_accuracy's score (SmallCNN trained by train_classifier) for each seed."""
    check = _module(ASSIGNMENT / "checks" / "hidden" / "test_transfer.py", "transfer_check")
    helpers = check.LOCAL
    transfer = _module(folder / "transfer.py", "sub_transfer")
    p = params["flowers"]
    scores = []
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # write_tree writes under the working folder
        for seed in seeds:
            started = time.perf_counter()
            files, _, test = check._data(p, _heldout(seed))
            root = helpers.write_tree(files)
            model = helpers.seeded(transfer.SmallCNN, seed, p["num_classes"])
            train = helpers.folder_loader(root + "/train", p["batch_size"], True, seed)
            transfer.train_classifier(model, train, p["epochs"], p["lr"], "cpu")
            logits = helpers.predict(model, test.images, "cpu")
            scores.append(float((logits.argmax(dim=1) == test.labels).double().mean()))
            print(
                f"flowers seed {seed}: {scores[-1]:.3f} ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
        os.chdir(ROOT)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seeds", default="1-10", help="a range like 1-10, or a list like 1,4,7")
    parser.add_argument("--check", choices=("miou", "flowers", "both"), default="both")
    args = parser.parse_args()
    if "-" in args.seeds:
        first, last = (int(s) for s in args.seeds.split("-"))
        seeds = list(range(first, last + 1))
    else:
        seeds = [int(s) for s in args.seeds.split(",")]
    torch.set_num_threads(1)
    sys.path.insert(0, str(ROOT))
    with open(ASSIGNMENT / "assignment.toml", "rb") as spec:
        params = tomllib.load(spec)["params"]
    folder = args.folder.resolve()
    runs = {"miou": miou, "flowers": flowers}
    for name in ("miou", "flowers") if args.check == "both" else (args.check,):
        scores = runs[name](folder, seeds, params)
        p = params[name]
        print(
            f"{name} {folder.name}: min {min(scores):.3f} / median {statistics.median(scores):.3f} / "
            f"max {max(scores):.3f} over {len(scores)} seeds (ramp {p['floor']} -> {p['target']})"
        )


if __name__ == "__main__":
    main()
