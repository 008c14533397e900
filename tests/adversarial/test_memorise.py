"""Attack 4 of issue 15: can a submission memorise the held-out test sets instead of learning?

The attacker (``submissions/memorise.py``) trains nothing. It carries a copy of the public
dataset generators (``grader.datasets``), knows the spec's sizes and the run's seed (it is in
every result), and, when handed a training set, searches for the seed that generates it: the
run's seed, the constants earlier check files used, small seeds, and the seeds an empty key
would derive. It matches the training images as a set, so a training order of the grader's
own does not stop it. Found, it regenerates the test images with their labels and its models
answer from that table; not found, they answer class 0, as a constant predictor.

The slow test runs it against cnn_classifiers' real accuracy checks (copied into a small
course with small sizes); with the fixed seeds those checks had before, it scored 1.000 on all
four. The fast test runs it against a toy accuracy check, and also lets it try to read the
key file from the results folder. Beside it in both: a constant predictor, and the same
attacker handed the grading key, which proves that the attack works whenever the held-out
seeds are known."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.checks.heldout import ENV_KEY, KEY_FILE, resolve_key
from grader.grade import grade
from grader.models import SubmissionResult
from tests.adversarial.conftest import ARENA_PARENT, SANDBOX
from tests.adversarial.submissions.memorise import (
    CONSTANT_TRAINING,
    MODELS,
    TOY_ATTACKER,
    TOY_CONSTANT,
    TRAINING,
)

REPO = Path(__file__).resolve().parents[2]
SEED = 1234
KEY = "instructor-secret-for-the-memorise-test"
ACCURACY_CHECKS = (
    "test_net_cifar_accuracy",
    "test_model_fashion_mnist_accuracy",
    "test_cnn_mnist_accuracy",
    "test_budget_cnn_accuracy",
)
PARAMS = {
    "net_cifar": dict(n_per_batch=10, n_valid=10, n_test=40, batch_size=16, epochs=1, lr=0.003, floor=0.30, target=0.60),
    "model_fashion_mnist": dict(n_train=60, n_valid=10, n_test=40, batch_size=16, epochs=1, lr=0.001, floor=0.40, target=0.75),
    "cnn_mnist": dict(n_train=60, n_test=40, batch_size=16, epochs=1, lr=0.003, floor=0.40, target=0.70),
    "budget_cnn": dict(num_classes=43, max_parameters=100000, n_train_per_class=2, n_valid_per_class=1, n_test_per_class=1, batch_size=16, epochs=1, lr=0.003, floor=0.30, target=0.75),
}  # fmt: skip
SPEC = """
id = "cnn_classifiers"
title = "cnn_classifiers' accuracy checks, small"

[submission]
files = ["models.py", "training.py"]

[limits]
check_seconds = 60
submission_seconds = 300
memory_mb = 4096
import_seconds = 30

[worker]
preload = ["numpy", "torch", "torchvision"]

[params]
{params}

[[parts]]
name = "Accuracy"
checks = {{ {checks} }}
"""


def _toml(value: dict[str, float]) -> str:
    return "{ " + ", ".join(f"{k} = {v}" for k, v in value.items()) + " }"


def make_course(root: Path) -> Path:
    """cnn_classifiers with only its accuracy checks (the real file and its helpers), at small
    sizes."""
    spec = SPEC.format(
        params="\n".join(f"{name} = {_toml(p)}" for name, p in PARAMS.items()),
        checks=", ".join(f"{name} = 1" for name in ACCURACY_CHECKS),
    )
    folder = root / "assignments" / "cnn_classifiers"
    (folder / "checks" / "hidden").mkdir(parents=True)
    (folder / "assignment.toml").write_text(spec)
    checks = REPO / "assignments" / "cnn_classifiers" / "checks" / "hidden" / "test_accuracy.py"
    shutil.copy(checks, folder / "checks" / "hidden" / "test_accuracy.py")
    helpers = REPO / "assignments" / "cnn_classifiers" / "checks" / "helpers"
    shutil.copytree(helpers, folder / "checks" / "helpers")
    shutil.copytree(REPO / "reference" / "cnn_classifiers", root / "reference" / "cnn_classifiers")
    return root


def public_generators(dest: Path) -> None:
    """``grader.datasets`` (and what it imports) as the package ``grader_copy``: all public."""
    sources = [REPO / "grader" / f for f in ("atomic.py", "errors.py", "extras.py")]
    sources += sorted((REPO / "grader" / "datasets").glob("*.py"))
    for source in sources:
        rel = source.relative_to(REPO / "grader")
        target = dest / "grader_copy" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(re.sub(r"\bgrader\.", "grader_copy.", source.read_text()))
    (dest / "grader_copy" / "__init__.py").write_text("")


def add_attacker(subs: Path, name: str, key: str | None) -> None:
    folder = subs / name
    folder.mkdir(parents=True)
    (folder / "models.py").write_text(MODELS)
    params = {
        "cifar": PARAMS["net_cifar"],
        "fashion": PARAMS["model_fashion_mnist"],
        "mnist": PARAMS["cnn_mnist"],
        "grocery": PARAMS["budget_cnn"],
    }
    training = TRAINING
    for placeholder, value in (("RUN_SEED", SEED), ("KEY", repr(key)), ("PARAMS", params)):
        training = training.replace(f"@{placeholder}@", str(value))
    (folder / "training.py").write_text(training)
    public_generators(folder)


def add_constant(subs: Path, name: str) -> None:
    folder = subs / name
    folder.mkdir(parents=True)
    (folder / "models.py").write_text(MODELS)
    (folder / "training.py").write_text(CONSTANT_TRAINING)


def accuracy_points(result: SubmissionResult) -> dict[str, float]:
    return {c.name: c.points for c in result.checks if c.name in ACCURACY_CHECKS}


@pytest.mark.slow
def test_memorising_earns_no_more_than_a_constant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Does a submission that regenerates the held-out data from public code and the run's
    seed score better than a constant predictor on any accuracy check? It must not, while the
    same attack handed the grading key scores full marks (so the attack itself works)."""
    monkeypatch.setenv(ENV_KEY, KEY)
    course, subs = make_course(tmp_path / "course"), tmp_path / "subs"
    add_attacker(subs, "memoriser", key=None)
    add_attacker(subs, "keyholder", key=KEY)
    add_constant(subs, "constant")
    report = grade(course, "cnn_classifiers", subs, tmp_path / "out", seed=SEED, force=True)
    results = {r.student: r for r in report.results}
    points = {student: accuracy_points(r) for student, r in results.items()}
    assert points["keyholder"] == dict.fromkeys(ACCURACY_CHECKS, 1.0), results["keyholder"]
    assert points["constant"] == dict.fromkeys(ACCURACY_CHECKS, 0.0), results["constant"]
    assert points["memoriser"] == points["constant"], results["memoriser"]


