"""Grade the class with each tool, timed, and read back every student's score.

- nbgrader: ``nbgrader generate_assignment`` (set-up, not timed), then one timed
  ``nbgrader autograde``; scores from ``nbgrader export``'s ``grades.csv``. It grades the
  notebooks one after the other and writes each autograded notebook when done with it, so
  the gaps between those files' modification times give each notebook's seconds.
- Otter: ``otter assign`` (set-up, not timed), then one timed ``otter run`` per notebook (no
  Docker); scores from each ``results.json``. ``otter run`` has no time limit of its own, so
  a run still going after ``OTTER_SUBMISSION_S`` is killed with its kernel, and scores 0.
- ours: ``grader grade`` (our CLI, in a subprocess) with ``--jobs N``; scores and seconds from
  each ``result.json``.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from bench.compare_anchors.anchors_env import AnchorEnv
from bench.compare_anchors.assignment import ASSIGNMENT, NOTEBOOK, OTTER_SUBMISSION_S
from bench.compare_anchors.forms import (
    make_nbgrader_course,
    make_otter_master,
    write_nbgrader_submissions,
    write_otter_submissions,
    write_our_submissions,
)
from bench.compare_anchors.students import Student


class ToolRun(BaseModel):
    """One tool's grading of the class."""

    model_config = ConfigDict(extra="forbid")

    tool: str
    jobs: int = 1  # submissions graded at once
    students: list[str]
    wall_s: float  # the timed grading command(s), start to end
    scores: dict[str, float]  # student -> points; a student missing here got no result
    seconds: dict[str, float] = {}  # student -> seconds spent on that notebook, where known
    timeouts: dict[str, str] = {}  # student -> what the tool did with a test that ran on
    setup_s: float = 0.0  # generate_assignment / otter assign: not part of wall_s


