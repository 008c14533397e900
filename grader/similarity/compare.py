"""Compare: every pair of this term's submissions, and each of them against past terms'.

Past submissions are not compared with each other: their pairs were a past term's business.
The template's code is the boilerplate: the detector leaves it out of every fingerprint, so
two untouched stubs do not match, and a score is a share of the code a student wrote.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from grader.similarity.detect import CopydetectDetector, Detector, Fingerprint, MakeDetector
from grader.similarity.models import CodeDocument, MatchedPair, SimilarityReport, SourceFile
from grader.similarity.sources import joined

__all__ = ["compare"]


def compare(
    documents: list[CodeDocument],
    boilerplate: list[SourceFile],
    *,
    assignment: str,
    top: int = 20,
    make_detector: MakeDetector = CopydetectDetector,
) -> SimilarityReport:
    """The ``top`` most similar pairs among ``documents`` (past ones flagged ``past``), most
    similar first; pairs that share nothing are never listed."""
    started = time.perf_counter()
    template, _ = joined(boilerplate, [])
    detector = make_detector(template)
    prints, unread = _fingerprints(detector, documents)
    with_code = [d for d in documents if d.student in prints]
    pairs: list[MatchedPair] = []
    compared = 0
    for a, b in _pairs(with_code):
        compared += 1
        shared = prints[a.student].overlap(prints[b.student])
        if shared.a_to_b > 0 or shared.b_to_a > 0:
            pairs.append(
                MatchedPair(
                    student_a=a.student,
                    student_b=b.student,
                    a_to_b=shared.a_to_b,
                    b_to_a=shared.b_to_a,
                    spans_a=shared.spans_a,
                    spans_b=shared.spans_b,
                    b_is_past=b.past,
                )
            )
    pairs.sort(key=lambda p: (-p.score, p.student_a, p.student_b))
    pairs = pairs[:top]
    shown = {p.student_a for p in pairs} | {p.student_b for p in pairs}
    return SimilarityReport(
        assignment=assignment,
        detector=detector.name,
        compared=compared,
        seconds=time.perf_counter() - started,
        boilerplate=[f.path for f in boilerplate],
        documents=[d for d in documents if d.student in shown],
        pairs=pairs,
        not_compared=unread,
    )


def _fingerprints(
    detector: Detector, documents: list[CodeDocument]
) -> tuple[dict[str, Fingerprint], dict[str, str]]:
    """(student -> fingerprint, student -> why there is none). A document the detector
    fails on is one student's problem: it is listed as not compared, and the rest go on."""
    prints: dict[str, Fingerprint] = {}
    unread: dict[str, str] = {}
    for doc in documents:
        if not doc.text.strip():
            unread[doc.student] = (
                "; ".join(doc.notes) or "no .py file and no notebook code cell in it"
            )
            continue
        try:
            prints[doc.student] = detector.fingerprint(doc.text)
        except Exception as exc:  # the library, on hostile text: never the whole class
            unread[doc.student] = f"the detector could not read its code ({type(exc).__name__})"
    return prints, unread


def _pairs(documents: list[CodeDocument]) -> Iterator[tuple[CodeDocument, CodeDocument]]:
    """(current, current) once each, then (current, past)."""
    current = [d for d in documents if not d.past]
    past = [d for d in documents if d.past]
    for i, a in enumerate(current):
        for b in current[i + 1 :]:
            yield a, b
        for b in past:
            yield a, b
