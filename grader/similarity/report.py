"""Report: the similarity page, one self-contained HTML file (inline CSS, no script).

Student code and names are hostile text: the template autoescapes everything, and each piece
is made printable first (no control characters, no bidi overrides that reorder what a reader
sees), piece by piece, so the offsets of the matching spans stay right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal

import jinja2

from grader import atomic
from grader.report.templating import html_environment
from grader.safetext import printable
from grader.similarity.models import MatchedPair, SimilarityReport, Span
from grader.similarity.summary import write_summary

__all__ = ["CONTEXT_LINES", "Segment", "render_similarity", "segments", "write_similarity"]

CONTEXT_LINES = 3
"""Lines of unmatched code kept around each matching span; longer stretches are folded."""


@dataclass(frozen=True)
class Segment:
    """A piece of one side of a pair: plain code, a matching span, or folded lines."""

    kind: Literal["plain", "match", "gap"]
    text: str  # for a gap: how many lines were folded, as words


def segments(text: str, spans: list[Span], context: int = CONTEXT_LINES) -> list[Segment]:
    """``text`` cut at ``spans`` (whole lines, merged), with the unmatched stretches
    longer than ``2 * context`` lines folded to their first and last ``context`` lines."""
    pieces: list[Segment] = []
    at = 0
    for span in _merged(spans, text):
        if span.start > at:
            pieces.append(Segment("plain", text[at : span.start]))
        pieces.append(Segment("match", text[span.start : span.end]))
        at = span.end
    if at < len(text):
        pieces.append(Segment("plain", text[at:]))
    out: list[Segment] = []
    for i, piece in enumerate(pieces):
        if piece.kind == "match":
            out.append(Segment("match", printable(piece.text)))
            continue
        keep_head, keep_tail = i > 0, i < len(pieces) - 1
        out.extend(_folded(piece.text, context if keep_head else 0, context if keep_tail else 0))
    return out


def render_similarity(report: SimilarityReport, *, generated: datetime) -> str:
    """The page as HTML."""
    texts = {d.student: d.text for d in report.documents}
    sides = [
        (
            pair,
            segments(texts[pair.student_a], pair.spans_a),
            segments(texts[pair.student_b], pair.spans_b),
        )
        for pair in report.pairs
    ]
    return (
        _environment()
        .get_template("similarity.html.j2")
        .render(r=report, sides=sides, generated=generated.strftime("%Y-%m-%d %H:%M"))
    )


def write_similarity(report: SimilarityReport, path: Path, *, generated: datetime) -> Path:
    """Write the page to ``path`` and ``similarity.json`` beside it (atomically); return the
    page."""
    atomic.write_text(path, render_similarity(report, generated=generated))
    write_summary(report, path)
    return path


def _merged(spans: list[Span], text: str) -> list[Span]:
    """The spans widened to whole lines (the detector's ends can fall a few characters
    inside a token), clipped to the text, overlapping ones merged."""
    out: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        start, end = max(0, span.start), min(len(text), span.end)
        if end <= start:
            continue
        start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end - 1)
        end = len(text) if line_end < 0 else line_end
        if end <= start:
            continue
        if out and start <= out[-1].end:
            out[-1] = Span(start=out[-1].start, end=max(end, out[-1].end))
        else:
            out.append(Span(start=start, end=end))
    return out


def _folded(text: str, head: int, tail: int) -> list[Segment]:
    """``text``'s first ``head`` and last ``tail`` lines, the rest folded."""
    lines = text.split("\n")
    # a stretch between two spans starts and ends mid-line: those partial lines are kept
    # on top of the context, so a folded stretch reads as whole lines
    keep_head, keep_tail = head + (1 if head else 0), tail + (1 if tail else 0)
    if len(lines) <= keep_head + keep_tail + 1:
        return [Segment("plain", printable(text))]
    first = "\n".join(lines[:keep_head]) + "\n" if keep_head else ""
    last = "\n" + "\n".join(lines[len(lines) - keep_tail :]) if keep_tail else ""
    folded = len(lines) - keep_head - keep_tail
    out = [Segment("plain", printable(first))] if first else []
    out.append(Segment("gap", f"{folded} line{'s' if folded != 1 else ''} not shown"))
    if last:
        out.append(Segment("plain", printable(last)))
    return out


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def _flag(pair: MatchedPair) -> str:
    return "past term" if pair.b_is_past else ""


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    templates = Path(__file__).with_name("templates")
    return html_environment(templates, pct=_percent, shown=printable, flag=_flag)
