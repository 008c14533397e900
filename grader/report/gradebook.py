"""The class gradebook: ``<out>/gradebook.csv``, one row per student.

Columns: ``student``, one column per part (the points earned in it, in the order parts
first appear across the class), ``total``, ``max_total``, ``percent``, ``gradable``,
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
FIXED_AFTER = ["total", "max_total", "percent", "gradable", "not_gradable_reason", "seed"]


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
    earned = _earned(result) if result.gradable else dict.fromkeys(parts, 0.0)
    total = result.score if result.gradable else 0.0
    percent = 100.0 * total / result.max_score if result.max_score else 0.0
    return [
        csv_cell(result.student),
        *(_number(earned[name]) if name in earned else "" for name in parts),
        _number(total),
        _number(result.max_score),
        f"{percent:.2f}",
        "true" if result.gradable else "false",
        csv_cell(result.not_gradable_reason or ""),
        str(result.seed),
    ]


def _earned(result: SubmissionResult) -> dict[str, float]:
    """Points per part: from ``result.parts``, else summed over the part's checks."""
    earned = {part.name: part.points for part in result.parts}
    listed = set(earned)
    for check in result.checks:
        if check.part not in listed:
            earned[check.part] = earned.get(check.part, 0.0) + check.points
    return earned


def _column(part: str) -> str:
    """The part's name, unless it would collide with a fixed column."""
    return f"part: {part}" if part in FIXED_BEFORE + FIXED_AFTER else part


def _number(value: float) -> str:
    """Full precision for a spreadsheet, without float noise: ``17.5``, ``40``, ``0.3333``."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
