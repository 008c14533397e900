"""'Did you mean ...?' for a misspelt name: a check, a file, a spec key."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["closest", "did_you_mean"]


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate most like ``name``, if one is close enough to be a likely misspelling."""
    matches = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """``" (did you mean X?)"`` for the closest candidate, or ``""`` when none is close."""
    match = closest(name, candidates)
    return f" (did you mean {match}?)" if match is not None and match != name else ""
