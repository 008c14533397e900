"""Checkpoints: loaded as weights only, and optional ones (``missing_ok``) may be absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.errors import SubmissionRaised
from grader.grade import grade
from grader.protocol import WorkerLimits
from grader.remote import SubmissionHandle, SubmissionSession
from grader.supervisor import WorkerConfig, prepare_runtime
from tests.toycourse import make_course


def _session(work: Path, scratch: Path) -> SubmissionSession:
    config = WorkerConfig(
        workdir=work,
        limits=WorkerLimits(memory_mb=2048),
        output_path=scratch / "out.txt",
        runtime_dir=prepare_runtime(scratch / "runtime"),
        preload=("numpy", "torch"),
    )
    session = SubmissionSession(config, ["model"], import_seconds=60, submission_seconds=120)
    session.begin_check(60)
    return session


def test_missing_ok_gives_none_and_refusals_stay(tmp_path: Path) -> None:
    """Is a missing optional checkpoint None, while a missing required one, a pickled object
    and a saved None are refused naming the file?"""
    torch = pytest.importorskip("torch")
    work = tmp_path / "student"
    work.mkdir()
    (work / "model.py").write_text("WIDTH = 3\n")
    torch.save({"fc.weight": torch.ones(2, 3)}, work / "net.pt")
    torch.save({"evil": object()}, work / "bad.pt")
    torch.save(None, work / "none.pt")
    session = _session(work, tmp_path)
    try:
        sub = SubmissionHandle(session)
        assert sub.load_weights("absent.pt", missing_ok=True) is None
        weights = sub.load_weights("net.pt", missing_ok=True)
        assert weights is not None and weights["fc.weight"].tolist() == [[1.0] * 3] * 2
        with pytest.raises(SubmissionRaised, match="absent.pt is missing"):
            sub.load_weights("absent.pt")
        with pytest.raises(SubmissionRaised, match="bad.pt is not a file of weights"):
            sub.load_weights("bad.pt", missing_ok=True)
        with pytest.raises(SubmissionRaised, match="none.pt holds None"):
            sub.load_weights("none.pt", missing_ok=True)
    finally:
        session.close()


WEIGHTS_CHECKS = '''from grader.checks import expect


def test_optional_weights(submission):
    """An optional checkpoint that was not handed in is None."""
    expect.that(submission.load_weights("w.pt", missing_ok=True) is None, "w.pt was found")


def test_required_weights(submission):
    """The checkpoint w.pt must be handed in."""
    submission.load_weights("w.pt")
'''


def test_a_missing_checkpoint_costs_the_check_naming_the_file(tmp_path: Path) -> None:
    """Through the whole pipeline: does missing_ok let a check go on without the file, while a
    check that needs it fails with a message that names the file?"""
    course = make_course(tmp_path)
    (course / "assignments/toy/checks/hidden/test_weights.py").write_text(WEIGHTS_CHECKS)
    spec = course / "assignments/toy/assignment.toml"
    spec.write_text(
        spec.read_text()
        + '\n[[parts]]\nname = "Weights"\n'
        + "checks = { test_optional_weights = 1, test_required_weights = 1 }\n"
    )
    (tmp_path / "subs" / "amy").mkdir(parents=True)
    (tmp_path / "subs" / "amy" / "ops.py").write_text("def scale(x, k):\n    return k * x\n")
    report = grade(course, "toy", tmp_path / "subs", tmp_path / "out", jobs=1, seed=2)
    checks = {c.name: c for c in report.results[0].checks}
    assert checks["test_optional_weights"].status == "passed"
    required = checks["test_required_weights"]
    assert required.status != "passed" and required.points == 0
    assert "w.pt is missing; hand in your trained weights as w.pt" in required.message
