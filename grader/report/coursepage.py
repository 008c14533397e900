"""The course page: one self-contained HTML page across a course's assignments.

:func:`render_course_page` lays out :func:`grader.report.coursestats.course_stats`: per
student, each assignment's points on the course's scale and the weighted course percent (a
table sortable by any column, :mod:`grader.report.sortable`); per assignment, the
distribution as an inline SVG histogram and the counts of missing, late, not-gradable and
overridden grades. Each cell links the student's feedback page, relative to where the page
is written. No external assets; every student-provided string is escaped.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache, partial
from pathlib import Path

import jinja2
from pydantic import BaseModel, ConfigDict

from grader.coursebook.models import CourseGrades
from grader.report.coursestats import BINS, course_stats
from grader.report.feedback import format_points
from grader.report.links import relative_href
from grader.report.sortable import script_csp, sortable_script
from grader.report.templating import html_environment
from grader.safetext import printable_model

__all__ = ["Bar", "histogram_bars", "render_course_page"]

WIDTH, HEIGHT = 200, 64
"""The histogram's drawing area, in SVG units (the labels go below it)."""


class Bar(BaseModel):
    """One bar of an assignment's histogram, in SVG units (y grows downwards)."""

    model_config = ConfigDict(extra="forbid")

    x: float
    y: float
    width: float
    height: float
    count: int
    label: str
    """``"40-50%: 3 students"``, for the bar's tooltip."""


def histogram_bars(bins: list[int]) -> list[Bar]:
    """The bars of one distribution, the tallest bin reaching the top."""
    tallest = max(bins, default=0) or 1
    width = WIDTH / len(bins) if bins else WIDTH
    step = 100 // BINS
    bars = []
    for i, count in enumerate(bins):
        height = HEIGHT * count / tallest
        low = i * step
        span = f"{low}-{low + step}%" if i < len(bins) - 1 else f"{low}-100%+"
        bars.append(
            Bar(
                x=i * width,
                y=HEIGHT - height,
                width=width,
                height=height,
                count=count,
                label=f"{span}: {count} student{'s' if count != 1 else ''}",
            )
        )
    return bars


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return html_environment(Path(__file__).with_name("templates"), points=format_points, pct="{:.1f}".format, bars=histogram_bars)


def render_course_page(
    grades: CourseGrades, *, generated: datetime, page: Path | None = None
) -> str:
    """The course page as HTML. ``page``: where it will be written, so that each cell links
    the student's feedback page (``GradeRow.feedback``) relative to it; None: no links.

    Student text (ids, names, reasons) is made printable and autoescaped."""

    link = None if page is None else partial(_link, page=page)
    stats = printable_model(course_stats(grades, link))
    return (
        _environment()
        .get_template("course_page.html.j2")
        .render(
            c=stats,
            generated=generated.strftime("%Y-%m-%d %H:%M"),
            height=HEIGHT,
            width=WIDTH,
            script=sortable_script(),
            script_csp=script_csp(),
        )
    )


def _link(feedback: str, page: Path) -> str:
    return relative_href(Path(feedback), page)
