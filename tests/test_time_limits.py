"""Time limits that hold under load: CPU time of the worker, with a wall-clock backstop."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.budget import Budget, Spent
from grader.cputime import TreeClock
from grader.errors import SpecError, WorkerTimeout
from grader.grade import grade
from grader.models import SubmissionResult
from grader.protocol import WorkerLimits
from grader.remote import SubmissionHandle, SubmissionSession
from grader.spec import load_spec
from grader.supervisor import WorkerConfig, prepare_runtime
from grader.worker.cells import run_units
from tests.toycourse import make_course, solution

STUDENT = """
import os, time

def burn(seconds):
    # busy for `seconds` of this process's CPU time, however long that takes on the clock
    start = time.process_time()
    n = 0
    while time.process_time() - start < seconds:
        n += 1
    return n

def spin():
    while True:
        pass

def nap():
    time.sleep(1e9)

def burn_in_child(seconds):
    pid = os.fork()
    if pid == 0:
        burn(seconds)
        os._exit(0)
    os.waitpid(pid, 0)
    return 1
"""

BUSY = "import time\nend = time.monotonic() + 60\nwhile time.monotonic() < end:\n    pass\n"


def session_for(
    tmp_path: Path, threads: int = 1, wall_factor: float = 3.0, submission_seconds: float = 60
) -> SubmissionSession:
    work = tmp_path / "sub"
    work.mkdir(exist_ok=True)
    (work / "nn.py").write_text(STUDENT)
    config = WorkerConfig(
        workdir=work,
        limits=WorkerLimits(memory_mb=1024),
        output_path=tmp_path / "out.txt",
        runtime_dir=prepare_runtime(tmp_path / "runtime"),
        threads=threads,
    )
    return SubmissionSession(
        config,
        ["nn"],
        import_seconds=20,
        submission_seconds=submission_seconds,
        wall_factor=wall_factor,
    )


@contextlib.contextmanager
def busy_cores() -> Iterator[int]:
    """Two busy processes per core, each in its own session (so its own scheduling group),
    each ending by itself within a minute and killed on the way out whatever happens."""
    count = min(64, 2 * len(os.sched_getaffinity(0)))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(max(4, count)):
            procs.append(
                subprocess.Popen([sys.executable, "-c", BUSY], start_new_session=True)  # noqa: S603
            )
        yield len(procs)
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait(timeout=30)


def test_endless_loop_is_stopped_by_the_cpu_limit(tmp_path: Path) -> None:
    """Is `while True: pass` stopped once it has used the check's CPU seconds, and told so?"""
    s = session_for(tmp_path)
    try:
        s.begin_check(1)
        with pytest.raises(WorkerTimeout, match="used 1 s of CPU time, this check's time limit"):
            SubmissionHandle(s).nn.spin()
        spent = s.end_check()
        assert 1.0 <= spent.cpu_s < 2.0
    finally:
        s.close()


def test_sleep_is_stopped_by_the_wall_clock_backstop(tmp_path: Path) -> None:
    """Is a call that sleeps (no CPU used) stopped at wall_factor x the limit, and told so?"""
    s = session_for(tmp_path, wall_factor=2)
    try:
        s.begin_check(0.5)
        started = time.monotonic()
        with pytest.raises(WorkerTimeout, match="ran for 1 s of wall-clock time without finishing"):
            SubmissionHandle(s).nn.nap()
        took = time.monotonic() - started
        spent = s.end_check()
        assert 1.0 <= took < 5.0  # the 4 x ceiling on excused queueing bounds it even under load
        assert spent.cpu_s < 0.5 and spent.wall_s >= 1.0
    finally:
        s.close()


def test_a_child_process_counts(tmp_path: Path) -> None:
    """Is CPU time used by a process the student forks (inside the sandbox's PID namespace)
    charged to the check?"""
    s = session_for(tmp_path)
    try:
        s.begin_check(1)
        with pytest.raises(WorkerTimeout, match="of CPU time"):
            SubmissionHandle(s).nn.burn_in_child(30)
    finally:
        s.close()


def test_the_limit_is_per_thread_the_worker_may_use(tmp_path: Path) -> None:
    """With 2 threads, does a 0.5 s limit allow 1 s of CPU time, and does the message say so?"""
    s = session_for(tmp_path, threads=2)
    try:
        s.begin_check(0.5)
        assert SubmissionHandle(s).nn.burn(0.7) > 0
        s.end_check()
        s.begin_check(0.5)
        with pytest.raises(WorkerTimeout, match=r"used 1 s of CPU time \(0.5 s on each of the 2"):
            SubmissionHandle(s).nn.spin()
    finally:
        s.close()


