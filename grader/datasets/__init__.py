"""Datasets the checks read, by the names an assignment lists under ``[data] needs``.

Every dataset here ships with an installed package or the repository: nothing is downloaded
at grade time. Loaders are cached per process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from grader.datasets.digits import DigitsSplits, load_digits
from grader.errors import MaterialError

__all__ = ["KNOWN", "DigitsSplits", "load_digits", "require"]

KNOWN: dict[str, Callable[[], object]] = {
    "sklearn-digits": load_digits,
}


def require(names: Iterable[str]) -> None:
    """Load every named dataset once, so a missing one fails before any check runs.

    Raises:
        MaterialError: a name that no loader here provides.
    """
    for name in names:
        if name not in KNOWN:
            known = ", ".join(sorted(KNOWN))
            raise MaterialError(
                f"[data] needs names an unknown dataset, given: {name!r}; known datasets: {known}"
            )
        KNOWN[name]()
