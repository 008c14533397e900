"""Detectors: code -> fingerprint, and two fingerprints -> how much of each is in the other.

:class:`Detector` is the interface; :class:`CopydetectDetector` is the one we use
(copydetect: Python tokens with names, strings and comments normalised, k-grams of them,
winnowed; Schleimer, Wilkerson & Aiken 2003, the method behind MOSS). Another detector is
one new class with the same two methods, passed to :func:`grader.similarity.compare.compare`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, Self

import numpy as np

from grader.extras import require
from grader.similarity.models import Span

__all__ = ["CopydetectDetector", "Detector", "Fingerprint", "MakeDetector", "Overlap"]


@dataclass(frozen=True)
class Overlap:
    """How much of a's code is found in b (``a_to_b``, 0..1), the other way, and where."""

    a_to_b: float
    b_to_a: float
    spans_a: list[Span]
    spans_b: list[Span]


class Fingerprint(Protocol):
    """One document, fingerprinted."""

    def overlap(self, other: Self) -> Overlap:
        """What this document and ``other`` share."""
        ...


class Detector(Protocol):
    """Fingerprints documents with one boilerplate left out (given when it is made)."""

    @property
    def name(self) -> str:
        """What the report says was used, e.g. ``copydetect 0.5.0 (k=25, window 6)``."""
        ...

    def fingerprint(self, code: str) -> Fingerprint:
        """``code`` (Python source, possibly with notebook magics) fingerprinted."""
        ...


MakeDetector = Callable[[str], Detector]
"""Boilerplate code -> a detector that leaves it out of every fingerprint."""


class CopydetectDetector:
    """copydetect's fingerprints. ``noise``: matches shorter than this many normalised
    characters are ignored; ``guarantee``: matches this long are always found."""

    def __init__(self, boilerplate: str, *, noise: int = 25, guarantee: int = 30) -> None:
        self._lib = require("copydetect", why="the similarity report", who="grader similarity")
        self._k, self._window = noise, guarantee - noise + 1
        template = self._print(boilerplate, window=1, boilerplate=None)  # every k-gram
        self._boilerplate = np.unique(np.array(sorted(template.hashes), dtype=np.int64))

    @property
    def name(self) -> str:
        return f"copydetect {self._lib.__version__} (k={self._k}, window {self._window})"

    def fingerprint(self, code: str) -> _CopydetectPrint:
        return _CopydetectPrint(
            self._print(code, window=self._window, boilerplate=self._boilerplate),
            self._lib.compare_files,
        )

    def _print(self, code: str, *, window: int, boilerplate: Any) -> Any:
        # the name only picks the lexer (Python); the code comes from fp, no file is read
        return self._lib.CodeFingerprint(
            "submission.py", self._k, window, boilerplate=boilerplate, fp=io.StringIO(code)
        )


class _CopydetectPrint:
    def __init__(self, data: Any, compare_files: Callable[[Any, Any], Any]) -> None:
        self._data = data
        self._compare = compare_files

    def overlap(self, other: _CopydetectPrint) -> Overlap:
        if not (self._data.hashes & other._data.hashes):
            return Overlap(0.0, 0.0, [], [])  # the common case: nothing shared, nothing to map
        _, (share_a, share_b), (slices_a, slices_b) = self._compare(self._data, other._data)
        return Overlap(_share(share_a), _share(share_b), _spans(slices_a), _spans(slices_b))


def _share(value: Any) -> float:
    share = float(value)
    return min(max(share, 0.0), 1.0) if np.isfinite(share) else 0.0


def _spans(slices: Any) -> list[Span]:
    """copydetect's (2, N) array of starts and ends -> spans."""
    array = np.asarray(slices)
    if array.ndim != 2 or array.shape[1] == 0:
        return []
    return [Span(start=int(s), end=int(e)) for s, e in zip(array[0], array[1], strict=True)]
