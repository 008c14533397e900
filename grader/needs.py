"""Which of the grader's extras grading one assignment needs (``dl-grader[torch]``, ``[data]``).

One rule for every place that installs the grader for an assignment: the CI workflow
(:mod:`grader.ci`) and the Gradescope autograder (:mod:`grader.export`). An extra is needed
when the worker preloads its package, when a check, helper or reference file imports it, or
when the spec's ``[data] needs`` or a check's call of :func:`grader.datasets.load_digits`
asks for scikit-learn's data.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from grader.course import Assignment
from grader.extras import EXTRAS

__all__ = ["EXTRA_OF_DATASET", "EXTRA_OF_IMPORT", "TORCH_CPU_INDEX", "extras_for", "uses_torch"]

TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
"""PyTorch's CPU-only wheels, a tenth of the size of its CUDA ones (CI runners and Gradescope
have no GPU)."""
EXTRA_OF_IMPORT = {name: extra.extra for name, extra in EXTRAS.items()}
"""Top-level module a course file or the worker's preload uses -> the extra that installs it
(:data:`grader.extras.EXTRAS`)."""
EXTRA_OF_DATASET = {"sklearn-digits": "data"}
"""A ``[data] needs`` name -> the extra that provides it."""
_DATA_LOADERS = re.compile(r"\bload_digits\b")  # grader.datasets' loaders built on scikit-learn


def extras_for(assignment: Assignment) -> list[str]:
    """The extras grading ``assignment`` needs, sorted (``[]`` for plain numpy)."""
    modules = {m.split(".")[0] for m in assignment.spec.worker.preload}
    files = _python_files(assignment)
    for path in files:
        modules |= _imported(path)
    extras = {EXTRA_OF_IMPORT[m] for m in modules if m in EXTRA_OF_IMPORT}
    extras |= {EXTRA_OF_DATASET[n] for n in assignment.spec.data.needs if n in EXTRA_OF_DATASET}
    if any(_DATA_LOADERS.search(_text(path)) for path in assignment.check_files()):
        extras.add("data")
    return sorted(extras)


def uses_torch(assignment: Assignment) -> bool:
    """Whether grading ``assignment`` needs torch (and so torch's CPU index)."""
    return "torch" in extras_for(assignment)


def _python_files(assignment: Assignment) -> list[Path]:
    return [
        *assignment.check_files(),
        *assignment.helper_files(),
        *sorted(assignment.reference_dir.rglob("*.py")),
    ]


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _imported(path: Path) -> set[str]:
    """The top-level modules ``path`` imports (an unreadable file imports nothing here: the
    checks themselves report it)."""
    try:
        tree = ast.parse(_text(path))
    except (SyntaxError, ValueError):
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names
