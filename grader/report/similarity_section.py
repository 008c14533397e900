"""The class report's similarity section, from ``<results>/similarity.json``.

The file comes from ``grader similarity -o <results>/similarity.html``. It is read
defensively, like ``run.json``: missing, too large, malformed or of another assignment, the
section is left out or says why in one line; it never stops the report. The pairs' names
are shown through the template, which escapes them.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from grader.report.links import relative_href
from grader.similarity.summary import SUMMARY_FILE, PairScore, SimilaritySummary

__all__ = ["SHOWN", "SimilaritySection", "read_similarity"]

SHOWN = 10
"""Pairs listed in the class report; the similarity page has the rest."""
MAX_BYTES = 5_000_000


class SimilaritySection(BaseModel):
    """What the class report shows: the top pairs and a link, or why it cannot."""

    model_config = ConfigDict(extra="forbid")

    pairs: list[PairScore] = []
    compared: int = 0
    href: str = ""
    note: str = ""


def read_similarity(results_dir: Path, assignment: str, page: Path) -> SimilaritySection | None:
    """The section for ``assignment``'s class page at ``page``; None when there is no
    ``similarity.json`` (the section is then left out)."""
    path = results_dir / SUMMARY_FILE
    try:
        if not path.is_file():
            return None
        if path.stat().st_size > MAX_BYTES:
            return SimilaritySection(note=f"{SUMMARY_FILE} is too large to be one; not shown")
        summary = SimilaritySummary.model_validate_json(path.read_bytes())
    except OSError as exc:
        return SimilaritySection(note=f"{SUMMARY_FILE} could not be read: {exc}")
    except ValidationError:
        return SimilaritySection(note=f"{SUMMARY_FILE} is malformed; run grader similarity again")
    if summary.assignment != assignment:
        return SimilaritySection(
            note=f"{SUMMARY_FILE} is of {summary.assignment!r}, not {assignment!r}; not shown"
        )
    target = results_dir / Path(summary.page).name  # never a path out of the folder
    href = relative_href(target, page) if target.is_file() else ""
    return SimilaritySection(pairs=summary.pairs[:SHOWN], compared=summary.compared, href=href)
