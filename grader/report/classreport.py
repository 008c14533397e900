"""The class report: one self-contained HTML page about a graded class, and its LMS export.

``grader report RESULTS_DIR`` reads every ``RESULTS_DIR/<student>/result.json`` that
``grader grade`` wrote (:func:`read_results`), computes the numbers
(:func:`grader.report.classstats.class_stats`), draws the score histogram with matplotlib
(:func:`histogram_png`) and renders ``templates/class_report.html.j2`` with the image inlined
as a base64 PNG: no scripts, no external assets. :func:`write_class_report` does all of it and
also writes ``lms.csv`` (:mod:`grader.report.lms`) and any missing Gradescope
``results.json``. See ``docs/result-formats.md``.
"""

from __future__ import annotations

import base64
import io
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import jinja2
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, MultipleLocator
from pydantic import BaseModel, ConfigDict, ValidationError

from grader import atomic
from grader.errors import InstructorError
from grader.models import STATUS, SubmissionResult
from grader.report.classstats import ClassStats, Unreadable, class_stats
from grader.report.feedback import format_points
from grader.report.gradescope import write_gradescope
from grader.report.lms import write_lms_csv
from grader.safetext import printable, printable_model

__all__ = [
    "ReportError",
    "histogram_counts",
    "read_results",
    "render_class_report",
    "write_class_report",
]

RESULT_FILE = "result.json"
PAGE_NAME = "report.html"
LMS_NAME = "lms.csv"


class ReportError(InstructorError):
    """A results folder the class report cannot be made from. Exit code 2."""


class LoadedResult(BaseModel):
    """One result read back, with the folder it came from."""

    model_config = ConfigDict(extra="forbid")

    folder: Path
    result: SubmissionResult


class ResultsFolder(BaseModel):
    """A results folder read back: the readable results, and the files that were not."""

    model_config = ConfigDict(extra="forbid")

    path: Path
    loaded: list[LoadedResult]
    unreadable: list[Unreadable]

    @property
    def results(self) -> list[SubmissionResult]:
        return [item.result for item in self.loaded]


class ClassReportFiles(BaseModel):
    """What :func:`write_class_report` wrote."""

    model_config = ConfigDict(extra="forbid")

    page: Path
    lms_csv: Path
    gradescope_written: list[str]
    """Students whose missing ``results.json`` was written from their ``result.json``."""
    stats: ClassStats


def read_results(results_dir: Path) -> ResultsFolder:
    """Every ``<results_dir>/*/result.json``; an unreadable one is listed, not fatal.

    Raises :class:`ReportError` when the folder is missing, holds no readable result, or
    holds results of more than one assignment.
    """
    if not results_dir.is_dir():
        raise ReportError(
            f"RESULTS_DIR must be a folder written by `grader grade --out DIR`, given: {results_dir}"
        )
    loaded: list[LoadedResult] = []
    unreadable: list[Unreadable] = []
    for path in sorted(results_dir.glob(f"*/{RESULT_FILE}")):
        try:
            result = SubmissionResult.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValidationError) as exc:
            unreadable.append(
                Unreadable(student=path.parent.name, path=path, problem=_first_line(exc))
            )
            continue
        loaded.append(LoadedResult(folder=path.parent, result=result))
    if not loaded:
        raise ReportError(_no_results_message(results_dir, unreadable))
    _require_one_assignment(results_dir, loaded)
    return ResultsFolder(path=results_dir, loaded=loaded, unreadable=unreadable)


def _first_line(exc: Exception) -> str:
    """A short reason: pydantic's first error, or the exception's first line."""
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(x) for x in error["loc"]) or "the file"
        return f"{where}: {error['msg']} ({exc.error_count()} problem(s) in all)"
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def _no_results_message(results_dir: Path, unreadable: list[Unreadable]) -> str:
    if unreadable:
        names = ", ".join(u.student for u in unreadable)
        return (
            f"no readable results in {results_dir}: every <student>/{RESULT_FILE} failed to load "
            f"({names}); re-run `grader grade SUBMISSIONS -a ID --out {results_dir}`, which "
            "re-grades a student whose result.json cannot be read"
        )
    return (
        f"no results in {results_dir}: expected <student>/{RESULT_FILE} files written by "
        f"`grader grade`; grade first (`grader grade SUBMISSIONS -a ID --out {results_dir}`), "
        "or pass the folder that was given to --out"
    )


