"""Do the result writers survive any text a student can put in a result?

Hypothesis builds :class:`~grader.models.SubmissionResult` models whose every string is
hostile: any code point (lone surrogates and control characters included), terminal escape
sequences, rich markup, formula starts, HTML and Markdown, sometimes tens of kilobytes long.
Every writer runs on them into a temporary folder (feedback, Gradescope, gradebook, LMS,
class report) or into a captured console (the class table, the self-check views). The
invariants: no exception escapes, every file is UTF-8 that parses back (JSON loads, CSV
rows), the terminal gets no escape sequence or control character, and no CSV text cell
starts a formula.

The default run is bounded to a few seconds; ``-m slow`` runs the same properties longer.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from grader import cli
from grader.models import CheckResult, PartResult, Status, SubmissionResult
from grader.outputs import write_class_report
from grader.report import write_feedback, write_gradebook, write_gradescope
from grader.report.lms import write_lms_csv
from grader.report.sortable import sortable_script
from grader.safetext import well_formed_model
from grader.selfcheck.run import SelfCheckReport
from grader.selfcheck.show import details, plain, table

FAST = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LONG = settings(FAST, max_examples=500)
FORMULA = ("=", "+", "-", "@", "\t", "\r", "\n")
FRAGMENTS = [
    "\x1b[2J",
    "\x1b]0;title\x07",
    "\x1b]8;;http://e.vil\x1b\\",
    "\x9b31m",
    "\x1b",
    "\x00",
    "\r",
    "\n",
    "\t",
    "\u202e",
    "\udc80",
    "\ud800",
    "[/]",
    "[link=http://e.vil]",
    "[bold red]",
    ":smile:",
    "=HYPERLINK(1)",
    "@SUM(1)",
    "+cmd",
    "-2+3",
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "![i](http://e.vil/i.png)",
    "```",
    "~~~",
    "|",
    "# ",
    "&amp;",
    "_",
    "*",
    "\\",
]

any_char = st.characters(exclude_categories=())  # every code point, surrogates included
small = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(any_char, max_size=8)), max_size=8)
short = st.one_of(small.map("".join), st.text(any_char, max_size=40))
huge = small.map(lambda parts: "".join(parts) * 2000)  # up to a few hundred kB
hostile = st.integers(0, 15).flatmap(lambda i: huge if i == 0 else short)  # one in 16 huge
points = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@st.composite
def check_results(draw: st.DrawFn, hostile: st.SearchStrategy[str] = hostile) -> CheckResult:
    return CheckResult(
        name=draw(hostile),
        visibility=draw(st.sampled_from(["public", "hidden"])),
        status=draw(st.sampled_from(get_args(Status))),
        fraction=draw(st.floats(0.0, 1.0)),
        description=draw(hostile),
        message=draw(hostile),
        details=draw(hostile),
        student_traceback=draw(hostile),
        part=draw(hostile),
        points=draw(points),
        max_points=draw(points),
    )


@st.composite
def submission_results(
    draw: st.DrawFn, assignment: str | None = None, hostile: st.SearchStrategy[str] = hostile
) -> SubmissionResult:
    parts = draw(
        st.lists(st.builds(PartResult, name=hostile, points=points, max_points=points), max_size=3)
    )
    return SubmissionResult(
        student=draw(hostile),
        assignment=assignment if assignment is not None else draw(hostile),
        score=draw(points),
        max_score=draw(points),
        gradable=draw(st.booleans()),
        not_gradable_reason=draw(st.none() | hostile),
        notes=draw(st.lists(hostile, max_size=3)),
        parts=parts,
        checks=draw(st.lists(check_results(hostile), max_size=4)),
        seed=draw(st.integers(0, 2**63 - 1)),
        content_hash=draw(hostile),
        duration_s=draw(st.floats(0.0, 1e5)),
        stdout_tail=draw(hostile),
        isolation=draw(hostile),
        grader_version=draw(hostile),
    )


def classes(hostile: st.SearchStrategy[str] = hostile) -> st.SearchStrategy[list[SubmissionResult]]:
    """One to four results of one assignment (the class report refuses a mix)."""
    return st.text(any_char, max_size=20).flatmap(
        lambda assignment: st.lists(submission_results(assignment, hostile), min_size=1, max_size=4)
    )


def student_files(result: SubmissionResult) -> None:
    """feedback.html, feedback.md and results.json: written, UTF-8, JSON that loads."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_feedback(result, folder)
        write_gradescope(result, folder)
        texts = {p.name: p.read_bytes().decode("utf-8") for p in folder.iterdir()}
    assert set(texts) == {"feedback.html", "feedback.md", "results.json"}
    gradescope = json.loads(texts["results.json"])
    assert len(gradescope["tests"]) == len(result.checks)
    for name in ("feedback.html", "feedback.md"):
        assert "\x1b" not in texts[name] and "\x00" not in texts[name], name
    assert "<script" not in texts["feedback.html"]


