"""The LMS export: ``<results>/lms.csv``, a gradebook an LMS imports as it is.

One row per student, sorted by name; the columns are ``student``, one per part (the points
earned in it, parts in the spec's order) and ``total``, and nothing else. ``total`` is the
final score: the checks' points less the late penalty when the course file gives the
assignment a deadline (:attr:`~grader.models.SubmissionResult.final`); the parts are the
checks' points before it:

```csv
student,Forward pass,Backward pass,Training,total
ada,10,7.5,0,17.5
bob,0,0,0,0
```

A submission that could not be graded scores 0 everywhere. The richer ``gradebook.csv``
(:mod:`grader.report.gradebook`) keeps the maximum, percent, reasons and seed.

Names (students, parts) go through :func:`~grader.safetext.csv_cell`: a folder named
``=HYPERLINK(...)`` or ``@SUM(...)`` is written ``'=HYPERLINK(...)``, never run as a formula.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from grader import atomic
from grader.models import SubmissionResult
from grader.report.gradebook import part_names
from grader.safetext import csv_cell

__all__ = ["lms_rows", "write_lms_csv"]

FIXED = ("student", "total")


def lms_rows(results: list[SubmissionResult]) -> list[list[str]]:
    """The header, then one row per result, sorted by student."""
    parts = part_names(results)
    header = ["student", *(csv_cell(f"part: {p}" if p in FIXED else p) for p in parts), "total"]
    rows = [header]
    for result in sorted(results, key=lambda r: r.student):
        earned = [result.awarded_in(p) for p in parts]  # the points to report, 0 when not gradable
        rows.append([csv_cell(result.student), *map(_number, earned), _number(result.final)])
    return rows


def write_lms_csv(results: list[SubmissionResult], path: Path) -> None:
    """Write ``lms.csv`` to ``path`` atomically (UTF-8, RFC 4180: CRLF line ends, standard quoting)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lms_rows(results))
    atomic.write_text(path, buffer.getvalue())


def _number(value: float) -> str:
    """Up to four decimals, no trailing zeros: ``17.5``, ``40``, ``0.3333``."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
