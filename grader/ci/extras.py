"""Which extras of the grader a CI job installs for one assignment, and the pip line for it.

The grader's core grades plain Python and numpy; heavier dependencies are extras
(``dl-grader[torch]``, ``[data]``, ...). A job installs only what the assignment needs, so a
numpy assignment's job does not download torch.
"""

from __future__ import annotations

import re

from grader.course import Assignment

__all__ = ["TORCH_CPU_INDEX", "extras_for", "requirement", "uses_torch"]

TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"  # CPU-only wheels: no CUDA download
_TORCH_MODULES = ("torch", "torchvision")
_SKLEARN_DATASETS = ("sklearn-digits",)  # grader.datasets' in-memory data from scikit-learn
_SKLEARN_LOADERS = re.compile(r"\bload_digits\b")
_NAMED = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?P<rest>\s*@\s*.+|[<>=!~;].*|)$")


def uses_torch(assignment: Assignment) -> bool:
    """Whether the worker preloads torch (the spec's ``[worker] preload``)."""
    return any(m.split(".")[0] in _TORCH_MODULES for m in assignment.spec.worker.preload)


def extras_for(assignment: Assignment) -> list[str]:
    """The grader's extras that grading ``assignment`` needs, sorted: ``torch`` when its
    worker preloads torch, ``data`` when its checks load scikit-learn's digits (a
    ``[data] needs`` entry, or a check that calls ``grader.datasets.load_digits``)."""
    extras = set()
    if uses_torch(assignment):
        extras.add("torch")
    needs = assignment.spec.data.needs
    checks = assignment.course / "assignments" / assignment.id / "checks"
    if any(n in _SKLEARN_DATASETS for n in needs) or any(
        _SKLEARN_LOADERS.search(p.read_text(encoding="utf-8", errors="replace"))
        for p in sorted(checks.rglob("*.py"))
    ):
        extras.add("data")
    return sorted(extras)


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