def run(cmd: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> float:
    """Run ``cmd`` to completion, output to ``log``; its seconds. Fails loudly."""
    started = time.perf_counter()
    with log.open("w") as out:
        done = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise SystemExit(f"`{' '.join(cmd)}` failed with exit {done.returncode}; see {log}")
    return time.perf_counter() - started


def kill_tree(pid: int) -> None:
    """SIGKILL ``pid`` and every process below it, found through /proc (Linux): a Jupyter
    kernel runs in a session of its own, so killing a process group would miss it."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    todo, found = [pid], []
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    for victim in found:
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass


# -- nbgrader ---------------------------------------------------------------------------------


def grade_nbgrader(anchors: AnchorEnv, work: Path, students: list[Student]) -> ToolRun:
    """``nbgrader autograde`` over the class; the set-up steps are not timed."""
    env = anchors.environ(work)
    course = make_nbgrader_course(work)
    logs = work / "logs"
    setup = run(
        ["nbgrader", "generate_assignment", ASSIGNMENT, "--force"],
        cwd=course,
        env=env,
        log=logs / "nbgrader-generate.log",
    )
    write_nbgrader_submissions(course, students)
    started = time.time()
    wall = run(
        ["nbgrader", "autograde", ASSIGNMENT, "--force"],
        cwd=course,
        env=env,
        log=logs / "nbgrader-autograde.log",
    )
    run(["nbgrader", "export"], cwd=course, env=env, log=logs / "nbgrader-export.log")
    with (course / "grades.csv").open(newline="") as f:
        scores = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(f)}
    names = [s.name for s in students]
    return ToolRun(
        tool="nbgrader autograde",
        students=names,
        wall_s=wall,
        scores=scores,
        seconds=_gaps(course, names, started),
        timeouts=_nbgrader_timeouts(course, names),
        setup_s=setup,
    )


def _gaps(course: Path, names: list[str], started: float) -> dict[str, float]:
    """Seconds per notebook: the gaps between the autograded notebooks' write times."""
    written = {
        name: (course / "autograded" / name / ASSIGNMENT / NOTEBOOK).stat().st_mtime
        for name in names
        if (course / "autograded" / name / ASSIGNMENT / NOTEBOOK).is_file()
    }
    seconds, previous = {}, started
    for name, when in sorted(written.items(), key=lambda item: item[1]):
        seconds[name], previous = when - previous, when
    return seconds


def _nbgrader_timeouts(course: Path, names: list[str]) -> dict[str, str]:
    """Students whose autograded notebook holds a timed-out cell, with how many."""
    found = {}
    for name in names:
        path = course / "autograded" / name / ASSIGNMENT / NOTEBOOK
        if not path.is_file():
            continue
        cells = json.loads(path.read_text("utf-8"))["cells"]
        timed_out = sum(
            any(
                o.get("output_type") == "error" and "Timeout" in o.get("ename", "")
                for o in cell.get("outputs", [])
            )
            for cell in cells
        )
        if timed_out:
            found[name] = f"{timed_out} test cell(s) interrupted"
    return found


# -- Otter ------------------------------------------------------------------------------------


def grade_otter(anchors: AnchorEnv, work: Path, students: list[Student]) -> ToolRun:
    """``otter run`` per notebook, one after the other; ``otter assign`` is not timed."""
    env = anchors.environ(work)
    master = make_otter_master(work)
    dist = master.parent.parent / "dist"
    logs = work / "logs"
    setup = run(
        ["otter", "assign", master.name, str(dist)],
        cwd=master.parent,
        env=env,
        log=logs / "otter-assign.log",
    )
    (zipped,) = (dist / "autograder").glob("*-autograder_*.zip")
    subs, out = work / "otter" / "submissions", work / "otter" / "results"
    write_otter_submissions(dist / "student" / NOTEBOOK, subs, students)
    scores: dict[str, float] = {}
    seconds: dict[str, float] = {}
    timeouts: dict[str, str] = {}
    for student in students:
        (out / student.name).mkdir(parents=True)
        cmd = ["otter", "run", "-a", str(zipped), "-o", str(out / student.name)]
        cmd.append(str(subs / student.name / NOTEBOOK))
        log = logs / f"otter-run-{student.name}.log"
        seconds[student.name], finished = _run_limited(cmd, env, log, OTTER_SUBMISSION_S)
        if not finished:
            timeouts[student.name] = "no time limit without Docker; killed by the benchmark"
            continue
        result = out / student.name / "results.json"
        if result.is_file():
            tests = json.loads(result.read_text("utf-8"))["tests"]
            scores[student.name] = float(sum(t.get("score") or 0 for t in tests))
    return ToolRun(
        tool="otter run (no Docker)",
        students=[s.name for s in students],
        wall_s=sum(seconds.values()),
        scores=scores,
        seconds=seconds,
        timeouts=timeouts,
        setup_s=setup,
    )


def _run_limited(
    cmd: list[str], env: dict[str, str], log: Path, limit: float
) -> tuple[float, bool]:
    """Run ``cmd`` for at most ``limit`` seconds; (seconds, whether it finished)."""
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            proc.wait(timeout=limit)
            return time.perf_counter() - started, True
        except subprocess.TimeoutExpired:
            kill_tree(proc.pid)
            proc.wait()
            return time.perf_counter() - started, False


# -- ours -------------------------------------------------------------------------------------


def grade_ours(
    course: Path, work: Path, students: list[Student], *, jobs: int, label: str = ""
) -> ToolRun:
    """``grader grade --jobs N`` over the class's notebooks, in a subprocess."""
    subs = work / f"ours-submissions{label}"
    if not subs.is_dir():
        write_our_submissions(subs, students)
    out = work / f"ours-results{label}-jobs{jobs}"
    grader = Path(sys.executable).with_name("grader")
    cmd = [str(grader), "grade", str(subs), "--assignment", ASSIGNMENT, "--course", str(course)]
    cmd += ["--out", str(out), "--jobs", str(jobs), "--seed", "0", "--force"]
    wall = run(
        cmd, cwd=work, env=dict(os.environ), log=work / "logs" / f"ours{label}-jobs{jobs}.log"
    )
    scores, seconds, timeouts = {}, {}, {}
    for student in students:
        path = out / student.name / "result.json"
        if not path.is_file():
            continue
        result = json.loads(path.read_text("utf-8"))
        scores[student.name] = float(result["score"]) if result["gradable"] else 0.0
        seconds[student.name] = float(result["duration_s"])
        timed_out = [c["name"] for c in result["checks"] if c["status"] == "timeout"]
        if timed_out:
            timeouts[student.name] = f"{len(timed_out)} check(s) timed out"
    return ToolRun(
        tool=f"grader grade --jobs {jobs}",
        jobs=jobs,
        students=[s.name for s in students],
        wall_s=wall,
        scores=scores,
        seconds=seconds,
        timeouts=timeouts,
    )
