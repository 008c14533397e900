"""Hidden checks on transfer.py: the optimiser's parameters, a frozen backbone under training,
local pretrained weights, accuracy, compare_models and SmallCNN's accuracy.

The image data is a flowers-17 look-alike: 17 classes of coloured shapes (48 x 48) written as
an ImageFolder (``root/<split>/<class>/<i>.png``). The train and val splits are written into a
folder of your process and read there with torchvision's ImageFolder; the test split stays
here: its images go over without labels and the accuracy is computed from the logits.
"""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from torchvision import datasets
from torchvision.transforms import PILToTensor

from grader.checks import expect
from grader.checks.helpers import in_worker, namespace
from grader.datasets import write_imagefolder

from helpers import squeezenet, transfer_probes
from helpers.values import scalar


class Split(NamedTuple):
    """Images (N, 3, S, S) float32 in [0, 1], as ToTensor gives them, and labels (N,) int64."""

    images: torch.Tensor
    labels: torch.Tensor


CHECKPOINT = "small_cnn.pt"
# The images come from the heldout_seed fixture, new for each run and secret from the
# submission (grader.checks.heldout); the run's public seed varies the weights and batch order.


LOCAL = namespace(squeezenet, transfer_probes)
"""The same helpers as in the worker, in this (trusted) process for the reference."""


def test_make_optimizer_trainable_only(submission, seed) -> None:
    """make_optimizer(model, lr) must return a torch.optim optimiser (any kind: Adam, SGD, ...) with learning rate lr over exactly the parameters that require gradients (the new head), not the frozen backbone, and one step must move the head."""
    helpers = in_worker(submission, squeezenet, transfer_probes)
    model = helpers.frozen_squeezenet(seed, 5)
    report = helpers.optimizer_report(submission.transfer.make_optimizer(model, 0.003), model)
    expect.that(
        report["is_optimizer"],
        f"make_optimizer returned a {report['type']}; it must return a torch.optim.Optimizer",
    )
    expect.that(
        all(abs(lr - 0.003) < 1e-12 for lr in report["lr"]),
        f"make_optimizer(model, 0.003) has learning rates {report['lr']}; give it lr=lr",
    )
    head = ["classifier.1.bias", "classifier.1.weight"]
    extra = [n for n in report["params"] if n not in head]
    expect.that(
        not extra,
        f"the optimiser holds {len(extra)} parameters that do not require gradients (e.g. "
        f"{extra[:3]}); pass it only [p for p in model.parameters() if p.requires_grad]",
    )
    expect.that(
        sorted(report["params"]) == head,
        f"the optimiser holds {report['params']}; it must hold the head's weight and bias once each",
    )
    expect.that(
        report["step_moves_head"],
        "one optimizer.step() after a backward pass left the head unchanged: is the learning "
        "rate lr, and does the optimiser hold the head's own parameters?",
    )


def test_finetune_squeezenet_training_keeps_backbone(submission, rng, seed) -> None:
    """After a few training steps of finetune_squeezenet(5), every backbone parameter must be bit-for-bit unchanged and the new head must have changed."""
    helpers = in_worker(submission, squeezenet, transfer_probes)
    model = helpers.seeded(submission.transfer.finetune_squeezenet, seed, 5)
    before = helpers.state_of(model)
    images = torch.from_numpy(rng.uniform(size=(8, 3, 48, 48)).astype(np.float32))
    labels = torch.from_numpy(rng.integers(0, 5, size=8).astype(np.int64))
    helpers.train_steps(model, images, labels, 3, 0.01)
    after = helpers.state_of(model)
    changed = [n for n in before if not torch.equal(before[n], after[n])]
    moved = [n for n in changed if not n.startswith("classifier.1.")]
    expect.that(
        not moved,
        f"{len(moved)} backbone parameters changed in training (e.g. {moved[:3]}): freeze them "
        "with requires_grad = False",
    )
    expect.that(
        any(n.startswith("classifier.1.") for n in changed),
        "the new head (classifier[1]) did not change in training: does it require gradients?",
    )


def test_finetune_squeezenet_loads_local_weights(submission, seed) -> None:
    """finetune_squeezenet(5, weights=path) must load the squeezenet1_1 state dict in that local file (torch.load with weights_only=True) into the backbone before freezing it and replacing the head."""
    helpers = in_worker(submission, squeezenet, transfer_probes)
    path = helpers.save_squeezenet(seed + 1)
    model = helpers.seeded(submission.transfer.finetune_squeezenet, seed, 5, path)
    differ = [
        n for n in helpers.differs_from_file(model, path) if not n.startswith("classifier.1.")
    ]
    expect.that(
        not differ,
        f"{len(differ)} backbone tensors of finetune_squeezenet(5, weights=path) differ from the "
        f"file's (e.g. {differ[:3]}): load the file with torch.load(weights, weights_only=True) "
        "and model.load_state_dict",
    )


