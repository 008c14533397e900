"""Partial credit on a published scale, checkpoints loaded as weights only, and the device fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.checks import expect
from grader.errors import CheckFailed, InstructorError, PartialCredit, SubmissionRaised
from grader.grade import grade
from grader.protocol import WorkerLimits
from grader.remote import SubmissionHandle, SubmissionSession
from grader.run import resolve_device
from grader.supervisor import WorkerConfig, prepare_runtime
from tests.toycourse import make_course


@pytest.mark.parametrize("value, fraction", [(0.70, 0.5), (0.66, 0.1)])
def test_ramp_gives_linear_partial_credit(value: float, fraction: float) -> None:
    """Between floor and target, is the credit linear, and does the message show both bounds?"""
    with pytest.raises(PartialCredit) as info:
        expect.ramp(value, floor=0.65, target=0.75, what="test accuracy")
    assert info.value.fraction == pytest.approx(fraction)
    assert "none at 0.650, full at 0.750" in str(info.value)


def test_ramp_ends() -> None:
    expect.ramp(0.8, floor=0.65, target=0.75)
    with pytest.raises(CheckFailed, match="no credit"):
        expect.ramp(0.6, floor=0.65, target=0.75)
    with pytest.raises(CheckFailed, match="no credit"):
        expect.ramp(float("nan"), floor=0.65, target=0.75)


RAMP_CHECK = '''from grader.checks import expect


def test_score_ramp(submission):
    """score() must reach 0.75 for full credit (none at 0.65)."""
    expect.ramp(float(submission.ops.score()), floor=0.65, target=0.75, what="score()")
'''


def test_partial_points_flow_into_the_result(tmp_path: Path) -> None:
    """Does a ramp check earn the right fraction of its points in the graded result?"""
    course = make_course(tmp_path)
    (course / "assignments/toy/checks/hidden/test_ramp.py").write_text(RAMP_CHECK)
    spec = course / "assignments/toy/assignment.toml"
    spec.write_text(
        spec.read_text() + '\n[[parts]]\nname = "Ramp"\nchecks = { test_score_ramp = 4 }\n'
    )
    for name, value in (("half", 0.70), ("full", 0.9), ("none", 0.5)):
        (tmp_path / "subs" / name).mkdir(parents=True)
        (tmp_path / "subs" / name / "ops.py").write_text(f"def score():\n    return {value}\n")
    report = grade(course, "toy", tmp_path / "subs", tmp_path / "out", jobs=1, seed=1)
    ramp = {
        r.student: next(c for c in r.checks if c.name == "test_score_ramp") for r in report.results
    }
    assert (ramp["half"].status, ramp["half"].points) == ("partial", 2.0)
    assert (ramp["full"].status, ramp["full"].points) == ("passed", 4.0)
    assert (ramp["none"].status, ramp["none"].points) == ("failed", 0.0)
    assert "Partly passed" in (tmp_path / "out" / "half" / "feedback.md").read_text()


def _weights_session(tmp_path: Path) -> SubmissionSession:
    config = WorkerConfig(
        workdir=tmp_path / "student",
        limits=WorkerLimits(memory_mb=2048),
        output_path=tmp_path / "out.txt",
        runtime_dir=prepare_runtime(tmp_path / "runtime"),
        preload=("numpy", "torch"),
    )
    session = SubmissionSession(config, ["model"], import_seconds=60, submission_seconds=120)
    session.begin_check(60)
    return session


def test_checkpoints_load_as_weights_only(tmp_path: Path) -> None:
    """Is a state dict loaded into the student's model, and a pickled object refused by name?"""
    torch = pytest.importorskip("torch")
    work = tmp_path / "student"
    work.mkdir()
    (work / "model.py").write_text(
        "import torch\n"
        "class Net(torch.nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = torch.nn.Linear(3, 2)\n"
        "    def forward(self, x):\n"
        "        return self.fc(x)\n"
    )
    torch.save({"fc.weight": torch.ones(2, 3), "fc.bias": torch.zeros(2)}, work / "net.pt")
    torch.save({"evil": object()}, work / "bad.pt")
    session = _weights_session(tmp_path)
    try:
        sub = SubmissionHandle(session)
        model = sub.model.Net()
        model.load_state_dict(sub.load_weights("net.pt"))
        assert model(torch.ones(1, 3)).tolist() == [[3.0, 3.0]]
        with pytest.raises(SubmissionRaised, match="bad.pt is not a file of weights"):
            sub.load_weights("bad.pt")
        with pytest.raises(SubmissionRaised, match="missing.pt is missing"):
            sub.load_weights("missing.pt")
    finally:
        session.close()


def test_device_resolution() -> None:
    assert resolve_device("cpu") == "cpu"
    with pytest.raises(InstructorError, match="cpu, cuda or auto"):
        resolve_device("tpu")


def test_spec_data_roots_are_used_and_named_when_missing(tmp_path: Path) -> None:
    """Does [data] roots point the grader at the instructor's copy, and fail fast, naming the
    expected layout, when nothing is there?"""
    from grader.datasets import write_mnist_like
    from grader.errors import MaterialError

    course = make_course(tmp_path)
    spec = course / "assignments/toy/assignment.toml"
    spec.write_text(
        spec.read_text()
        + '\n[data]\nneeds = ["torchvision-mnist"]\nroots = { mnist = "data/mnist" }\n'
    )
    (tmp_path / "subs").mkdir()
    with pytest.raises(MaterialError, match="data/mnist"):
        grade(course, "toy", tmp_path / "subs", tmp_path / "out")
    write_mnist_like(course / "data" / "mnist", n_train=20, n_test=10)
    grade(course, "toy", tmp_path / "subs", tmp_path / "out")  # found: no error
