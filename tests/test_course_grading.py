"""Grading inside a course: each result carries its lateness, the course gradebook records
every grade, a regrade after a check was fixed logs what changed, and a grader killed
mid-class leaves the gradebook consistent and resumable."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.coursebook.store import Coursebook, summarize
from grader.courserun import course_run
from grader.grade import grade
from grader.models import RunInfo
from tests.toycourse import make_course, solution

COURSE = """
name = "Toy course"

[late]
per_day = 10
grace_minutes = 15
cap_percent = 30

[[assignments]]
id = "toy"
due = 2026-10-05T23:59:00
time_zone = "Europe/Berlin"
points = 10

[[students]]
id = "ontime"
[[students]]
id = "late"
[[students]]
id = "excused"
[[students]]
id = "nosquare"
[[students]]
id = "absent"

[[extensions]]
student = "excused"
assignment = "toy"
days = 3
"""

TIMES = """student,submitted_at
ontime,2026-10-05T20:00:00+02:00
late,2026-10-07T09:30:00+02:00
excused,2026-10-07T09:30:00+02:00
nosquare,2026-10-05T21:00:00+02:00
"""

# the check as first written: on a matrix of ones, sqrt of the row sums passes as well
LENIENT = "x = rng.standard_normal((6, 5))"
ONES = "x = np.ones((6, 5))"
NO_SQUARE = solution({"np.sqrt((x * x).sum(axis=1))": "np.sqrt(x.sum(axis=1))"})


def _course(tmp_path: Path) -> Path:
    root = make_course(tmp_path)
    hidden = root / "assignments/toy/checks/hidden/test_hidden.py"
    hidden.write_text("import numpy as np\n" + hidden.read_text().replace(LENIENT, ONES))
    (root / "course.toml").write_text(COURSE)
    (root / "times.csv").write_text(TIMES)
    for name in ("ontime", "late", "excused"):
        (root / "subs" / name).mkdir(parents=True)
        (root / "subs" / name / "ops.py").write_text(solution())
    (root / "subs" / "nosquare").mkdir()
    (root / "subs" / "nosquare" / "ops.py").write_text(NO_SQUARE)
    return root


def test_grade_in_a_course_records_lateness_and_the_gradebook(tmp_path: Path) -> None:
    root = _course(tmp_path)
    run = course_run(root, submitted_times=root / "times.csv")
    assert run is not None and run.gradebook == (root / "gradebook.sqlite").resolve()
    report = grade(root, "toy", root / "subs", root / "out", seed=1, course_run=run)

    by = {r.student: r for r in report.results}
    assert by["ontime"].late is not None and by["ontime"].late.percent == 0
    assert by["ontime"].final == by["ontime"].awarded == 6
    late = by["late"].late
    assert late is not None and late.percent == 20 and late.source == "manifest"
    assert by["late"].final == pytest.approx(4.8)
    excused = by["excused"].late
    assert excused is not None and excused.percent == 0 and excused.extension == "3 days"
    assert by["nosquare"].final == 6  # the lenient check lets the bug through

    info = RunInfo.model_validate_json((root / "out" / "run.json").read_text())
    assert info.submissions == 4 and info.wall_s > 0 and info.lane_s > 0

    with Coursebook.open(run.gradebook) as book:
        grades = book.grades(run.course)
        rows = {r.student: r for r in grades.rows}
        assert rows["late"].final == pytest.approx(4.8) and rows["late"].late_percent == 20
        assert rows["late"].scaled == pytest.approx(8.0)  # 4.8 of 6 on the course's 10
        assert rows["absent"].status == "missing"
        assert [e.reason for e in book.audit(student="late")] == ["graded"]

    # a fixed check, then a regrade: only the student the fix catches changes
    hidden = root / "assignments/toy/checks/hidden/test_hidden.py"
    hidden.write_text(hidden.read_text().replace(ONES, LENIENT))
    again = grade(
        root,
        "toy",
        root / "subs",
        root / "out",
        seed=1,
        force=True,
        course_run=run,
        reason="regrade",
    )
    assert [(c.student, c.old, c.new) for c in again.changes] == [("nosquare", 6.0, 3.0)]
    assert again.changes[0].checks_changed == ["test_norm_rows"]
    assert "1 student" in summarize(again.changes) and "down" in summarize(again.changes)
    with Coursebook.open(run.gradebook) as book:
        entries = book.audit(student="nosquare")
        assert [e.reason for e in entries] == ["graded", "regrade"]
        assert entries[-1].checks_changed == ["test_norm_rows"]


def test_a_new_submission_time_rewrites_the_result_without_regrading(tmp_path: Path) -> None:
    root = _course(tmp_path)
    first = course_run(root, submitted_times=root / "times.csv")
    grade(root, "toy", root / "subs", root / "out", seed=1, course_run=first)
    (root / "times.csv").write_text(TIMES.replace("2026-10-07T09:30", "2026-10-05T09:30", 1))
    second = course_run(root, submitted_times=root / "times.csv")
    report = grade(root, "toy", root / "subs", root / "out", seed=1, course_run=second)
    by = {r.student: r for r in report.results}
    assert sorted(report.skipped_unchanged) == ["excused", "late", "nosquare", "ontime"]
    assert by["late"].late is not None and by["late"].late.percent == 0
    assert [(c.student, c.old, c.new) for c in report.changes] == [("late", 4.8, 6.0)]


def _consistent(book: Path) -> None:
    """SQLite's own check passes, and no submission row lacks its check rows."""
    conn = sqlite3.connect(book)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        counts = conn.execute(
            "SELECT s.id, s.gradable, COUNT(c.id) FROM submissions s "
            "LEFT JOIN check_results c ON c.submission = s.id GROUP BY s.id"
        ).fetchall()
        for _, gradable, checks in counts:
            assert not gradable or checks == 3, counts
    finally:
        conn.close()


def test_a_grader_killed_mid_class_leaves_the_gradebook_consistent_and_resumable(
    tmp_path: Path,
) -> None:
    root = make_course(tmp_path)
    slow = solution({"return k * x": "import time\n    time.sleep(0.6)\n    return k * x"})
    students = [f"s{i}" for i in range(5)]
    roster = "".join(f'[[students]]\nid = "{s}"\n' for s in students)
    (root / "course.toml").write_text(
        '[[assignments]]\nid = "toy"\ndue = 2030-01-01T00:00:00Z\n' + roster
    )
    for name in students:
        (root / "subs" / name).mkdir(parents=True)
        (root / "subs" / name / "ops.py").write_text(slow)
    cmd = [sys.executable, "-c", "from grader.cli import main; main()"]
    cmd += ["grade", "subs", "-a", "toy", "-o", "out", "--seed", "3"]
    book = root / "gradebook.sqlite"
    proc = subprocess.Popen(
        cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if book.exists() and _recorded(book) >= 2:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # no handler runs: the worst kind of stop
    proc.communicate(timeout=30)
    killed_at = _recorded(book)
    assert 2 <= killed_at < len(students), "the kill should land mid-class"
    _consistent(book)

    again = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    _consistent(book)
    run = course_run(root)
    assert run is not None
    with Coursebook.open(book) as opened:
        rows = opened.grades(run.course).rows
        assert {r.student for r in rows if r.status == "graded"} == set(students)
        assert all(r.final == 6 for r in rows)
        for s in students:  # one "graded" entry each: the resumed run added no second one
            assert [e.reason for e in opened.audit(student=s)] == ["graded"]


def _recorded(book: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{book}?mode=ro", uri=True, timeout=1)
        try:
            return int(conn.execute("SELECT COUNT(*) FROM current").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0