def _require_one_assignment(results_dir: Path, loaded: list[LoadedResult]) -> None:
    by_assignment: dict[str, list[str]] = {}
    for item in loaded:
        by_assignment.setdefault(item.result.assignment, []).append(item.folder.name)
    if len(by_assignment) > 1:
        found = "; ".join(
            f"{name}: {len(students)} ({', '.join(students[:3])}{', ...' if len(students) > 3 else ''})"
            for name, students in sorted(by_assignment.items())
        )
        raise ReportError(
            f"{results_dir} mixes results of {len(by_assignment)} assignments ({found}); "
            "a class report covers one assignment: grade each into its own --out folder"
        )


def histogram_counts(percents: list[float]) -> list[int]:
    """Students per 10 % bin: ``[0, 10)``, ..., ``[80, 90)``, ``[90, 100]`` (100 % in the last)."""
    counts, _ = np.histogram(np.clip(percents, 0.0, 100.0), bins=np.arange(0, 101, 10))
    return [int(c) for c in counts]


def histogram_png(stats: ClassStats) -> bytes:
    """The score distribution in bins of 10 % (:func:`histogram_counts`): graded submissions
    in blue, not-gradable ones (0 %) stacked in grey, the mean and the median as lines."""
    figure = Figure(figsize=(9.6, 3.3), dpi=120, layout="constrained")
    axes = figure.add_subplot()
    _bars(axes, stats)
    for value, name, colour, line in (
        (stats.mean_percent, "mean", "#cf222e", "--"),
        (stats.median_percent, "median", "#1f2328", ":"),
    ):
        axes.axvline(value, color=colour, linewidth=2, linestyle=line, label=f"{name} {value:.1f}%")
    axes.set_xlim(0, 100)
    axes.xaxis.set_major_locator(MultipleLocator(10))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
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
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(points=format_points, pct="{:.1f}".format, secs=_seconds)
    return env


def _seconds(value: float) -> str:
    """``0.42`` -> ``"0.42 s"``, ``12.3`` -> ``"12.3 s"``, ``125`` -> ``"2 min 5 s"``."""
    if value >= 120:
        return f"{int(value // 60)} min {round(value % 60)} s"
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def render_class_report(
    stats: ClassStats, *, title: str, generated: datetime, files: dict[str, str] | None = None
) -> str:
    """The page as HTML. ``files`` names the class files shown at the bottom (label -> name).

    Student text is autoescaped by the template, and made printable first: no control
    characters, and a lone surrogate (a folder name that is not UTF-8) becomes U+FFFD, so
    the page always encodes."""
    stats = printable_model(stats)
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


def write_class_report(
    results_dir: Path,
    out: Path | None = None,
    *,
    title: str | None = None,
    generated: datetime | None = None,
) -> ClassReportFiles:
    """Write the page (default ``<results_dir>/report.html``), ``<results_dir>/lms.csv`` and
    each student's missing ``results.json``; each file atomically.

    ``title`` heads the page; by default the spec's title (:func:`assignment_title`).
    """
    folder = read_results(results_dir)
    stats = class_stats(folder.results, folder.unreadable)
    written = []
    for item in folder.loaded:
        if not (item.folder / "results.json").is_file():
            write_gradescope(item.result, item.folder)
            written.append(item.folder.name)
    lms_csv = results_dir / LMS_NAME
    write_lms_csv(folder.results, lms_csv)
    page = out if out is not None else results_dir / PAGE_NAME
    html = render_class_report(
        stats,
        title=title or assignment_title(stats.assignment),
        generated=generated or datetime.now(),
        files={"LMS import": LMS_NAME, "gradebook": "gradebook.csv"},
    )
    atomic.write_text(page, html)
    return ClassReportFiles(page=page, lms_csv=lms_csv, gradescope_written=written, stats=stats)
