"""The demo class: generated from the reference and mutants, and graded as the README says."""

from __future__ import annotations

import filecmp
import importlib.util
import shutil
from pathlib import Path

import pytest
import torch

from examples.build_demo import CLASSES, build, out_dir
from grader.grade import grade
from grader.models import SubmissionResult

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("assignment_id", sorted(CLASSES))
def test_checked_in_demo_is_current(tmp_path: Path, assignment_id: str) -> None:
    """Is the checked-in demo class exactly what examples/build_demo.py writes?"""
    build(assignment_id, tmp_path / "class")
    fresh = sorted(
        p.relative_to(tmp_path / "class") for p in (tmp_path / "class").rglob("*") if p.is_file()
    )
    checked_in_root = out_dir(assignment_id)
    checked_in = sorted(
        p.relative_to(checked_in_root) for p in checked_in_root.rglob("*") if p.is_file()
    )
    assert fresh == checked_in, "run `python examples/build_demo.py` and commit the result"
    changed = [
        str(p)
        for p in fresh
        if not filecmp.cmp(tmp_path / "class" / p, checked_in_root / p, shallow=False)
    ]
    assert changed == [], f"stale demo files {changed}: run `python examples/build_demo.py`"


@pytest.mark.slow
def test_demo_class_grades_as_intended(tmp_path: Path) -> None:
    """Does every demo student get the outcome their submission was written to show?"""
    report = grade(REPO, "nn_numpy", out_dir("nn_numpy"), tmp_path / "out", jobs=2)
    r = {x.student: x for x in report.results}
    full = r["ada"].max_score
    assert r["ada"].score == full and r["ben"].score == full
    for student, check in [
        ("chloe", "test_softmax_is_stable"),
        ("dan", "test_get_random_batches_sizes"),
        ("finn", "test_momentum_step_updates"),
    ]:
        assert 0 < r[student].score < full
        assert {c.name: c.status for c in r[student].checks}[check] == "failed", student
    hugo = {c.name: c for c in r["hugo"].checks}
    assert hugo["test_relu_deriv_values"].status == "timeout"
    assert r["hugo"].score == full - hugo["test_relu_deriv_values"].max_points
    assert all(c.status == "error" and "FileNotFoundError" in c.message for c in r["gia"].checks)
    assert any("sys.exit" in c.message for c in r["iris"].checks) and r["iris"].score > 0
    assert r["olga"].score == 0 and r["olga"].gradable
    for student in ("jack", "kim", "leo", "mia", "noah", "sam"):
        assert not r[student].gradable and r[student].not_gradable_reason, student
    # notebooks: a Colab export, a renamed one with a bug pasted into the wrong cell, a broken cell
    assert r["pia"].score == full
    quinn = {c.name: c for c in r["quinn"].checks}
    assert quinn["test_softmax_is_stable"].status == "failed"
    assert [w.cell for w in quinn["test_softmax_is_stable"].where] == [7]
    assert 0 < r["rosa"].score < full
    assert any("cell 18 has a syntax error" in n for n in r["rosa"].notes)
    assert "has no code in it" in (r["sam"].not_gradable_reason or "")


def _only_the_missing_file_costs(result: SubmissionResult, missing: str) -> None:
    """A student who forgot ``missing`` is graded on the rest: the checks that use it fail
    saying so, every other check passes, and a note names the file."""
    said = f"{missing} was not handed in; this check uses it"
    assert result.gradable, result.not_gradable_reason
    lost = [c for c in result.checks if c.message.startswith(said)]
    assert lost and all(c.status == "failed" and c.points == 0 for c in lost)
    assert all(c.status == "passed" for c in result.checks if c not in lost), [
        (c.name, c.status, c.message) for c in result.checks if c not in lost
    ]
    assert any(n.startswith(f"{missing} was not handed in") for n in result.notes)


@pytest.mark.slow
def test_backprop_demo_grades_as_intended(tmp_path: Path) -> None:
    """Are the backprop_torch demo's forbidden-API users caught, and the rest graded as written?"""
    report = grade(REPO, "backprop_torch", out_dir("backprop_torch"), tmp_path / "out", jobs=2)
    r = {x.student: x for x in report.results}
    full = r["ada"].max_score
    assert r["ada"].score == full and r["ben"].score == full
    for student in ("dan", "emma"):
        messages = [c.message for c in r[student].checks if c.status == "failed"]
        assert 0 < r[student].score < full and any("must not use torch" in m for m in messages), (
            student
        )
    chloe = {c.name: c.status for c in r["chloe"].checks}
    assert chloe["test_d_softmax_small_jacobian"] == "failed" and 0 < r["chloe"].score < full
    assert 0 < r["finn"].score < full
    assert r["gia"].score == 0 and r["gia"].gradable
    _only_the_missing_file_costs(r["hugo"], "umd.py")


