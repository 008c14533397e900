"""The class gradebook: ``<out>/gradebook.csv``, one row per student.

Columns: ``student``, one column per part (the points earned in it, in the order parts
first appear across the class), ``total`` (the checks' points), ``late_percent``,
``late_points`` (what the late penalty takes off; 0 without a deadline) and ``final``
(``total`` less ``late_points``), ``max_total``, ``percent`` (of ``total``), ``gradable``,
``not_gradable_reason``, ``seed``. A submission that could not be graded scores 0 in every
part; a part a gradable result has no points for at all is left blank.

Every text cell (a student's folder name, a part's name, a reason) goes through
:func:`~grader.safetext.csv_cell`, so a spreadsheet never reads it as a formula
(``=HYPERLINK(...)`` becomes ``'=HYPERLINK(...)``); numbers are written as they are.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from grader import atomic
from grader.models import SubmissionResult
from grader.safetext import csv_cell

__all__ = ["gradebook_rows", "write_gradebook"]

FIXED_BEFORE = ["student"]
FIXED_AFTER = [
    "total",
    "late_percent",
    "late_points",
    "final",
    "max_total",
    "percent",
    "gradable",
    "not_gradable_reason",
    "seed",
]


def part_names(results: list[SubmissionResult]) -> list[str]:
    """The union of the parts of all results, in order of first appearance."""
    names = [part.name for result in results for part in result.parts]
    names += [check.part for result in results for check in result.checks]
    return list(dict.fromkeys(names))


def gradebook_rows(results: list[SubmissionResult]) -> list[list[str]]:
    """The header, then one row per result, sorted by student."""
    parts = part_names(results)
    rows = [FIXED_BEFORE + [csv_cell(_column(name)) for name in parts] + FIXED_AFTER]
    for result in sorted(results, key=lambda r: r.student):
        rows.append(_row(result, parts))
    return rows


def write_gradebook(results: list[SubmissionResult], path: Path) -> None:
    """Write the gradebook CSV to ``path`` atomically."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(gradebook_rows(results))
    atomic.write_text(path, buffer.getvalue())


def _row(result: SubmissionResult, parts: list[str]) -> list[str]:
    """The points to report (:attr:`SubmissionResult.awarded`), and blank for a part the
    result has no points for at all (0 when it could not be graded)."""
    own = set(part_names([result]))
    return [
        csv_cell(result.student),
        *(
            _number(result.awarded_in(name)) if name in own or not result.gradable else ""
            for name in parts
        ),
        _number(result.awarded),
        _number(result.late_percent),
        _number(result.late_points),
        _number(result.final),
        _number(result.max_score),
        f"{result.percent:.2f}",
        "true" if result.gradable else "false",
        csv_cell(result.not_gradable_reason or ""),
        str(result.seed),
    ]


def _column(part: str) -> str:
    """The part's name, unless it would collide with a fixed column."""
    return f"part: {part}" if part in FIXED_BEFORE + FIXED_AFTER else part


def _number(value: float) -> str:
    """Full precision for a spreadsheet, without float noise: ``17.5``, ``40``, ``0.3333``."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
