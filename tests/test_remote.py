"""The worker and the handles checks hold: values cross by value, faults become named reasons."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from grader.errors import ImportFailed, SubmissionRaised, WorkerDied, WorkerTimeout
from grader.protocol import WorkerLimits
from grader.remote import Remote, SubmissionHandle, SubmissionSession
from grader.supervisor import WorkerConfig, prepare_runtime

STUDENT = """
import os, sys
import numpy as np

def add(a, b):
    return a + b

def fill(params, name):
    params["W" + name] = np.ones((2, 3))

class Model:
    def __init__(self, n):
        self.w = np.zeros(n)
    def step(self, lr):
        self.w += lr
        return self.w

def boom():
    return helper()

def helper():
    raise ValueError("shapes (2,) and (3,) differ")

def spin():
    while True:
        pass

def leave():
    sys.exit(0)

def vanish():
    os._exit(3)

def segfault():
    import ctypes
    ctypes.string_at(0)

def hog():
    return np.ones((40_000, 40_000))

def apply(f, x):
    return f(x)

def double(x):
    return 2 * x
"""


def session_for(tmp_path: Path, source: str = STUDENT, **limits: float) -> SubmissionSession:
    work = tmp_path / "sub"
    work.mkdir(exist_ok=True)
    (work / "nn.py").write_text(source)
    config = WorkerConfig(
        workdir=work,
        limits=WorkerLimits(memory_mb=1024),
        output_path=tmp_path / "out.txt",
        runtime_dir=prepare_runtime(tmp_path / "runtime"),
    )
    return SubmissionSession(
        config,
        ["nn"],
        import_seconds=limits.get("import_seconds", 10),
        submission_seconds=limits.get("submission_seconds", 60),
    )


@pytest.fixture
def session(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = session_for(tmp_path)
    s.begin_check(5)
    yield s
    s.close()


def test_arrays_cross_by_value(session: SubmissionSession) -> None:
    """Does a call return a fresh numpy array with the student's result?"""
    nn = SubmissionHandle(session).nn
    got = nn.add(np.arange(3.0), np.ones(3))
    assert isinstance(got, np.ndarray)
    np.testing.assert_array_equal(got, [1.0, 2.0, 3.0])


def test_put_lets_the_student_mutate_a_dict(session: SubmissionSession) -> None:
    """Is an in-place update of a put() dict visible through the handle?"""
    sub = SubmissionHandle(session)
    params = sub.put({})
    sub.nn.fill(params, "a")
    assert params["Wa"].shape == (2, 3)
    assert set(params.fetch()) == {"Wa"}
    params["x"] = np.zeros(1)
    assert set(params.fetch()) == {"Wa", "x"}


def test_objects_stay_behind_handles(session: SubmissionSession) -> None:
    """Does an object that is not plain data come back as a Remote that can be used?"""
    model = SubmissionHandle(session).nn.Model(3)
    assert isinstance(model, Remote)
    np.testing.assert_array_equal(model.step(0.5), [0.5, 0.5, 0.5])
    model.w = np.ones(3)
    np.testing.assert_array_equal(model.w.fetch(), np.ones(3))


def test_remote_functions_can_be_passed_as_arguments(session: SubmissionSession) -> None:
    nn = SubmissionHandle(session).nn
    assert nn.apply(nn.double, 21) == 42


def test_student_exception_has_trimmed_traceback(session: SubmissionSession) -> None:
    """Does a student's exception name the function and keep only the student's frames?"""
    with pytest.raises(SubmissionRaised, match=r"nn.boom\(...\) raised ValueError: shapes") as info:
        SubmissionHandle(session).nn.boom()
    tb = info.value.student_traceback
    assert 'File "nn.py"' in tb and "in helper" in tb
    assert "grader" not in tb and "serve.py" not in tb


def test_endless_loop_times_out_and_next_call_works(session: SubmissionSession) -> None:
    """Is a hung call stopped at the check's limit, and is the next check served by a fresh worker?"""
    session.begin_check(1)
    started = time.monotonic()
    with pytest.raises(WorkerTimeout, match="used 1 s of CPU time, this check's time limit"):
        SubmissionHandle(session).nn.spin()
    assert time.monotonic() - started < 5
    session.begin_check(5)
    assert SubmissionHandle(session).nn.add(1, 2) == 3
    assert session.workers_started == 2


