"""``<results>/report.html``: the class report (:mod:`grader.report.classreport`), one
self-contained page, written by ``grader report``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from grader import atomic
from grader.outputs.base import ClassOptions, Command
from grader.report.classstats import class_stats
from grader.report.links import FEEDBACK_PAGE, relative_href
from grader.report.results import ResultsFolder
from grader.report.runtime import read_run_wall
from grader.report.similarity_section import read_similarity

__all__ = ["ClassPage"]

LISTED = {"LMS import": "lms.csv", "gradebook": "gradebook.csv"}
"""The class files the page's footer names (label -> file name)."""


class ClassPage:
    """The roster (linking each feedback page), scores, the histogram, per-part and per-check
    numbers, not-gradable submissions and timings (with the run's wall time from
    ``run.json``); at ``options.page`` when given."""

    name = "report.html"
    command: Command = "report"

    def write(self, folder: ResultsFolder, options: ClassOptions) -> list[Path]:
        # matplotlib is imported here, not at start-up: ``grader grade`` never draws the page
        from grader.report.classreport import assignment_title, render_class_report

        page = options.page if options.page is not None else folder.path / self.name
        stats = class_stats(folder.results, folder.unreadable, feedback_links(folder, page))
        html = render_class_report(
            stats,
            title=options.title or assignment_title(stats.assignment),
            generated=options.generated or datetime.now(),
            files=LISTED,
            run=read_run_wall(folder.path, stats.assignment),
            similarity=read_similarity(folder.path, stats.assignment, page),
        )
        atomic.write_text(page, html)
        return [page]


def feedback_links(folder: ResultsFolder, page: Path) -> dict[str, str]:
    """Each student's feedback page that is there, relative to the class page at ``page``."""
    links = {}
    for item in folder.loaded:
        target = item.folder / FEEDBACK_PAGE
        if target.is_file():
            links[item.result.student] = relative_href(target, page)
    return links
