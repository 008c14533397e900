"""How a self-check reads: a short per-check table, a total, and where to find the details.

:func:`table` is for a terminal (rich), :func:`plain` for a notebook cell or a log;
:func:`details` spells out each check that did not pass, with where to look (the function's
file and line, as graded feedback gives it). The hints name the student's functions that no
public check reaches (:attr:`SelfCheckReport.uncovered`).

Check names, messages, notes and paths are the student's code speaking: each goes through
:func:`~grader.safetext.printable`, and into the rich table as :class:`~rich.text.Text`, so
that neither an escape sequence nor rich markup (``[/]``) in it acts on the terminal.
"""

from __future__ import annotations

import re

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from grader.models import STATUS, CheckResult, Status
from grader.safetext import printable
from grader.selfcheck.run import SelfCheckReport

__all__ = ["details", "headline", "plain", "table", "one_line"]

_WIDTH = 120


def one_line(text: str, width: int = _WIDTH) -> str:
    """The first line of ``text``, printable, cut to ``width`` characters."""
    text = printable(text)
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= width else first[: width - 1] + "…"


def _message(check: CheckResult) -> str:
    if check.status == "passed":
        return ""
    return one_line(check.message or check.description)


def headline(report: SelfCheckReport) -> str:
    """One line: what was checked, with which checks."""
    r = report.result
    return printable(f"{report.assignment}: {report.mode} on {report.checked} (seed {r.seed})")


def total(report: SelfCheckReport) -> str:
    r = report.result
    counts: dict[Status, int] = {}
    for check in r.checks:
        counts[check.status] = counts.get(check.status, 0) + 1
    tally = ", ".join(f"{n} {STATUS[status].word}" for status, n in sorted(counts.items()))
    return f"total {r.score:g} / {r.max_score:g} ({r.percent:.0f}%): {tally}"


DETAILS_HINT = "`grader check --details` shows each check that did not pass in full"


EXTRA_LINE = re.compile(r"pip install 'dl-grader\[(\w+)\]'")
"""The install line in a check's message when an extra of the grader is missing
(:func:`grader.extras.missing_message`)."""


def _hints(report: SelfCheckReport, hint: str) -> list[str]:
    r = report.result
    lines = []
    if not r.gradable:
        lines.append(f"could not check: {r.not_gradable_reason}")
    lines += r.notes
    not_run = [c for c in r.checks if c.status == "not_run"]
    extras = sorted({m[1] for c in not_run for m in EXTRA_LINE.finditer(c.message)})
    if extras:
        lines.append(
            "not run: your install lacks part of the grader; "
            + ", ".join(f"pip install 'dl-grader[{e}]'" for e in extras)
            + " runs them here too (they run at hand-in either way)"
        )
    if any(not EXTRA_LINE.search(c.message) for c in not_run):
        lines.append(
            "not run: these need the instructor's solution on your outputs; they run at hand-in"
        )
    if report.mode == "public checks":
        lines.append("hidden checks test the same functions more thoroughly when you hand in")
    if report.uncovered:
        lines.append(
            f"not covered by any public check: {', '.join(report.uncovered)} (the hidden checks "
            "test them when you hand in)"
        )
    if any(c.status != "passed" for c in r.checks):
        lines.append(hint)
    return [printable(line) for line in lines]


def table(report: SelfCheckReport, hint: str = DETAILS_HINT, width: int = 120) -> RenderableType:
    """The terminal view: a table of checks, the total and hints. Narrower than 110
    characters, each message goes on a line of its own under its check's name."""
    narrow = width < 110
    grid = Table(title=Text(headline(report)), title_justify="left", box=box.SIMPLE_HEAD)
    grid.add_column("check", no_wrap=not narrow, overflow="fold")
    grid.add_column("status", no_wrap=True)
    grid.add_column("points", no_wrap=True, justify="right")
    if not narrow:
        grid.add_column("message", overflow="fold")
    for check in report.result.checks:
        status = Text(STATUS[check.status].word, style=STATUS[check.status].style)
        points = Text(f"{check.points:g}/{check.max_points:g}")
        name, message = Text(printable(check.name)), _message(check)
        if narrow:
            if message:
                name.append("\n  " + message, style="dim")
            grid.add_row(name, status, points)
        else:
            grid.add_row(name, status, points, Text(message))
    lines = [Text(total(report), style="bold")]
    lines += [Text(line, style="dim") for line in _hints(report, hint)]
    return Group(grid, *lines)


def plain(
    report: SelfCheckReport, hint: str = "check(..., details=True) shows each check in full"
) -> str:
    """The same as :func:`table` in plain text (a notebook cell, a log file)."""
    rows = [("check", "status", "points", "message")] + [
        (
            printable(c.name),
            STATUS[c.status].word,
            f"{c.points:g}/{c.max_points:g}",
            _message(c),
        )
        for c in report.result.checks
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [headline(report), ""]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        lines.append("  ".join([*cells, row[3]]))
    lines += ["", total(report), *_hints(report, hint)]
    return "\n".join(line.rstrip() for line in lines)


def details(report: SelfCheckReport) -> str:
    """Each check that did not pass: what it expects, what happened, and the student's frames."""
    blocks = []
    for check in report.result.checks:
        if check.status == "passed":
            continue
        block = [f"{check.name} ({check.part}): {STATUS[check.status].word}"]
        if check.description:
            block.append(f"  expects: {check.description}")
        if check.where:
            block.append(f"  Look at: {'; '.join(map(str, check.where))}")
        if check.message:
            block.append("  " + check.message.replace("\n", "\n  "))
        if check.student_traceback:
            block.append("  " + check.student_traceback.rstrip().replace("\n", "\n  "))
        blocks.append(printable("\n".join(block)))
    return "\n\n".join(blocks) if blocks else "every check passed"
