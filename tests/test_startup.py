"""Start-up: the CLI imports little, lanes can start early and are ended once idle, and the
isolation probe runs beside the start-up yet is still said before the first result."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.course import load_assignment
from grader.errors import InstructorError
from grader.executors import local
from grader.warm import warm_parents
from tests.clirun import grader
from tests.toycourse import make_course, solution

HEAVY = ("numpy", "torch", "pytest", "grader.lane", "grader.run", "grader.models")


def imported_by(statement: str) -> list[str]:
    """The heavy modules a fresh interpreter has loaded after ``statement``."""
    code = f"{statement}; import sys; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return [m for m in out.stdout.strip().split(",") if m]


def test_the_cli_and_the_local_executor_import_light() -> None:
    assert imported_by("import grader.cli") == []
    assert imported_by("import grader.executors.local") == []


def test_early_lanes_are_taken_by_a_pool_of_their_size() -> None:
    with local.early_lanes(1):
        pool = local._take_early(1)
        assert pool is not None
        assert local._take_early(1) is None  # taken once
        assert pool.submit(sum, [1, 2]).result(timeout=120) == 3
        local._end(pool)
    assert multiprocessing.active_children() == []


def test_early_lanes_of_another_size_or_not_taken_are_ended() -> None:
    with local.early_lanes(2):
        assert len(multiprocessing.active_children()) == 2
        assert local._take_early(1) is None
        assert multiprocessing.active_children() == []
    with local.early_lanes(1):
        assert len(multiprocessing.active_children()) == 1
    assert multiprocessing.active_children() == []


def test_ending_lanes_leaves_the_callers_other_processes_alone() -> None:
    other = multiprocessing.get_context("spawn").Process(target=time.sleep, args=(60,))
    other.start()
    try:
        with local.early_lanes(1):
            assert len(multiprocessing.active_children()) == 2
        assert multiprocessing.active_children() == [other] and other.is_alive()
    finally:
        other.kill()
        other.join()


def test_a_lane_left_busy_by_the_checks_does_not_hold_up_the_end(tmp_path: Path) -> None:
    """A check file that leaves a thread running in its lane: once every result is in, the
    lanes are ended rather than waited for (a lane that cannot exit once hung the run)."""
    course = make_course(tmp_path)
    hidden = course / "assignments/toy/checks/hidden/test_hidden.py"
    hidden.write_text(
        "import threading, time\n"
        "threading.Thread(target=time.sleep, args=(600,), daemon=False).start()\n"
        + hidden.read_text()
    )
    (tmp_path / "subs" / "amy").mkdir(parents=True)
    (tmp_path / "subs" / "amy" / "ops.py").write_text(solution())
    started = time.monotonic()
    proc = grader("grade", "subs", "-a", "toy", "--out", "res", "--seed", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - started < 200
    assert "amy" in proc.stdout and (tmp_path / "res" / "gradebook.csv").is_file()


def test_isolation_is_said_before_the_first_result(tmp_path: Path) -> None:
    make_course(tmp_path)
    (tmp_path / "subs" / "amy").mkdir(parents=True)
    (tmp_path / "subs" / "amy" / "ops.py").write_text(solution())
    proc = grader(
        "grade", "subs", "-a", "toy", "--out", "res", "--no-sandbox", "--jobs", "2", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    said = proc.stderr.index("NO SANDBOX: turned off by the instructor")
    assert proc.stderr.count("WEAKER THAN FULL ISOLATION") == 1
    assert said < proc.stderr.index("amy: ")


def test_the_probe_preloads_nothing(tmp_path: Path) -> None:
    """The probe's warm parent imports none of the assignment's preload (numpy here)."""
    from grader.run import probe_isolation

    material = load_assignment(make_course(tmp_path), "toy")
    assert material.spec.worker.preload == ["numpy"]
    registry = warm_parents()
    registry.close()
    try:
        applied = probe_isolation(material, sandbox=False)
        assert applied == ["NO SANDBOX: turned off by the instructor"]
        parents = list(registry._parents.values())
        assert [p.preloaded for p in parents] == [[]]
        assert [key[1] for key in registry._parents] == [()]
    finally:
        registry.close()


def test_a_failed_probe_raises_when_announced(monkeypatch: pytest.MonkeyPatch) -> None:
    import grader.run
    from grader.cli import IsolationProbe

    def broken(*_: object, **__: object) -> list[str]:
        raise InstructorError("the warm worker parent did not start")

    monkeypatch.setattr(grader.run, "probe_isolation", broken)
    probe = IsolationProbe(None, True)  # type: ignore[arg-type]
    with pytest.raises(InstructorError, match="did not start"):
        probe.announce()
    probe.announce()  # said once: the error is not raised again


def test_the_probe_is_announced_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import grader.run
    from grader.cli import IsolationProbe

    monkeypatch.setattr(grader.run, "probe_isolation", lambda *_, **__: ["WEAKER: no Landlock"])
    probe = IsolationProbe(None, True)  # type: ignore[arg-type]
    probe.announce()
    probe.announce()
    err = capsys.readouterr().err
    assert err.count("WEAKER THAN FULL ISOLATION") == 1 and err.count("no Landlock") == 1


def test_the_runtime_folder_holds_whole_modules_only(tmp_path: Path) -> None:
    """Lanes share the worker's runtime folder: each module is copied whole, and nothing
    half-copied is left beside them."""
    from grader.warm import prepare_runtime
    from grader.worker.manifest import worker_files

    folder = prepare_runtime(tmp_path / "runtime")
    assert prepare_runtime(folder) == folder  # the next lane finds it ready
    copied = sorted(
        p.relative_to(folder / "grader").as_posix() for p in folder.rglob("*") if p.is_file()
    )
    assert copied == sorted(worker_files())
    source = Path(local.__file__).resolve().parents[1] / "worker" / "serve.py"
    assert (folder / "grader" / "worker" / "serve.py").read_bytes() == source.read_bytes()
