"""Similarity: which submissions share code beyond the template (docs/similarity.md).

The stages read top to bottom: :func:`read_submissions` (each submission's code, unpacked
safely, never run) -> :func:`compare` (fingerprints, every pair, the template left out) ->
:func:`write_similarity` (a self-contained HTML page).
"""

from grader.similarity.compare import compare
from grader.similarity.detect import (
    CopydetectDetector,
    Detector,
    Fingerprint,
    MakeDetector,
    Overlap,
)
from grader.similarity.models import CodeDocument, MatchedPair, SimilarityReport, SourceFile, Span
from grader.similarity.report import render_similarity, write_similarity
from grader.similarity.sources import read_submissions, submission_code, template_code

__all__ = [
    "CodeDocument",
    "CopydetectDetector",
    "Detector",
    "Fingerprint",
    "MakeDetector",
    "MatchedPair",
    "Overlap",
    "SimilarityReport",
    "SourceFile",
    "Span",
    "compare",
    "read_submissions",
    "render_similarity",
    "submission_code",
    "template_code",
    "write_similarity",
]
