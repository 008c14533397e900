"""``<results>/report.html``: the class report (:mod:`grader.report.classreport`), one
self-contained page, written by ``grader report``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from grader import atomic
from grader.outputs.base import ClassOptions, Command
from grader.report.classstats import class_stats
from grader.report.results import ResultsFolder

__all__ = ["ClassPage"]

LISTED = {"LMS import": "lms.csv", "gradebook": "gradebook.csv"}
"""The class files the page's footer names (label -> file name)."""


class ClassPage:
    """Scores, the histogram, per-part and per-check numbers, not-gradable submissions and
    timings; at ``options.page`` when given."""

    name = "report.html"
    command: Command = "report"

    def write(self, folder: ResultsFolder, options: ClassOptions) -> list[Path]:
        # matplotlib is imported here, not at start-up: ``grader grade`` never draws the page
        from grader.report.classreport import assignment_title, render_class_report

        stats = class_stats(folder.results, folder.unreadable)
        html = render_class_report(
            stats,
            title=options.title or assignment_title(stats.assignment),
            generated=options.generated or datetime.now(),
            files=LISTED,
        )
        page = options.page if options.page is not None else folder.path / self.name
        atomic.write_text(page, html)
        return [page]