def test_tree_clock_reads_a_hostile_name_and_reaped_children() -> None:
    """Does the /proc reading survive a process name like ") R 1 1" and count a child's CPU
    time once the child is reaped?"""
    code = (
        "import ctypes, os, sys, time\n"
        "ctypes.CDLL(None).prctl(15, b') R 1 1 1 1', 0, 0, 0)\n"
        "def burn(s):\n"
        "    t = time.process_time()\n"
        "    while time.process_time() - t < s:\n"
        "        pass\n"
        "if os.fork() == 0:\n"
        "    burn(0.3)\n"
        "    os._exit(0)\n"
        "os.wait()\n"
        "burn(0.2)\n"
        "print('done', flush=True)\n"
        "time.sleep(30)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)  # noqa: S603
    try:
        assert proc.stdout is not None and proc.stdout.readline() == b"done\n"
        assert 0.45 <= TreeClock(proc.pid).read().cpu_s < 1.0
    finally:
        proc.kill()
        proc.wait()


def test_budget_words_name_the_limit() -> None:
    """Do the two timeout messages say which limit was hit and how to read it?"""
    budget = Budget(90, threads=1, wall_factor=3)
    assert budget.words("cpu") == "used 90 s of CPU time, this check's time limit"
    assert budget.words("wall").startswith("ran for 270 s of wall-clock time without finishing")
    budget.charge(Spent(cpu_s=10, wall_s=280, queued_s=20))
    assert budget.spent_by() is None  # 260 s counted: time queued for a core is excused
    budget.charge(Spent(cpu_s=80))
    assert budget.spent_by() == "cpu"


def test_a_wall_factor_below_one_is_refused(tmp_path: Path) -> None:
    """Does a backstop shorter than the limit fail the spec, naming the file and the field?"""
    course = make_course(tmp_path / "course")
    spec = course / "assignments/toy/assignment.toml"
    spec.write_text(spec.read_text().replace("check_seconds = 3", "wall_factor = 0.5"))
    with pytest.raises(
        SpecError, match=r"assignment.toml(.|\n)*limits.wall_factor: .*greater than or equal to 1"
    ):
        load_spec(spec)


def test_a_cell_is_stopped_by_cpu_or_by_the_clock(tmp_path: Path) -> None:
    """In a notebook, is an endless loop stopped on CPU time and a sleep on the wall clock,
    each with its own words, and does the next cell still run?"""
    path = tmp_path / "nb_cells_probe.py"
    path.write_text("while True:\n    pass\nimport time\ntime.sleep(1e9)\nDONE = 1\n")
    units = [[1, 2, "cell 1"], [3, 4, "cell 2"], [5, 5, "cell 3"]]
    try:
        module, problems = run_units(
            str(path), ["nb_cells_probe"], units, 0.3, lambda e: {}, wall_factor=2
        )
    finally:
        sys.modules.pop("nb_cells_probe", None)
    assert [p["label"] for p in problems] == ["cell 1", "cell 2"]
    assert "used 0.3 s of CPU time, the limit for a cell" in problems[0]["message"]
    assert "ran for 0.6 s of wall-clock time" in problems[1]["message"]
    assert module.DONE == 1


OVERSLEPT = '''import time

from grader.checks import expect


def test_scale_public(submission, reference, rng):
    """scale(x, k) must multiply every entry by k."""
    x = rng.standard_normal(4)
    time.sleep(1.0)  # the trusted side's own slow work, e.g. computing expected values
    expect.close(submission.ops.scale(x, 3.0), reference.ops.scale(x, 3.0), what="scale(x, 3)")
'''


def test_trusted_side_time_is_not_charged_and_result_json_has_both_figures(
    tmp_path: Path,
) -> None:
    """Does a check whose trusted side sleeps past the limit still pass, and does result.json
    give each check its worker CPU and wall seconds?"""
    course = make_course(tmp_path / "course")
    spec = course / "assignments/toy/assignment.toml"
    spec.write_text(
        spec.read_text().replace("check_seconds = 3", "check_seconds = 0.3\nwall_factor = 2")
    )
    (course / "assignments/toy/checks/public/test_public.py").write_text(OVERSLEPT)
    (tmp_path / "subs/ann").mkdir(parents=True)
    (tmp_path / "subs/ann/ops.py").write_text(solution())
    grade(course, "toy", tmp_path / "subs", tmp_path / "out", seed=1)
    text = (tmp_path / "out/ann/result.json").read_text()
    raw = json.loads(text)["checks"]
    assert all(isinstance(c["cpu_s"], float) and isinstance(c["wall_s"], float) for c in raw)
    checks = {c.name: c for c in SubmissionResult.model_validate_json(text).checks}
    public = checks["test_scale_public"]
    assert public.status == "passed", public.message
    assert public.duration_s >= 1.0  # the check took that long, but the worker only:
    assert public.wall_s < 0.6 and public.cpu_s < 0.3


@pytest.mark.slow
def test_cpu_bound_check_under_load_is_not_timed_out(tmp_path: Path) -> None:
    """With two busy processes per core, does a check that needs 1 s of CPU pass its 1.5 s
    limit though it takes well over 1.5 s on the clock, while an endless loop is still
    stopped by the CPU limit (not the backstop)?"""
    s = session_for(tmp_path)
    try:
        s.begin_check(1.5)
        SubmissionHandle(s).nn.burn(0.01)  # the worker is started and imported before the load
        s.end_check()
        with busy_cores():
            time.sleep(0.5)  # let the busy processes get going
            s.begin_check(1.5)
            assert SubmissionHandle(s).nn.burn(1.0) > 0
            spent = s.end_check()
            assert spent.wall_s > 1.5, "premise: under load the clock ran past the limit"
            assert spent.cpu_s < 1.5
            s.begin_check(1.0)
            with pytest.raises(WorkerTimeout, match="of CPU time, this check's time limit"):
                SubmissionHandle(s).nn.spin()
    finally:
        s.close()
