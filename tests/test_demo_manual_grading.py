"""The demo's questions graded by hand, end to end, as an instructor does it: ``grader grade``
the backprop_torch class with the course file, grade the Technion homework's two derivations
of three students in the browser (headless Chromium), then ``grader release-feedback`` and
``grader export canvas``: the hand grades are in the students' pages and in the import."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from grader.course import load_assignment
from grader.coursebook.store import Coursebook
from grader.coursefile import load_course_file
from grader.serve.server import Server
from tests.clirun import grader
from tests.test_serve_browser import chrome, press, shots, wait_for

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# student -> (keys on Q1, keys on Q2, comment on Q2): Q1 adds rubric items, Q2 takes off
GRADING = {
    "ada": ("123", "", "A clean derivation."),
    "chloe": ("1", "", ""),  # the diagonal only, as in her code's bug
    "dan": ("123", "2", "Check the sign: the loss falls as s_y grows."),  # a sign error
}


@pytest.mark.slow
def test_the_demo_grades_its_derivations_in_the_browser(tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    gradebook, out = tmp_path / "gradebook.sqlite", tmp_path / "results"
    course = ("--course-file", str(EXAMPLES / "course.toml"), "--gradebook", str(gradebook))
    graded = grader(
        "grade", str(EXAMPLES / "backprop_torch" / "submissions"), "-a", "backprop_torch",
        "--out", str(out), "--jobs", "2", "--submitted-at",
        str(EXAMPLES / "backprop_torch" / "submitted_at.csv"), *course, cwd=ROOT,
    )  # fmt: skip
    assert graded.returncode == 0, graded.stderr
    assert "2 question(s) to grade by hand (8 points)" in graded.stdout

    spec = load_assignment(ROOT, "backprop_torch").spec
    server = Server.start(gradebook, spec, tmp_path / "scratch", port=0, grader="demo")
    browser: Any = chrome()
    try:
        base = server.url.split("/?")[0]
        browser.get(server.url)
        for item, column in (("softmax_jacobian", 0), ("cross_entropy_gradient", 1)):
            for student, plan in GRADING.items():
                browser.get(f"{base}/q/{item}/{student}")
                assert browser.find_elements(By.CSS_SELECTOR, "#answer math"), student
                press(browser, plan[column])
                if column == 1 and plan[2]:
                    press(browser, "c")
                    press(browser, plan[2] + Keys.ESCAPE)
                if (item, student) == ("cross_entropy_gradient", "dan"):
                    browser.save_screenshot(str(shots(tmp_path) / "demo-derivation.png"))
                press(browser, Keys.ENTER)
                wait_for(browser, lambda d, s=student: not d.current_url.endswith(f"/{s}"))
    finally:
        browser.quit()
        server.stop()

    with Coursebook.open(gradebook) as book:
        scores = {(g.student, g.item): g.score for g in book.manual_grades("backprop_torch")}
        course_file = load_course_file(EXAMPLES / "course.toml")
        rows = {r.student: r for r in book.grades(course_file, "backprop_torch").rows}
    assert scores == {
        ("ada", "softmax_jacobian"): 4, ("ada", "cross_entropy_gradient"): 4,
        ("chloe", "softmax_jacobian"): 1.5, ("chloe", "cross_entropy_gradient"): 4,
        ("dan", "softmax_jacobian"): 4, ("dan", "cross_entropy_gradient"): 2.5,
    }  # fmt: skip
    assert rows["ada"].status == "graded" and rows["ada"].manual == 8
    assert rows["ben"].status == "needs_manual" and not rows["ben"].has_grade

    released = grader("release-feedback", str(out), str(tmp_path / "handback"), *course, cwd=ROOT)
    assert released.returncode == 0, released.stderr
    assert "questions not graded by hand yet" in released.stdout and "ben" in released.stdout
    dan = (tmp_path / "handback" / "dan" / "feedback.html").read_text()
    assert "Graded by hand" in dan and "Check the sign" in dan and "Sign error" in dan
    assert "still to be graded" not in dan
    assert "still to be graded" in (tmp_path / "handback" / "ben" / "feedback.html").read_text()

    canvas = tmp_path / "canvas.csv"
    exported = grader("export", "canvas", "-o", str(canvas), *course, cwd=ROOT)
    assert exported.returncode == 0, exported.stderr
    table = list(csv.reader(canvas.read_text().splitlines()))
    column = next(i for i, h in enumerate(table[0]) if "(102)" in h)  # backprop_torch's lms_id
    cells = {row[3]: row[column] for row in table[2:]}  # SIS Login ID -> the cell
    assert float(cells["ada"]) == pytest.approx(rows["ada"].scaled)
    ada = rows["ada"]
    assert ada.final == pytest.approx((ada.awarded + 8) * (1 - ada.late_percent / 100))
    assert cells["ben"] == ""  # graded by the checks, not yet by hand: no grade to import
