"""The sandbox each worker enters: limits are named in plain words, the rest of the machine is out of reach."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from grader.errors import SubmissionRaised, WorkerDied
from grader.protocol import WorkerLimits
from grader.remote import SubmissionHandle, SubmissionSession
from grader.supervisor import WorkerConfig, prepare_runtime

REPO = Path(__file__).resolve().parent.parent

STUDENT = """
import os, socket, time

def fork_many(n):
    kids = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        kids.append(pid)
    return len(kids)

def big_file(mb):
    with open("big.bin", "wb") as f:
        f.write(b"x" * (mb * 1024 * 1024))

def fill_disk(mb):
    for i in range(mb):
        with open(f"chunk{i}.bin", "wb") as f:
            f.write(b"x" * (1024 * 1024))

def many_files(n):
    return [open(f"f{i}.txt", "w") for i in range(n)]

def burn():
    while True:
        pass

def read(path):
    with open(path, "rb") as f:
        return f.read(100)

def listdir(path):
    return sorted(os.listdir(path))

def connect(port):
    socket.create_connection(("127.0.0.1", port), timeout=2)

def where():
    return os.getcwd(), os.getpid(), os.getppid()
"""


def session(tmp_path: Path, sandbox: bool = True, **limits: Any) -> SubmissionSession:
    work = tmp_path / "student"
    work.mkdir(exist_ok=True)
    (work / "nn.py").write_text(STUDENT)
    config = WorkerConfig(
        workdir=work,
        limits=WorkerLimits(memory_mb=512, **limits),
        output_path=tmp_path / "out.txt",
        runtime_dir=prepare_runtime(tmp_path / "runtime"),
        sandbox=sandbox,
    )
    s = SubmissionSession(config, ["nn"], import_seconds=20, submission_seconds=60)
    s.begin_check(20)
    return s


@pytest.mark.parametrize(
    "call, limits, words",
    [
        (("fork_many", 100), {"processes": 16}, "more than 16 processes"),
        (("big_file", 40), {"file_size_mb": 8}, "file larger than 8 MB"),
        (("fill_disk", 64), {"disk_mb": 16, "file_size_mb": 64}, "filled its 16 MB of disk space"),
        (("many_files", 200), {"open_files": 64}, "more than 64 files"),
    ],
)
def test_limits_are_named(
    tmp_path: Path, call: tuple[str, int], limits: dict[str, int], words: str
) -> None:
    """Does running into each limit produce a reason that names the limit?"""
    s = session(tmp_path, **limits)
    try:
        with pytest.raises(SubmissionRaised, match=words):
            getattr(SubmissionHandle(s).nn, call[0])(call[1])
    finally:
        s.close()


def test_cpu_time_limit_is_named(tmp_path: Path) -> None:
    s = session(tmp_path, cpu_seconds=1)
    try:
        with pytest.raises(WorkerDied, match="more than its 1 s of CPU time"):
            SubmissionHandle(s).nn.burn()
    finally:
        s.close()


def test_course_folder_and_other_students_are_out_of_reach(tmp_path: Path) -> None:
    """Can the worker read the reference, see the scratch folder, or reach the network? It must not."""
    (tmp_path / "other_student").mkdir()
    (tmp_path / "other_student" / "nn.py").write_text("SECRET = 1\n")
    s = session(tmp_path)
    nn = SubmissionHandle(s).nn
    try:
        for path in (
            REPO / "reference" / "nn_numpy" / "nn.py",
            tmp_path / "other_student" / "nn.py",
        ):
            with pytest.raises(SubmissionRaised, match="(PermissionError|FileNotFoundError)"):
                nn.read(str(path))
        assert nn.listdir(".") == ["nn.py"]
        with pytest.raises(SubmissionRaised, match="(PermissionError|OSError)"):
            nn.connect(22)
        cwd, pid, ppid = nn.where()
        assert (cwd, pid, ppid) == ("/tmp/work", 1, 0)  # its own PID namespace: no parent to signal
        assert any("Landlock" in m for m in s.isolation) and any(
            "namespaces" in m for m in s.isolation
        )
    finally:
        s.close()


def test_without_sandbox_the_worker_says_so(tmp_path: Path) -> None:
    s = session(tmp_path, sandbox=False)
    try:
        SubmissionHandle(s).nn.where()
        assert s.isolation == ["NO SANDBOX: turned off by the instructor"]
    finally:
        s.close()


@pytest.mark.slow
def test_warm_parent_has_torch_but_no_cuda(tmp_path: Path) -> None:
    """Is torch already imported when the worker starts, with CUDA left uninitialised?"""
    work = tmp_path / "student"
    work.mkdir()
    (work / "nn.py").write_text(
        "import sys\n"
        "WARM = 'torch' in sys.modules and 'torchvision' in sys.modules\n"
        "def report():\n"
        "    import torch\n"
        "    return WARM, torch.cuda.is_initialized()\n"
    )
    config = WorkerConfig(
        workdir=work,
        limits=WorkerLimits(memory_mb=1024),
        output_path=tmp_path / "out.txt",
        runtime_dir=prepare_runtime(tmp_path / "runtime"),
        preload=("numpy", "torch", "torchvision"),
    )
    s = SubmissionSession(config, ["nn"], import_seconds=60, submission_seconds=120)
    s.begin_check(60)
    try:
        assert SubmissionHandle(s).nn.report() == (True, False)
    finally:
        s.close()


@pytest.mark.slow
def test_cold_warm_parent_does_not_eat_the_first_check(tmp_path: Path) -> None:
    """Does a 2 s check pass even when its worker first needs a warm parent that imports torch?"""
    work = tmp_path / "student"
    work.mkdir()
    (work / "nn.py").write_text("def one():\n    return 1\n")
    config = WorkerConfig(
        workdir=work,
        limits=WorkerLimits(memory_mb=1024),
        output_path=tmp_path / "out.txt",
        runtime_dir=prepare_runtime(tmp_path / "fresh-runtime"),  # a new warm parent
        preload=("numpy", "torch", "torchvision"),
    )
    s = SubmissionSession(config, ["nn"], import_seconds=60, submission_seconds=120)
    s.begin_check(2)
    try:
        assert SubmissionHandle(s).nn.one() == 1
    finally:
        s.close()
