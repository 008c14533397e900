"""The course page: per-student totals and weighted percent, per-assignment distributions
and counts, links to feedback pages, and escaping of everything a student could send.

The course (hw1: 20 course points, weight 1; hw2: 10 points, weight 3):

| student | hw1 (of 40 spec points) | hw2 (of 10) | course % |
| --- | --- | --- | --- |
| ada | 40 -> 20 | 10, 20 % late -> 8 | (100 + 3 * 80) / 4 = 85 |
| bob | not gradable -> 0 | (no row) | 0 |
| <script> | 20, override 30 -> 15 | missing | 75 / 4 = 18.75 |
| zz (not on the roster) | (no row) | (no row) | hw3 5/10, not weighted: 0 |
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.coursebook.models import CourseGrades, GradeRow
from grader.coursefile import CourseFile
from grader.lmsexport.base import score_cell
from grader.report.coursepage import histogram_bars, render_course_page
from grader.report.coursestats import course_stats
from grader.report.sortable import SORTABLE_JS, script_csp, sortable_script

WHEN = datetime(2026, 10, 20, 8, 0)
EVIL = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
RESULTS = Path("/srv/course/results")


def _row(student: str, assignment: str, **kw: object) -> GradeRow:
    most = {"hw1": 40.0, "hw2": 10.0, "hw3": 10.0}[assignment]
    points = {"hw1": 20.0, "hw2": 10.0, "hw3": 10.0}[assignment]
    fields: dict[str, object] = {
        "student": student,
        "assignment": assignment,
        "status": "graded",
        "max_points": most,
        "points": points,
        "feedback": str(RESULTS / assignment / student / "feedback.html"),
        **kw,
    }
    return GradeRow.model_validate(fields)


@pytest.fixture
def grades() -> CourseGrades:
    course = CourseFile.model_validate(
        {
            "name": "Deep Learning <2026>",
            "students": [
                {"id": "ada", "name": "Ada L.", "section": "A"},
                {"id": "bob", "name": f"Bob {IMG}", "section": "B"},
                {"id": EVIL, "name": "Eve", "section": "B"},
            ],
            "assignments": [
                {"id": "hw1", "due": "2026-10-05T23:59:00+02:00", "points": 20, "weight": 1},
                {"id": "hw2", "due": "2026-10-12T23:59:00+02:00", "points": 10, "weight": 3},
            ],
        }
    )
    rows = [
        _row("ada", "hw1", awarded=40, final=40),
        _row("ada", "hw2", awarded=10, final=8, late_percent=20, late_reason="2 days late: -20%"),
        _row(
            "bob",
            "hw1",
            status="not_gradable",
            not_gradable_reason=f"nn.py is missing {IMG}",
            feedback="",
        ),
        _row(EVIL, "hw1", awarded=20, override=30, override_reason=EVIL, final=30),
        _row(EVIL, "hw2", status="missing", feedback=""),
        _row("zz", "hw3", awarded=5, final=5),
    ]
    return CourseGrades(course=course, titles={"hw1": "Nets <1>", "hw2": "Backprop"}, rows=rows)


def test_totals_and_weighted_course_percent(grades: CourseGrades) -> None:
    """Are scaled points summed and the course percent weighted, missing counting 0?"""
    stats = course_stats(grades)
    by = {s.student: s for s in stats.students}
    assert [s.student for s in stats.students] == ["ada", "bob", EVIL, "zz"]
    assert [c.assignment for c in by["ada"].cells] == ["hw1", "hw2", "hw3"]
    assert (by["ada"].total, by["ada"].percent) == (28.0, pytest.approx(85.0))
    assert (by["bob"].total, by["bob"].percent) == (0.0, 0.0)
    assert (by[EVIL].total, by[EVIL].percent) == (15.0, pytest.approx(18.75))
    assert (by["zz"].total, by["zz"].percent) == (5.0, 0.0)  # hw3 is not in the course file
    assert by["ada"].name == "Ada L." and by["zz"].name == ""
    assert [c.status for c in by["bob"].cells] == ["not_gradable", "missing", "missing"]


def test_counts_and_distribution_per_assignment(grades: CourseGrades) -> None:
    """Does each assignment count missing, late, not gradable and overridden, and bin the rest?"""
    hw1, hw2, hw3 = course_stats(grades).assignments
    assert (hw1.title, hw1.weight, hw3.weight) == ("Nets <1>", 1.0, None)
    assert (hw1.graded, hw1.missing, hw1.late, hw1.not_gradable, hw1.overridden) == (2, 1, 0, 1, 1)
    assert (hw2.graded, hw2.missing, hw2.late, hw2.not_gradable, hw2.overridden) == (1, 3, 1, 0, 0)
    assert hw1.bins == [1, 0, 0, 0, 0, 0, 0, 1, 0, 1]  # 0 %, 75 %, 100 %
    assert hw1.median == pytest.approx(75.0) and hw2.mean == pytest.approx(80.0)
    bars = histogram_bars(hw1.bins)
    assert [round(b.height) for b in bars] == [64, 0, 0, 0, 0, 0, 0, 64, 0, 64]
    assert bars[9].label == "90-100%+: 1 student"


def test_zero_weights_do_not_divide_by_zero(grades: CourseGrades) -> None:
    """Does a course whose weights are all 0 give 0 %, not a crash?"""
    course = grades.course.model_copy(
        update={
            "assignments": [a.model_copy(update={"weight": 0}) for a in grades.course.assignments]
        }
    )
    stats = course_stats(grades.model_copy(update={"course": course}))
    assert {s.percent for s in stats.students} == {0.0}


def test_cells_link_feedback_relative_to_the_page(grades: CourseGrades) -> None:
    """Does each graded cell link its feedback page relative to where the page is written?"""
    html = render_course_page(grades, generated=WHEN, page=RESULTS / "course.html")
    assert '<a href="hw1/ada/feedback.html">20</a>' in html
    assert '<a href="hw2/ada/feedback.html">8</a>' in html
    assert '<a href="hw3/zz/feedback.html">5</a>' in html
    deeper = render_course_page(grades, generated=WHEN, page=Path("/srv/pages/x/course.html"))
    assert '<a href="../../course/results/hw1/ada/feedback.html">20</a>' in deeper
    evil = "%3Cscript%3Ealert%281%29%3C/script%3E"  # the path, percent-encoded
    assert f'<a href="hw1/{evil}/feedback.html">15</a>' in html
    assert "<a href" not in render_course_page(grades, generated=WHEN)  # no page: no links


def test_student_text_is_escaped_and_the_page_self_contained(grades: CourseGrades) -> None:
    """Is every id, name and reason escaped; is the one script ours, allowed by its hash?"""
    html = render_course_page(grades, generated=WHEN, page=RESULTS / "course.html")
    assert re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S) == [("", SORTABLE_JS)]
    assert "<img" not in html and "alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Bob &lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html
    assert "override: &lt;script&gt;" in html and "nn.py is missing &lt;img" in html
    assert "Deep Learning &lt;2026&gt;" in html and "Nets &lt;1&gt;" in html
    assert f"script-src {script_csp()}" in html
    assert not re.search(r"\ssrc=\"|https?://|<link|<iframe|<object", html)


def test_table_is_sortable_with_numeric_keys(grades: CourseGrades) -> None:
    """Does every number cell carry its sort key, and the course percent show per student?"""
    html = render_course_page(grades, generated=WHEN)
    table = html[html.index('<table class="sortable">') :]
    ada = table[table.index("<code>ada</code>") :].split("</tr>")[0]
    assert 'data-v="20.0"' in ada and 'data-v="8.0"' in ada and 'data-v="85.0"' in ada
    assert "late &minus;20%" in ada and "28 / 40" in ada and "<strong>85.0%</strong>" in ada
    bob = table[table.index("<code>bob</code>") :].split("</tr>")[0]
    assert "not gradable" in bob and bob.count(">missing<") == 2


def test_empty_course_renders(grades: CourseGrades) -> None:
    """Does a course with no roster and no grades still give a page?"""
    empty = CourseGrades(course=CourseFile(), rows=[])
    html = render_course_page(empty, generated=WHEN)
    assert "No students on the roster and none graded." in html and "<h1>Course</h1>" in html


HOSTILE = st.one_of(
    st.sampled_from([EVIL, IMG, "\x1b[2J", "\x00", "\u202e", '"', "&amp;"]),
    st.text(
        st.characters(exclude_categories=("Cs",)), max_size=12
    ),  # pydantic refuses lone surrogates
)
NUMBER = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@st.composite
def hostile_grades(draw: st.DrawFn) -> CourseGrades:
    """A course whose every text is hostile and whose numbers are anything finite."""
    ids = draw(st.lists(HOSTILE.filter(bool), min_size=1, max_size=4, unique=True))
    assignment = draw(HOSTILE.filter(bool))
    course = CourseFile.model_validate(
        {
            "name": draw(HOSTILE),
            "students": [{"id": i, "name": draw(HOSTILE), "section": draw(HOSTILE)} for i in ids],
            "assignments": [{"id": assignment, "due": "2026-10-05T23:59:00+02:00"}],
        }
    )
    rows = [
        GradeRow(
            student=student,
            assignment=assignment,
            status=draw(st.sampled_from(["graded", "not_gradable", "missing"])),
            max_points=draw(NUMBER),
            points=draw(NUMBER),
            final=draw(NUMBER),
            late_percent=draw(st.floats(0, 100)),
            late_reason=draw(HOSTILE),
            override=draw(st.none() | NUMBER),
            override_reason=draw(HOSTILE),
            feedback=draw(HOSTILE),
            not_gradable_reason=draw(HOSTILE),
        )
        for student in draw(st.lists(st.sampled_from(ids), unique=True))
    ]
    return CourseGrades(course=course, titles={assignment: draw(HOSTILE)}, rows=rows)


@settings(max_examples=40, deadline=None)
@given(grades=hostile_grades())
def test_hostile_course_renders_escaped(grades: CourseGrades) -> None:
    """Does any course (hostile text, odd numbers) render to UTF-8 with no raw tag, escape,
    NUL or link that leaves the folder's pages for another scheme?"""
    html = render_course_page(grades, generated=WHEN, page=Path("/srv/r/course.html"))
    html.encode("utf-8")
    body = html.replace(str(sortable_script()), "", 1)
    assert "<script" not in body and "<img" not in body
    assert "\x1b" not in html and "\x00" not in html and "\u202e" not in html
    for href in re.findall(r'href="([^"]*)"', html):
        assert re.fullmatch(r"[A-Za-z0-9%._~/-]*|file:///.*", href), href


def test_an_override_without_a_submission_counts_as_the_exports_count_it(
    grades: CourseGrades,
) -> None:
    """A missing submission with an override (a paper hand-in, say) is a grade on the page,
    as in the LMS exports: shown, added to the total, drawn, and not counted missing."""
    excused = _row("bob", "hw2", status="missing", override=5, override_reason="paper", final=5)
    rows = [r for r in grades.rows if (r.student, r.assignment) != ("bob", "hw2")]
    stats = course_stats(grades.model_copy(update={"rows": [*rows, excused]}))
    bob = next(s for s in stats.students if s.student == "bob")
    hw2_cell = bob.cells[1]
    assert (hw2_cell.has_grade, hw2_cell.overridden, hw2_cell.scaled) == (True, True, 5.0)
    assert bob.total == 5.0
    hw2 = stats.assignments[1]
    assert (hw2.missing, hw2.overridden, sum(hw2.bins)) == (2, 1, 2)
    assert score_cell(excused) == "5"
    html = render_course_page(grades.model_copy(update={"rows": [*rows, excused]}), generated=WHEN)
    assert "paper" in html
