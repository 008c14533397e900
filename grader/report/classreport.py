"""The class report: one self-contained HTML page about a graded class.

:func:`render_class_report` lays out the numbers of
:func:`grader.report.classstats.class_stats`, with the score histogram drawn by matplotlib
(:func:`histogram_png`) and inlined as a base64 PNG: no external assets, and one inline
script, allowed by its hash, that sorts the roster (:mod:`grader.report.sortable`). The
class writer :class:`grader.outputs.classpage.ClassPage` writes it as
``<results>/report.html`` when ``grader report`` runs. See ``docs/result-formats.md``.
"""

from __future__ import annotations

import base64
import io
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import numpy as np

from grader.errors import InstructorError
from grader.extras import require
from grader.models import STATUS
from grader.report.classstats import ClassStats
from grader.report.feedback import format_points
from grader.report.runtime import RunWall
from grader.report.similarity_section import SimilaritySection
from grader.report.sortable import script_csp, sortable_script
from grader.report.templating import html_environment
from grader.safetext import printable, printable_model

if TYPE_CHECKING:  # matplotlib comes with the [report] extra, imported when a page is drawn
    from matplotlib.axes import Axes

__all__ = ["assignment_title", "histogram_counts", "render_class_report"]


def histogram_counts(percents: list[float]) -> list[int]:
    """Students per 10 % bin: ``[0, 10)``, ..., ``[80, 90)``, ``[90, 100]`` (100 % in the last)."""
    counts, _ = np.histogram(np.clip(percents, 0.0, 100.0), bins=np.arange(0, 101, 10))
    return [int(c) for c in counts]


def histogram_png(stats: ClassStats) -> bytes:
    """The score distribution in bins of 10 % (:func:`histogram_counts`): graded submissions
    in blue, not-gradable ones (0 %) stacked in grey, the mean and the median as lines."""
    figure_module = require("matplotlib.figure", why="its histogram", who="the class report")
    ticker = require("matplotlib.ticker", why="its histogram", who="the class report")
    figure = figure_module.Figure(figsize=(9.6, 3.3), dpi=120, layout="constrained")
    axes = figure.add_subplot()
    _bars(axes, stats)
    for value, name, colour, line in (
        (stats.mean_percent, "mean", "#cf222e", "--"),
        (stats.median_percent, "median", "#1f2328", ":"),
    ):
        axes.axvline(value, color=colour, linewidth=2, linestyle=line, label=f"{name} {value:.1f}%")
    axes.set_xlim(0, 100)
    axes.xaxis.set_major_locator(ticker.MultipleLocator(10))
    axes.yaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    axes.set_xlabel("score (% of the maximum)")
    axes.set_ylabel("students")
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _bars(axes: Axes, stats: ClassStats) -> None:
    """Stacked bars (graded, then not gradable), each stack labelled with its count."""
    graded = histogram_counts([t.percent for t in stats.timings if t.gradable])
    refused = histogram_counts([t.percent for t in stats.timings if not t.gradable])
    edges = range(0, 100, 10)
    axes.bar(edges, graded, 10, align="edge", color="#4c78a8", edgecolor="white", label="graded")
    if any(refused):
        axes.bar(
            edges,
            refused,
            10,
            graded,
            align="edge",
            color="#8c959f",
            edgecolor="white",
            label="not gradable",
        )
    totals = [g + r for g, r in zip(graded, refused, strict=True)]
    for left, total in zip(edges, totals, strict=True):
        if total:
            axes.annotate(
                str(total),
                (left + 5, total),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"},
            )
    axes.set_ylim(0, max(*totals, 1) * 1.2)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return html_environment(Path(__file__).with_name("templates"), points=format_points, pct="{:.1f}".format, secs=_seconds)


def _seconds(value: float) -> str:
    """``0.42`` -> ``"0.42 s"``, ``12.3`` -> ``"12.3 s"``, ``125`` -> ``"2 min 5 s"``."""
    if value >= 120:
        return f"{int(value // 60)} min {round(value % 60)} s"
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def render_class_report(
    stats: ClassStats,
    *,
    title: str,
    generated: datetime,
    files: dict[str, str] | None = None,
    run: RunWall | None = None,
    similarity: SimilaritySection | None = None,
) -> str:
    """The page as HTML. ``files`` names the class files shown at the bottom (label -> name);
    ``run``: the run's wall time from ``run.json`` (None: not recorded); ``similarity``: the
    top pairs from ``similarity.json`` (None: no section).

    Student text is autoescaped by the template, and made printable first: no control
    characters, and a lone surrogate (a folder name that is not UTF-8) becomes U+FFFD, so
    the page always encodes."""
    stats = printable_model(stats)
    run = printable_model(run or RunWall(note="wall time not recorded"))
    similarity = printable_model(similarity) if similarity is not None else None
    png = histogram_png(stats)
    return (
        _environment()
        .get_template("class_report.html.j2")
        .render(
            s=stats,
            title=printable(title),
            generated=generated.strftime("%Y-%m-%d %H:%M"),
            histogram=base64.b64encode(png).decode("ascii"),
            statuses=STATUS,
            slowest=max((t.duration_s for t in stats.timings), default=0.0),
            files=files or {},
            run=run,
            similarity=similarity,
            script=sortable_script(),
            script_csp=script_csp(),
        )
    )


def assignment_title(assignment_id: str) -> str:
    """The spec's title when the course is found from here (``$GRADER_COURSE`` or the cwd);
    otherwise the id. Only the page's heading depends on it."""
    from grader.course import find_course
    from grader.spec import load_spec

    try:
        spec_path = find_course() / "assignments" / assignment_id / "assignment.toml"
        return load_spec(spec_path).title if spec_path.is_file() else assignment_id
    except InstructorError:
        return assignment_id