@pytest.mark.slow
def test_cnn_demo_grades_as_intended(tmp_path: Path) -> None:
    """Does each cnn_classifiers student lose points where their bug is, and is a handed-in
    checkpoint scored instead of training (gia's pickled model refused, jo's weights used)?"""
    subs = tmp_path / "class"
    shutil.copytree(out_dir("cnn_classifiers"), subs)
    shutil.copytree(subs / "ada", subs / "jo")  # correct code and untrained weights
    spec = importlib.util.spec_from_file_location("demo_models", subs / "jo" / "models.py")
    assert spec is not None and spec.loader is not None
    models = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(models)
    torch.manual_seed(0)
    torch.save(models.BudgetCNN(43).state_dict(), subs / "jo" / "budget_cnn.pt")

    report = grade(REPO, "cnn_classifiers", subs, tmp_path / "out", jobs=2)
    r = {x.student: x for x in report.results}
    full = r["ada"].max_score
    assert r["ada"].score == full and r["ben"].score == full
    for student, check in [
        ("chloe", "test_train_one_epoch_zero_grad"),
        ("dan", "test_test_one_epoch_uses_eval_mode"),
        ("emma", "test_net_examples_independent"),
        ("finn", "test_budget_cnn_parameter_budget"),
    ]:
        assert 0 < r[student].score < full
        assert {c.name: c.status for c in r[student].checks}[check] == "failed", student
    for student, status, words in [
        ("gia", "error", "weights_only"),
        ("jo", "failed", "budget_cnn.pt"),
    ]:
        checks = {c.name: c for c in r[student].checks}
        budget = checks.pop("test_budget_cnn_accuracy")
        assert budget.status == status and words in budget.message, (student, budget.message)
        assert all(c.status == "passed" for c in checks.values()), student
    assert r["hugo"].score == 0 and r["hugo"].gradable
    _only_the_missing_file_costs(r["iris"], "training.py")


@pytest.mark.slow
def test_segmentation_demo_grades_as_intended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Does each segmentation_transfer student lose points where their bug is, and is a handed-in
    small_cnn.pt scored instead of training (gia's pickled model refused, jun's weights used)?"""
    subs = tmp_path / "class"
    shutil.copytree(out_dir("segmentation_transfer"), subs)
    shutil.copytree(subs / "ada", subs / "jun")  # correct code and untrained weights
    spec = importlib.util.spec_from_file_location("demo_transfer", subs / "jun" / "transfer.py")
    assert spec is not None and spec.loader is not None
    transfer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(transfer)
    torch.manual_seed(0)
    torch.save(transfer.SmallCNN(17).state_dict(), subs / "jun" / "small_cnn.pt")

    # one seed and one held-out key: the trained checks' accuracy is then the same every run
    # (at a fresh seed and key the reference once scored 51.5 of 52, a ramp's partial credit)
    monkeypatch.setenv("GRADER_HELDOUT_KEY", "demo-test-key")
    report = grade(REPO, "segmentation_transfer", subs, tmp_path / "out", jobs=2, seed=1)
    r = {x.student: x for x in report.results}
    full = r["ada"].max_score
    assert r["ada"].score == full
    for student, check in [
        ("ben", "test_voc_dataset_channel_order"),
        ("chloe", "test_voc_dataset_masks_not_interpolated"),
        ("dan", "test_fcn32_output_shape_voc_sizes"),
        ("emma", "test_iou_per_class_absent_classes"),
        ("finn", "test_finetune_squeezenet_training_keeps_backbone"),
    ]:
        assert 0 < r[student].score < full, student
        assert {c.name: c.status for c in r[student].checks}[check] != "passed", student
    for student, status, words in [
        ("gia", "error", "weights_only"),
        ("jun", "failed", "small_cnn.pt"),
    ]:
        checks = {c.name: c for c in r[student].checks}
        scored = checks.pop("test_small_cnn_accuracy")
        assert scored.status == status and words in scored.message, (student, scored.message)
        assert all(c.status == "passed" for c in checks.values()), student
    assert r["hugo"].score == 0 and r["hugo"].gradable