# -- the same attack in a toy course, fast -------------------------------------------------

TOY_SPEC = """
id = "toyacc"
title = "Classify shapes"

[submission]
files = ["model.py"]

[limits]
check_seconds = 20
submission_seconds = 60
memory_mb = 1024
import_seconds = 10

[worker]
preload = ["numpy"]

[[parts]]
name = "Accuracy"
checks = { test_shapes_accuracy = 1 }
"""
TOY_CHECK = '''import numpy as np

from grader.checks import expect
from grader.datasets import draw_shapes


def test_shapes_accuracy(submission, heldout_seed):
    """fit on the training shapes, then predict held-out ones."""
    train = draw_shapes(60, size=12, seed=heldout_seed("shapes/train"))
    test = draw_shapes(30, size=12, seed=heldout_seed("shapes/test"))
    order = np.random.default_rng(heldout_seed("shapes/order")).permutation(60)
    submission.model.fit(train.images[order], train.labels[order])
    predicted = np.asarray(submission.model.predict(test.images))
    accuracy = float(np.mean(predicted == test.labels))
    expect.ramp(accuracy, floor=0.3, target=0.6, what="the accuracy on held-out shapes")
'''
TOY_REFERENCE = '''import numpy as np

MEANS = {}


def fit(images, labels):
    """Nearest class mean (weak on shapes; the course only needs a reference).
    images: (N, S, S, 3) uint8, labels: (N,)."""
    # BEGIN SOLUTION
    for k in np.unique(labels):
        MEANS[int(k)] = images[labels == k].astype(float).mean(axis=0)
    # END SOLUTION


def predict(images):
    """images: (N, S, S, 3) uint8 -> labels (N,)."""
    # BEGIN SOLUTION
    keys = sorted(MEANS)
    distances = [((images.astype(float) - MEANS[k]) ** 2).sum(axis=(1, 2, 3)) for k in keys]
    return np.array(keys)[np.argmin(distances, axis=0)]
    # END SOLUTION
'''


def make_toy_course(root: Path) -> Path:
    files = {
        "assignments/toyacc/assignment.toml": TOY_SPEC,
        "assignments/toyacc/checks/hidden/test_accuracy.py": TOY_CHECK,
        "reference/toyacc/model.py": TOY_REFERENCE,
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def add_toy(subs: Path, name: str, source: str) -> None:
    (subs / name).mkdir(parents=True)
    (subs / name / "model.py").write_text(source)
    public_generators(subs / name)


@pytest.fixture
def outside_tmp() -> Iterator[Path]:
    """A folder outside /tmp (a worker's private /tmp would hide it for free), as the arena's."""
    ARENA_PARENT.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="adversarial-memorise-", dir=ARENA_PARENT))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def test_toy_memoriser_earns_no_more_than_a_constant(
    outside_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Can a submission regenerate held-out shapes from the public generators, the run's seed
    or the key file in the results folder? It must score what a constant predictor scores,
    while the same attack handed the key gets full marks.

    Without the sandbox (``ADVERSARIAL_SANDBOX=0``) the memoriser reads the key file and
    scores full marks: the key's secrecy rests on the worker's file-system rules."""
    monkeypatch.delenv(ENV_KEY, raising=False)  # the key lives in <out>/.heldout-key
    root = outside_tmp
    course, subs, out = make_toy_course(root / "course"), root / "subs", root / "out"
    out.mkdir()
    key = resolve_key(out)  # what grade() will use: made now, so one submission can be told
    key_file = out / KEY_FILE
    attacker = TOY_ATTACKER.replace("@RUN_SEED@", str(SEED))
    attacker = attacker.replace("@KEY_FILE@", repr(str(key_file)))
    add_toy(subs, "memoriser", attacker.replace("@KEYS@", repr([""])))
    add_toy(subs, "keyholder", attacker.replace("@KEYS@", repr(["", key])))
    add_toy(subs, "constant", TOY_CONSTANT)
    report = grade(course, "toyacc", subs, out, seed=SEED, force=True, sandbox=SANDBOX)
    score = {r.student: r.score for r in report.results}
    assert score == {"memoriser": 0.0, "keyholder": 1.0, "constant": 0.0}, report
    assert resolve_key(out) == key and key_file.stat().st_mode & 0o777 == 0o600
