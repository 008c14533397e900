"""The course commands as an instructor runs them: grade with a course file, override, regrade,
export for the LMS, the course page; and the messages when something is missing."""

from __future__ import annotations

import csv
from pathlib import Path

from grader.coursebook.store import Coursebook
from grader.coursecli import LMS_EXPORTS
from grader.lmsexport import EXPORTS
from tests.clirun import grader
from tests.test_course_grading import _course


def test_every_lms_export_has_a_command() -> None:
    assert list(LMS_EXPORTS) == list(EXPORTS)


def test_a_course_from_grading_to_the_lms(tmp_path: Path) -> None:
    root = _course(tmp_path)
    with (root / "times.csv").open("a") as times:
        times.write("zed,2026-10-05T20:00:00+02:00\n")  # no such submission
    graded = grader(
        "grade",
        "subs",
        "-a",
        "toy",
        "-o",
        "out",
        "--seed",
        "1",
        "--submitted-at",
        "times.csv",
        cwd=root,
    )
    assert graded.returncode == 0, graded.stderr
    assert "late: late: 2 days late: -20% (10% a day, capped at 30%); 6 -> 4.8" in graded.stdout
    assert "course gradebook:" in graded.stdout and "(1 late)" in graded.stdout
    assert "submission times given for students with no submission: zed" in graded.stdout

    overridden = grader(
        "override",
        "-a",
        "toy",
        "-s",
        "nosquare",
        "--points",
        "5.5",
        "--reason",
        "derivation shown in office hours",
        cwd=root,
    )
    assert overridden.returncode == 0, overridden.stderr
    assert "nosquare on toy: 6 -> 5.5 (override: derivation shown in office hours)" in (
        overridden.stdout
    )

    again = grader("regrade", "-a", "toy", cwd=root)
    assert again.returncode == 0, again.stderr
    assert "regraded 4 submissions of toy (seed 1)" in again.stdout
    assert "no score changed" in again.stdout

    exported = grader("export", "canvas", "-o", "canvas.csv", cwd=root)
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.reader((root / "canvas.csv").open(encoding="utf-8")))
    heading = rows[0]
    toy = heading.index(next(h for h in heading if h.startswith("Toy assignment")))
    scores = {row[heading.index("SIS Login ID")]: row[toy] for row in rows[2:]}
    # on the course's 10 points: 6/6 -> 10, 4.8/6 -> 8, the override 5.5/6 -> 9.17, absent: empty
    assert scores["ontime"] == "10" and scores["late"] == "8"
    assert scores["nosquare"].startswith("9.1") and scores["absent"] == ""

    page = grader("course-page", "-o", "course.html", cwd=root)
    assert page.returncode == 0, page.stderr
    html = (root / "course.html").read_text(encoding="utf-8")
    assert 'href="out/late/feedback.html"' in html and "Toy course" in html


def test_course_commands_say_what_is_missing(tmp_path: Path) -> None:
    root = _course(tmp_path)
    (root / "course.toml").rename(root / "elsewhere.toml")
    nofile = grader("regrade", "-a", "toy", cwd=root)
    assert nofile.returncode == 2
    assert "no course file" in nofile.stderr and "--course-file" in nofile.stderr

    nobook = grader("regrade", "-a", "toy", "--course-file", "elsewhere.toml", cwd=root)
    assert nobook.returncode == 2 and "no course gradebook there yet" in nobook.stderr

    Coursebook.open(root / "gradebook.sqlite").close()  # a gradebook, with nothing graded
    nothing = grader("regrade", "-a", "toy", "--course-file", "elsewhere.toml", cwd=root)
    assert nothing.returncode == 2
    assert "no grading of 'toy' is recorded" in nothing.stderr

    both = grader(
        "override",
        "-a",
        "toy",
        "-s",
        "late",
        "--reason",
        "x",
        "--course-file",
        "elsewhere.toml",
        cwd=root,
    )
    assert both.returncode == 2 and "give --points P" in both.stderr

    typo = grader("export", "canvas", "-a", "tyo", "--course-file", "elsewhere.toml", cwd=root)
    assert typo.returncode == 2 and "toy" in typo.stderr


def test_reading_commands_do_not_create_a_gradebook(tmp_path: Path) -> None:
    root = _course(tmp_path)
    page = grader("course-page", "-o", "course.html", cwd=root)
    assert page.returncode == 2 and "no course gradebook there yet" in page.stderr
    assert not (root / "gradebook.sqlite").exists() and not (root / "course.html").exists()
