"""GPU runs: each worker gets a share of the GPU's memory it cannot lift, running past it is
named in plain words, and host memory stays bounded without the address-space limit that
CUDA cannot start under. The CUDA side itself runs on the GPU machine (bench/gpu_check.sh);
these are the parts a CPU machine can check."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from grader.course import load_assignment
from grader.errors import InstructorError, SubmissionRaised
from grader.grade import _gpu_share
from grader.protocol import WorkerLimits
from grader.remote import SubmissionHandle, SubmissionSession
from grader.spec import gpu_share
from grader.supervisor import WorkerConfig, prepare_runtime
from grader.worker.serve import _named_limit

REPO = Path(__file__).resolve().parent.parent

STUDENT = """
import torch

def queued():
    return len(torch.cuda._queued_calls)

def lift():
    torch.cuda.set_per_process_memory_fraction(1.0)

def hog(mb):
    block = bytearray(mb * 1024 * 1024)
    return len(block)
"""


def _session(tmp_path: Path, fraction: float | None) -> SubmissionSession:
    work = tmp_path / "student"
    work.mkdir(parents=True, exist_ok=True)
    (work / "nn.py").write_text(STUDENT)
    config = WorkerConfig(
        workdir=work,
        limits=WorkerLimits(memory_mb=512, gpu_memory_fraction=fraction),
        output_path=tmp_path / "out.txt",
        runtime_dir=prepare_runtime(tmp_path / "runtime"),
        preload=("numpy", "torch"),
    )
    session = SubmissionSession(config, ["nn"], import_seconds=60, submission_seconds=120)
    session.begin_check(60)
    return session


def test_the_share_is_queued_for_cuda_start_and_cannot_be_lifted(tmp_path: Path) -> None:
    plain, shared = _session(tmp_path / "a", None), _session(tmp_path / "b", 0.25)
    try:
        assert SubmissionHandle(shared).nn.queued() == SubmissionHandle(plain).nn.queued() + 1
        with pytest.raises(SubmissionRaised, match="cannot change it"):
            SubmissionHandle(shared).nn.lift()
        assert any("GPU memory 25% of the device" in line for line in shared.isolation)
    finally:
        plain.close()
        shared.close()


def test_a_gpu_worker_starts_cuda_before_its_limits_apply(tmp_path: Path) -> None:
    """Is CUDA started ahead of the rlimits and Landlock, which refuse what starting it takes
    (Error 304 on the H200: bench/results/gpu-h200-2026-12-04/diag.txt)?"""
    session = _session(tmp_path, 0.25)
    try:
        SubmissionHandle(session).nn.queued()  # the worker starts on first use
        lines = session.isolation
        gpu = next(k for k, line in enumerate(lines) if line.startswith("GPU: "))
        limits = next(k for k, line in enumerate(lines) if line.startswith("limits: "))
        landlock = next(k for k, line in enumerate(lines) if line.startswith("Landlock"))
        assert gpu < limits < landlock
        if not torch.cuda.is_available():
            assert lines[gpu] == "GPU: no CUDA device is visible to the worker"
    finally:
        session.close()


def test_host_memory_stays_bounded_without_the_address_space_limit(tmp_path: Path) -> None:
    """A GPU worker has no RLIMIT_AS (CUDA reserves far more address space than it uses), so
    RLIMIT_DATA must stop a 2 GB allocation at memory_mb = 512, and say so."""
    session = _session(tmp_path, 0.25)
    try:
        nn = SubmissionHandle(session).nn
        assert nn.hog(64) == 64 * 1024 * 1024
        with pytest.raises(SubmissionRaised, match="used more than 512 MB of memory"):
            nn.hog(2048)
    finally:
        session.close()


def test_running_out_of_the_gpu_share_is_named() -> None:
    exc = torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
    words = _named_limit(exc, WorkerLimits(memory_mb=4096, gpu_memory_fraction=0.1125))
    assert words is not None and "11% of the GPU's memory" in words
    assert "several are graded on it at once" in words
    assert (
        _named_limit(exc, WorkerLimits(memory_mb=4096)) is None
    )  # no share set: torch's own message


def test_lanes_split_the_gpu_and_may_not_overcommit_it(tmp_path: Path) -> None:
    assert gpu_share(None, 1) == 0.9 and gpu_share(None, 8) == 0.1125
    assert gpu_share(0.2, 4) == 0.2
    assignment = load_assignment(REPO, "cnn_classifiers")
    assert _gpu_share(assignment, 8) == 0.1125
    device = assignment.spec.device.model_copy(update={"gpu_memory_fraction": 0.3})
    spec = assignment.spec.model_copy(update={"device": device})
    greedy = assignment.model_copy(update={"spec": spec})
    assert _gpu_share(greedy, 3) == 0.3
    with pytest.raises(InstructorError, match="more than the whole GPU"):
        _gpu_share(greedy, 4)