def class_csvs(results: list[SubmissionResult]) -> None:
    """gradebook.csv and lms.csv: one row per student, and no text cell starts a formula."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, write in (("gradebook.csv", write_gradebook), ("lms.csv", write_lms_csv)):
            path = Path(tmp) / name
            write(results, path)
            with path.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.reader(handle))
            assert len(rows) == len(results) + 1, name
            assert len({len(row) for row in rows}) == 1, name
            for row in rows:
                for cell in row:
                    assert _inert(cell), (name, cell)


def class_report(results: list[SubmissionResult]) -> None:
    """report.html and lms.csv from result.json files: written, UTF-8, no raw tag or ESC."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i, result in enumerate(results):
            text = well_formed_model(result).model_dump_json()
            (folder / f"s{i}").mkdir()
            (folder / f"s{i}" / "result.json").write_text(text, encoding="utf-8")
        files = write_class_report(folder, title="fuzz")
        page = files.page.read_bytes().decode("utf-8").replace(str(sortable_script()), "", 1)
        lms = files.lms_csv.read_bytes().decode("utf-8")
    assert "<script" not in page and "\x1b" not in page and "\x00" not in page
    assert len(list(csv.reader(io.StringIO(lms, newline="")))) == len(results) + 1


def terminal_views(results: list[SubmissionResult]) -> None:
    """The class table of ``grader grade`` and the self-check's table, plain text and
    details: rendered without an exception and without escapes or controls."""
    for width in (60, 160):
        screen = Console(file=io.StringIO(), width=width, color_system=None)
        with mock.patch.object(cli, "out", screen):
            cli._print_class(results)
            for result in results:
                cli._say(f"graded {result.student}: {result.notes}")
        for result in results:
            report = SelfCheckReport(
                assignment=result.assignment,
                folder=Path("."),
                mode="public checks",
                result=result,
                checked=result.student,
            )
            screen.print(table(report, width=width))
            screen.print(plain(report), details(report), markup=False, highlight=False)
        _assert_terminal_safe(screen.file.getvalue())  # type: ignore[attr-defined]


def _assert_terminal_safe(text: str) -> None:
    text.encode("utf-8")
    bad = {c for c in text if unicodedata.category(c) == "Cc" and c not in "\n\t"}
    assert not bad, sorted(bad)
    assert not any(c in text for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _inert(cell: str) -> bool:
    if not cell.lstrip().startswith(FORMULA) and not cell.startswith(FORMULA):
        return True
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _fast_and_long(
    strategy: st.SearchStrategy[Any], body: Callable[[Any], None], fast: int = 25, long: int = 500
) -> tuple[Callable[..., None], Callable[..., None]]:
    """The property ``body`` over ``strategy``: a bounded test, and a ``slow`` long one."""
    short = settings(FAST, max_examples=fast)(given(strategy)(body))
    longer = pytest.mark.slow(settings(LONG, max_examples=long)(given(strategy)(body)))
    return short, longer


test_student_files, test_student_files_long = _fast_and_long(
    submission_results(), student_files, fast=15
)
test_class_csvs, test_class_csvs_long = _fast_and_long(classes(), class_csvs, fast=15)
test_class_report, test_class_report_long = _fast_and_long(
    classes(), class_report, fast=5, long=150
)
# Short texts on screen: rich takes seconds to wrap 100 kB, and the class table clips them.
test_terminal_views, test_terminal_views_long = _fast_and_long(
    classes(short), terminal_views, fast=10
)
