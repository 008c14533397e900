"""Each check's result is on disk as soon as it finishes, and an interrupted run resumes
from the checks it finished, with the same seed, instead of starting the submission over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.grade import grade
from grader.models import CheckOutcome, SubmissionResult
from grader.progress import (
    PROGRESS_FILE,
    ProgressHeader,
    ProgressWriter,
    read_progress,
    resume,
)
from tests.toycourse import make_course, solution

HEADER = ProgressHeader(assignment="toy", content_hash="abc", seed=5, grader_version="0.1.0")


def _outcome(name: str, status: str = "passed") -> CheckOutcome:
    return CheckOutcome(name=name, visibility="hidden", status=status, fraction=1.0)  # type: ignore[arg-type]


def test_writer_streams_each_outcome_and_a_cut_last_line_is_ignored(tmp_path: Path) -> None:
    writer = ProgressWriter(tmp_path, HEADER, kept=0)
    writer.record(_outcome("test_a"))
    writer.record(_outcome("test_b", "failed"))
    with (tmp_path / PROGRESS_FILE).open("a") as handle:
        handle.write('{"name": "test_c", "visib')  # a run killed mid-write
    header, outcomes = read_progress(tmp_path)
    assert header == HEADER
    assert list(outcomes) == ["test_a", "test_b"]
    assert outcomes["test_b"].status == "failed"
    writer.finish()
    assert not (tmp_path / PROGRESS_FILE).exists()


def test_resume_needs_the_same_submission_and_keeps_the_interrupted_seed(tmp_path: Path) -> None:
    ProgressWriter(tmp_path, HEADER, kept=0).record(_outcome("test_a"))
    # a new run without --seed drew another seed: it takes over the old run's seed and checks
    taken = resume(tmp_path, HEADER.model_copy(update={"seed": 99}), seed_given=False)
    assert taken.seed == 5 and list(taken.outcomes) == ["test_a"]
    # --seed 99 asks for another seed: nothing from seed 5 may be mixed in
    other_seed = resume(tmp_path, HEADER.model_copy(update={"seed": 99}), seed_given=True)
    assert other_seed.seed == 99 and other_seed.outcomes == {}
    # the student handed in again (or the checks changed): start over
    changed = resume(tmp_path, HEADER.model_copy(update={"content_hash": "def"}), seed_given=False)
    assert changed.outcomes == {}
    newer = resume(tmp_path, HEADER.model_copy(update={"grader_version": "0.2"}), seed_given=False)
    assert newer.outcomes == {}


def test_a_new_header_starts_the_file_afresh(tmp_path: Path) -> None:
    ProgressWriter(tmp_path, HEADER, kept=0).record(_outcome("test_a"))
    ProgressWriter(tmp_path, HEADER.model_copy(update={"content_hash": "new"}), kept=0)
    header, outcomes = read_progress(tmp_path)
    assert header is not None and header.content_hash == "new" and outcomes == {}


# norm_rows is the last check to run; it takes long enough to kill the grader during it.
SLOW_NORM = solution(
    {
        "return np.sqrt((x * x).sum(axis=1))": "import time\n"
        "    print('norm_rows started', flush=True)\n"
        "    time.sleep(1.5)\n"
        "    return np.sqrt((x * x).sum(axis=1))"
    }
)


def _env(tmp_path: Path) -> dict[str, str]:
    """The grader's environment, with its scratch folders (and the workers' output) in reach."""
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(tmp_path / "tmp")}


def _norm_rows_started(tmp_path: Path) -> int:
    """How many times a worker has begun norm_rows (it prints a line first)."""
    count = 0
    for folder, _, files in os.walk(tmp_path / "tmp"):  # folders come and go meanwhile
        for name in files:
            if name.endswith(".stdout"):
                try:
                    text = (Path(folder) / name).read_text(errors="replace")
                except OSError:
                    continue
                count += text.count("norm_rows started")
    return count


def _grader(tmp_path: Path) -> list[str]:
    code = "from grader.cli import main; main()"
    return [sys.executable, "-c", code, "grade", "subs", "-a", "toy", "-o", "out", "-j", "1"]


@pytest.mark.slow
def test_a_killed_grader_resumes_at_the_check_it_was_running(tmp_path: Path) -> None:
    """SIGKILL to the whole grader during the last check: the checks before it are on disk;
    the next run keeps them (same seed, same figures) and runs only the last one."""
    make_course(tmp_path)
    (tmp_path / "subs" / "ann").mkdir(parents=True)
    (tmp_path / "subs" / "ann" / "ops.py").write_text(SLOW_NORM)
    progress = tmp_path / "out" / "ann" / PROGRESS_FILE
    proc = subprocess.Popen(
        _grader(tmp_path),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        lines = progress.read_text().splitlines() if progress.exists() else []
        if len(lines) >= 3:  # the header and two checks: norm_rows is running now
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert not (tmp_path / "out" / "ann" / "result.json").exists()
    header, before = read_progress(tmp_path / "out" / "ann")
    assert header is not None and sorted(before) == [
        "test_scale_matches_reference",
        "test_scale_public",
    ]

    again = subprocess.run(
        _grader(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
    )
    assert again.returncode == 0, again.stderr
    result = SubmissionResult.model_validate_json(
        (tmp_path / "out" / "ann" / "result.json").read_text()
    )
    assert result.score == result.max_score == 6
    assert result.seed == header.seed  # one seed for every check of the result
    checks = {c.name: c for c in result.checks}
    for name, outcome in before.items():  # kept as they were, not graded again
        assert checks[name].duration_s == outcome.duration_s
    assert any("2 checks were graded by an earlier run" in n for n in result.notes)
    assert not (tmp_path / "out" / "ann" / PROGRESS_FILE).exists()


def test_a_finished_submission_leaves_no_progress_file(tmp_path: Path) -> None:
    make_course(tmp_path)
    (tmp_path / "subs" / "bo").mkdir(parents=True)
    (tmp_path / "subs" / "bo" / "ops.py").write_text(
        solution({"(x * x).sum(axis=1)": "(x * x).sum(axis=0)"})
    )
    report = grade(tmp_path, "toy", tmp_path / "subs", tmp_path / "out", jobs=1, seed=3)
    result = report.results[0]
    assert result.score == 3
    assert [c.name for c in result.checks if c.status != "passed"] == ["test_norm_rows"]
    assert not (tmp_path / "out" / "bo" / PROGRESS_FILE).exists()
    assert (tmp_path / "out" / "bo" / "result.json").exists()


def _lanes(grader_pid: int) -> list[int]:
    """The grader's lane processes (its spawned multiprocessing children)."""
    try:
        children = Path(f"/proc/{grader_pid}/task/{grader_pid}/children").read_text().split()
    except OSError:
        return []
    lanes = []
    for pid in map(int, children):
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                lanes.append(pid)
        except OSError:
            continue
    return lanes