def test_accuracy_matches_reference(submission, reference, rng, seed, device) -> None:
    """accuracy(model, loader, device) must be the fraction of examples whose argmax logit is the label, computed in eval mode (BatchNorm's running statistics unchanged), a Python float."""
    images = torch.from_numpy(rng.normal(size=(50, 3, 4, 4)).astype(np.float32))
    labels = torch.from_numpy(rng.integers(0, 3, size=50).astype(np.int64))
    helpers = in_worker(submission, squeezenet, transfer_probes)
    model = helpers.bn_classifier(seed, 3, device)  # handed over in train mode
    before = helpers.buffers_of(model)
    got = submission.transfer.accuracy(
        model, helpers.make_loader(images, labels, 16, False, seed), device
    )
    got = scalar(got, "accuracy(model, loader, device)")
    unchanged = all(
        torch.equal(a, b) for a, b in zip(before, helpers.buffers_of(model), strict=True)
    )
    expect.that(
        unchanged, "accuracy changed BatchNorm's running statistics: call model.eval() first"
    )
    ref_model = LOCAL.bn_classifier(seed, 3, "cpu")
    want = reference.transfer.accuracy(
        ref_model, LOCAL.make_loader(images, labels, 16, False, seed), "cpu"
    )
    slack = 1.5 / 50 if device.startswith("cuda") else 1e-9  # a near-tie may flip on a GPU
    expect.close(got, want, rtol=0.0, atol=slack, what="accuracy on 50 examples in batches of 16")


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@lru_cache(maxsize=1)
def _flowers(
    classes: int, per_class: tuple[int, int, int], size: int, seed: int
) -> tuple[dict[str, bytes], Split, Split]:
    """(the train/ and val/ files, the val split, the test split) of a flowers-17 look-alike
    drawn from ``seed`` (a secret one)."""
    sizes = dict(zip(("train", "val", "test"), per_class, strict=True))
    with tempfile.TemporaryDirectory(prefix="flowers-") as tmp:
        write_imagefolder(Path(tmp), classes, sizes, size, seed=seed)
        files = {rel: data for rel, data in _tree(Path(tmp)).items() if not rel.startswith("test/")}
        stacked = {}
        for split in ("val", "test"):
            folder = datasets.ImageFolder(str(Path(tmp) / split), transform=PILToTensor())
            items = [folder[i] for i in range(len(folder))]
            stacked[split] = (
                torch.stack([x for x, _ in items]).float().div(255),
                torch.tensor([y for _, y in items], dtype=torch.int64),
            )
    return files, Split(*stacked["val"]), Split(*stacked["test"])


def _data(p: dict, heldout_seed) -> tuple[dict[str, bytes], Split, Split]:
    per_class = (p["n_train_per_class"], p["n_val_per_class"], p["n_test_per_class"])
    return _flowers(p["num_classes"], per_class, p["size"], heldout_seed("flowers"))


def _accuracy(logits: object, labels: torch.Tensor, classes: int, what: str) -> float:
    expect.that(type(logits) is torch.Tensor, f"{what} must be a torch.Tensor")
    assert isinstance(logits, torch.Tensor)
    expect.shape(logits.numpy(), (len(labels), classes), what=what)
    return float((logits.argmax(dim=1) == labels).double().mean())


def test_compare_models_reports_accuracies(submission, params, seed, heldout_seed, device) -> None:
    """compare_models(finetuned, scratch, train_loader, val_loader, epochs, lr, device) must train both models and return their validation accuracies (finetuned's, scratch's): the accuracies of the trained models' logits on the val images."""
    p = params["flowers"]
    files, val, _ = _data(p, heldout_seed)
    helpers = in_worker(submission, squeezenet, transfer_probes)
    root = helpers.write_tree(files)
    train_loader = helpers.folder_loader(root + "/train", p["batch_size"], True, seed)
    val_loader = helpers.folder_loader(root + "/val", p["batch_size"], False, seed)
    finetuned = helpers.seeded(submission.transfer.finetune_squeezenet, seed, p["num_classes"])
    scratch = helpers.seeded(submission.transfer.SmallCNN, seed, p["num_classes"])
    got = submission.transfer.compare_models(
        finetuned, scratch, train_loader, val_loader, p["compare_epochs"], p["lr"], device
    )
    expect.that(
        type(got) in (tuple, list) and len(got) == 2,
        f"compare_models must return a pair (finetuned's accuracy, scratch's), not "
        f"{type(got).__name__}" + (f" of {len(got)}" if type(got) in (tuple, list) else ""),
    )
    got = tuple(scalar(a, "each accuracy compare_models returns") for a in got)
    for name, model, reported in (("finetuned", finetuned, got[0]), ("scratch", scratch, got[1])):
        what = f"the trained {name} model's logits for the {len(val.labels)} val images"
        measured = _accuracy(
            helpers.predict(model, val.images, device), val.labels, p["num_classes"], what
        )
        expect.that(
            abs(reported - measured) <= 1.5 / len(val.labels),
            f"compare_models reports a validation accuracy of {reported:.3f} for the {name} "
            f"model, but its logits for the val images give {measured:.3f}",
        )


def test_small_cnn_accuracy(submission, params, seed, heldout_seed, device) -> None:
    """SmallCNN(17), trained from scratch by your train_classifier or loaded from small_cnn.pt if you hand it in, must classify held-out images of a flowers-17 look-alike: credit ramps from the floor to the target in [params] flowers."""
    p = params["flowers"]
    files, _, test = _data(p, heldout_seed)
    helpers = in_worker(submission, squeezenet, transfer_probes)
    model = helpers.seeded(submission.transfer.SmallCNN, seed, p["num_classes"])
    weights = submission.load_weights(CHECKPOINT, missing_ok=True)  # None: train instead
    if weights is None:
        root = helpers.write_tree(files)
        train = helpers.folder_loader(root + "/train", p["batch_size"], True, seed)
        submission.transfer.train_classifier(model, train, p["epochs"], p["lr"], device)
        how = f"trained by your train_classifier for {p['epochs']} epochs"
    else:
        helpers.load_checkpoint(model, weights, CHECKPOINT)
        how = f"with the weights in {CHECKPOINT}"
    what = "SmallCNN's logits for the held-out images"
    accuracy = _accuracy(
        helpers.predict(model, test.images, device), test.labels, p["num_classes"], what
    )
    expect.ramp(
        accuracy,
        floor=p["floor"],
        target=p["target"],
        what=f"the accuracy of SmallCNN({p['num_classes']}) ({how}) on held-out images",
    )
