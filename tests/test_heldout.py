"""The secret behind held-out data: seeds derived from a key, and where the key lives."""

from __future__ import annotations

import stat
from pathlib import Path

import numpy as np
import pytest

from grader.checks.heldout import ENV_KEY, KEY_FILE, default_key, heldout_seed, resolve_key
from grader.datasets.cifar import write_cifar10_like
from grader.datasets.idx import mnist_like
from grader.errors import InstructorError


def test_seed_follows_key_run_seed_and_name() -> None:
    """Does the same (key, run seed, name) give the same seed, and changing any one of them
    another, within the 63 bits numpy and torch take?"""
    seed = heldout_seed("k", 7, "cifar10/test")
    assert seed == heldout_seed("k", 7, "cifar10/test")
    others = {
        heldout_seed("other", 7, "cifar10/test"),
        heldout_seed("k", 8, "cifar10/test"),
        heldout_seed("k", 7, "cifar10/train"),
        heldout_seed("", 7, "cifar10/test"),
    }
    assert seed not in others and len(others) == 4
    assert all(0 <= s < 2**63 for s in (seed, *others))


def test_key_file_is_made_once_and_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Is <out>/.heldout-key created on first use, readable by its owner only, and read back
    (not replaced) by the next run, so that a regrade reproduces the held-out data?"""
    monkeypatch.delenv(ENV_KEY, raising=False)
    key = resolve_key(tmp_path)
    path = tmp_path / KEY_FILE
    assert len(key) == 64 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert resolve_key(tmp_path) == key


def test_a_run_without_a_key_gets_a_secret_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Does a run given no key (grader ci, check_session used directly) get $GRADER_HELDOUT_KEY, else a fresh
    random key, never one a submission could derive?"""
    monkeypatch.delenv(ENV_KEY, raising=False)
    first, second = default_key(), default_key()
    assert first != second and len(first) == 64
    monkeypatch.setenv(ENV_KEY, "from-ci")
    assert default_key() == "from-ci"


def test_environment_key_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Does $GRADER_HELDOUT_KEY (CI) take precedence, leaving no key file behind?"""
    monkeypatch.setenv(ENV_KEY, "from-ci")
    assert resolve_key(tmp_path) == "from-ci"
    assert not (tmp_path / KEY_FILE).exists()


def test_empty_key_file_is_an_instructor_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Does an empty key file stop the run with a message that names it and the fix?"""
    monkeypatch.delenv(ENV_KEY, raising=False)
    (tmp_path / KEY_FILE).write_text("\n")
    with pytest.raises(InstructorError, match=r"\.heldout-key.*delete it"):
        resolve_key(tmp_path)


def test_cifar_test_split_is_its_own_stream(tmp_path: Path) -> None:
    """Are the CIFAR look-alike's training and test images independent streams: the same
    training seed with another test seed changes only the test images, and vice versa?"""
    a = write_cifar10_like(tmp_path / "a", n_per_batch=4, n_test=6, seed=1, test_seed=10)
    b = write_cifar10_like(tmp_path / "b", n_per_batch=4, n_test=6, seed=1, test_seed=11)
    c = write_cifar10_like(tmp_path / "c", n_per_batch=4, n_test=6, seed=2, test_seed=10)
    assert np.array_equal(a["train"].images, b["train"].images)
    assert not np.array_equal(a["test"].images, b["test"].images)
    assert not np.array_equal(a["train"].images, c["train"].images)
    assert np.array_equal(a["test"].images, c["test"].images)


@pytest.mark.parametrize("kind", ["MNIST", "FashionMNIST"])
def test_mnist_test_split_is_its_own_stream(kind: str) -> None:
    """Does the MNIST look-alike's test split follow its own seed, not the training seed?"""
    a = mnist_like(kind, 20, 10, seed=3, test_seed=30)  # type: ignore[arg-type]
    b = mnist_like(kind, 20, 10, seed=4, test_seed=30)  # type: ignore[arg-type]
    c = mnist_like(kind, 20, 10, seed=3, test_seed=31)  # type: ignore[arg-type]
    assert not np.array_equal(a["train"].images, b["train"].images)
    assert np.array_equal(a["train"].images, c["train"].images)
    assert not np.array_equal(a["test"].images, c["test"].images)
    if kind == "FashionMNIST":  # MNIST's test scans are split off by the training seed
        assert np.array_equal(a["test"].images, b["test"].images)


def test_grade_task_keeps_the_key_out_of_its_repr() -> None:
    """Does a lane's task carry the key to the lane (Ray sends it as JSON) without printing it
    in a repr, which tracebacks and logs show?"""
    from grader.lane import GradeTask
    from grader.models import Submission

    here = Path(".")
    task = GradeTask(
        course=here,
        assignment="toy",
        submission=Submission(student="s", path=here, kind="directory"),
        out_dir=here,
        scratch_root=here,
        seed=1,
        heldout_key="the-secret",
    )
    assert "the-secret" not in repr(task)
    assert GradeTask.model_validate_json(task.model_dump_json()).heldout_key == "the-secret"