@pytest.mark.slow
def test_a_lane_that_dies_twice_keeps_the_checks_it_finished(tmp_path: Path) -> None:
    """The lane grading ann is killed during its last check, and its retry too: the result
    keeps the two checks that finished and names the crash for the one that never did."""
    make_course(tmp_path)
    (tmp_path / "subs" / "ann").mkdir(parents=True)
    (tmp_path / "subs" / "ann" / "ops.py").write_text(SLOW_NORM)
    proc = subprocess.Popen(
        _grader(tmp_path),
        cwd=tmp_path,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    killed: list[int] = []
    deadline = time.monotonic() + 180
    while len(killed) < 2 and time.monotonic() < deadline:
        lanes = [p for p in _lanes(proc.pid) if p not in killed]
        if _norm_rows_started(tmp_path) > len(killed) and lanes:  # norm_rows is under way
            os.kill(lanes[0], signal.SIGKILL)
            killed.append(lanes[0])
        time.sleep(0.05)
    out, err = proc.communicate(timeout=120)
    assert len(killed) == 2, (out, err)
    assert proc.returncode == 3, err  # graded, but one submission hit a grader fault
    assert "ann: lane crashed twice" in err
    result = SubmissionResult.model_validate_json(
        (tmp_path / "out" / "ann" / "result.json").read_text()
    )
    assert result.grader_fault == "lane crashed twice"
    status = {c.name: c.status for c in result.checks}
    assert status == {
        "test_scale_public": "passed",
        "test_scale_matches_reference": "passed",
        "test_norm_rows": "crashed",
    }
    assert result.gradable and result.score == 3
    assert any("crashed twice" in n for n in result.notes)
