"""Objects a check makes in the worker are let go when the check ends: a submission's worker
does not grow with every check, and the module handles survive."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.errors import MaterialError
from grader.protocol import WorkerLimits
from grader.remote import SubmissionHandle, SubmissionSession
from grader.supervisor import WorkerConfig, prepare_runtime

STUDENT = """
class Blob:
    def __init__(self, mb):
        self.data = bytearray(mb * 1024 * 1024)

def blob(mb):
    return Blob(mb)

def count():
    import gc
    return sum(type(o).__name__ == "Blob" for o in gc.get_objects())
"""


def _session(tmp_path: Path) -> SubmissionSession:
    work = tmp_path / "student"
    work.mkdir()
    (work / "nn.py").write_text(STUDENT)
    config = WorkerConfig(
        workdir=work,
        limits=WorkerLimits(memory_mb=400),
        output_path=tmp_path / "out.txt",
        runtime_dir=prepare_runtime(tmp_path / "runtime"),
    )
    return SubmissionSession(config, ["nn"], import_seconds=30, submission_seconds=120)


def test_each_checks_objects_are_released_when_it_ends(tmp_path: Path) -> None:
    session = _session(tmp_path)
    try:
        for _ in range(8):  # 8 x 100 MB would be twice the worker's 400 MB
            session.begin_check(30)
            nn = SubmissionHandle(session).nn
            blob = nn.blob(100)
            assert nn.count() == 1
            session.end_check()
        session.begin_check(30)
        assert SubmissionHandle(session).nn.count() == 0
        with pytest.raises(MaterialError, match="made by an earlier check"):
            blob.data.fetch()  # a handle lives for one check: the check's author erred
        session.end_check()
        assert session.workers_started == 1
    finally:
        session.close()