def test_sys_exit_is_reported_and_worker_survives(session: SubmissionSession) -> None:
    with pytest.raises(SubmissionRaised, match=r"called sys.exit\(0\)"):
        SubmissionHandle(session).nn.leave()
    assert SubmissionHandle(session).nn.add(1, 1) == 2
    assert session.workers_started == 1


@pytest.mark.parametrize(
    "fn, words", [("vanish", "exited with code 3"), ("segfault", "segmentation fault")]
)
def test_worker_death_is_named(session: SubmissionSession, fn: str, words: str) -> None:
    """Is a dead worker described in plain words, and replaced for the next call?"""
    with pytest.raises(WorkerDied, match=words):
        getattr(SubmissionHandle(session).nn, fn)()
    assert SubmissionHandle(session).nn.add(2, 2) == 4


def test_memory_limit_is_named(session: SubmissionSession) -> None:
    with pytest.raises(SubmissionRaised, match="used more than 1024 MB of memory"):
        SubmissionHandle(session).nn.hog()


def test_import_failure_is_remembered(tmp_path: Path) -> None:
    """Does an import error fail every later call at once, with the student's line?"""
    s = session_for(tmp_path, "x = 1\nraise RuntimeError('no data file')\n")
    try:
        for _ in range(2):
            with pytest.raises(
                ImportFailed, match="importing nn.py raised RuntimeError: no data file"
            ) as info:
                SubmissionHandle(s).nn.add(1, 2)
        assert "line 2" in info.value.student_traceback
        assert (
            "frozen" not in info.value.student_traceback
        )  # importlib's frames are not the student's
        assert s.workers_started == 1
    finally:
        s.close()


def test_slow_import_is_stopped(tmp_path: Path) -> None:
    s = session_for(tmp_path, "while True:\n    pass\n", import_seconds=1)
    try:
        with pytest.raises(ImportFailed, match="used 1 s of CPU time, the import's time limit"):
            SubmissionHandle(s).nn.add(1, 2)
    finally:
        s.close()


def test_exit_at_import_is_reported(tmp_path: Path) -> None:
    s = session_for(tmp_path, "import os\nos._exit(0)\n")
    try:
        with pytest.raises(ImportFailed, match="exited with code 0.*while importing nn.py"):
            SubmissionHandle(s).nn.add(1, 2)
    finally:
        s.close()


def test_submission_budget_stops_later_checks(tmp_path: Path) -> None:
    """Once the whole submission's time is spent, are the remaining calls refused at once?"""
    s = session_for(tmp_path, submission_seconds=1.5)
    try:
        s.begin_check(10)
        with pytest.raises(WorkerTimeout, match="the whole submission used 1.5 s of CPU time"):
            SubmissionHandle(s).nn.spin()
        started = time.monotonic()
        with pytest.raises(WorkerTimeout, match="not run"):
            SubmissionHandle(s).nn.add(1, 2)
        assert time.monotonic() - started < 0.5
    finally:
        s.close()


def test_worker_cannot_import_the_reference_or_the_checks(tmp_path: Path) -> None:
    """Is the course folder (reference/, assignments/) off the worker's import path?"""
    probe = (
        "import importlib.util, sys\n"
        "def probe():\n"
        "    return [n for n in ['reference', 'assignments', 'tests'] if importlib.util.find_spec(n)]\n"
        "def path():\n"
        "    return list(sys.path)\n"
    )
    s = session_for(tmp_path, probe)
    try:
        s.begin_check(10)
        nn = SubmissionHandle(s).nn
        repo = str(Path(__file__).resolve().parent.parent)
        assert repo not in nn.path()
        assert nn.probe() == []
    finally:
        s.close()


def test_objects_are_named_after_the_call_that_made_them(session: SubmissionSession) -> None:
    """Does a message about a remote object say where it came from, not '<object 7>'?"""
    model = SubmissionHandle(session).nn.Model(3)
    with pytest.raises(
        SubmissionRaised, match=r"nn\.Model\(\.\.\.\)\.nope\(\.\.\.\) raised AttributeError"
    ):
        model.nope()
