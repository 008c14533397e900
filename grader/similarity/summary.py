"""``similarity.json``: the most similar pairs, without the code, beside the similarity page.

``grader similarity -o PAGE`` writes it next to ``PAGE``; the class report
(:mod:`grader.report.similarity_section`) reads it when it lies in the results folder, and
shows the top pairs linking the page.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from grader import atomic
from grader.similarity.models import SimilarityReport

__all__ = ["SUMMARY_FILE", "PairScore", "SimilaritySummary", "write_summary"]

SUMMARY_FILE = "similarity.json"


class PairScore(BaseModel):
    """One pair's two shares (0..1), as the page's table lists them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    student_a: str
    student_b: str
    a_to_b: float = Field(ge=0.0, le=1.0)
    b_to_a: float = Field(ge=0.0, le=1.0)
    b_is_past: bool = False


class SimilaritySummary(BaseModel):
    """The pairs of one similarity run, most similar first, and the page that shows them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    assignment: str
    page: str
    """The page's file name, beside this file."""
    detector: str
    compared: int
    pairs: list[PairScore]


def write_summary(report: SimilarityReport, page: Path) -> Path:
    """Write ``similarity.json`` beside ``page`` (atomically) and return it."""
    summary = SimilaritySummary(
        assignment=report.assignment,
        page=page.name,
        detector=report.detector,
        compared=report.compared,
        pairs=[
            PairScore(
                student_a=p.student_a,
                student_b=p.student_b,
                a_to_b=p.a_to_b,
                b_to_a=p.b_to_a,
                b_is_past=p.b_is_past,
            )
            for p in report.pairs
        ],
    )
    path = page.with_name(SUMMARY_FILE)
    atomic.write_text(path, summary.model_dump_json(indent=2) + "\n")
    return path
