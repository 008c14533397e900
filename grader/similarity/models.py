"""What the similarity report holds: each submission's code, and the most similar pairs.

Offsets are character positions in a submission's :attr:`CodeDocument.text` (its files
joined, each under a ``# ==== name ====`` line), so the page can mark the matching spans.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["CodeDocument", "MatchedPair", "SimilarityReport", "SourceFile", "Span"]


class SourceFile(BaseModel):
    """One file of code: a ``.py`` file, or a notebook's code cells joined."""

    model_config = ConfigDict(extra="forbid")

    path: str  # relative to the submission, e.g. "hw5/nn.py" or "hw5.ipynb"
    text: str


class CodeDocument(BaseModel):
    """Everything one submission holds in code, as one text the detector reads."""

    model_config = ConfigDict(extra="forbid")

    student: str  # a past term's submission is "<term folder>/<student>"
    past: bool = False
    files: list[str] = []
    text: str = ""
    notes: list[str] = []  # what was left out, and why (too big, unreadable)


class Span(BaseModel):
    """Characters ``[start, end)`` of a document."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: int
    end: int


class MatchedPair(BaseModel):
    """Two submissions and how much of each is found in the other.

    ``a_to_b`` is the share of a's fingerprinted code (boilerplate left out) that is found in
    b; ``b_to_a`` the other way. They differ when one is longer: a short submission copied
    whole into a long one is 100% of itself and a small part of the other."""

    model_config = ConfigDict(extra="forbid")

    student_a: str
    student_b: str
    a_to_b: float  # 0..1
    b_to_a: float  # 0..1
    spans_a: list[Span]
    spans_b: list[Span]
    b_is_past: bool = False

    @property
    def score(self) -> float:
        """The larger share: what the pairs are ranked by."""
        return max(self.a_to_b, self.b_to_a)


class SimilarityReport(BaseModel):
    """The most similar pairs of one assignment's submissions, most similar first."""

    model_config = ConfigDict(extra="forbid")

    assignment: str
    detector: str  # e.g. "copydetect 0.5.0 (k=25, window 6)"
    compared: int  # pairs compared
    seconds: float  # time spent fingerprinting and comparing
    boilerplate: list[str]  # the template's files that were left out of every score
    documents: list[CodeDocument]  # those in a pair
    pairs: list[MatchedPair]
    not_compared: dict[str, str] = {}  # student -> why (no code found)
