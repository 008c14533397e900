"""Which extras of the grader a CI job installs for one assignment, and the pip line for it.

The grader's core grades plain Python and numpy; heavier dependencies are extras
(``dl-grader[torch]``, ``[data]``, ...). A job installs only what the assignment needs, so a
numpy assignment's job does not download torch. Which extras: :mod:`grader.needs`.
"""

from __future__ import annotations

import re

from grader.needs import TORCH_CPU_INDEX, extras_for, uses_torch

__all__ = ["TORCH_CPU_INDEX", "extras_for", "requirement", "uses_torch"]

_NAMED = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?P<rest>\s*@\s*.+|[<>=!~;].*|)$")


def requirement(source: str, extras: list[str]) -> str:
    """``source`` with ``extras``: ``dl-grader @ git+URL`` becomes ``dl-grader[torch] @ git+URL``,
    ``dl-grader==0.2`` becomes ``dl-grader[torch]==0.2``, a wheel or folder path gets
    ``[torch]`` appended. A bare URL cannot carry extras: it must name the package."""
    source = source.strip()
    if not extras:
        return source
    tag = f"[{','.join(extras)}]"
    named = _NAMED.match(source)
    if named and "/" not in named["name"]:
        return f"{named['name']}{tag}{named['rest']}"
    if "://" in source:
        raise ValueError(
            f"--grader-source {source!r} is a bare URL, which cannot carry the extras "
            f"{tag}; name the package: 'dl-grader @ {source}'"
        )
    return f"{source}{tag}"
