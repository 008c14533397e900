"""Alternatives: correct submissions written differently, which the checks must pass.

``assignments/<id>/alternatives/<name>/`` is a complete submission folder, as a student
would hand it in: the reference's promise met another way (a loop where the reference
vectorises, ``np.linalg.norm`` where it writes the sum out, log-probabilities where it
returns logits when the handout allows both). ``grader validate`` grades each one in the
same run as the reference, the template and the mutants, and expects full marks; a check
that fails one tests how the reference is written rather than what the handout promises.

Alternatives stay with the instructor: ``grader release`` and the self-check bundle read
only ``reference/`` and the public checks, so nothing here reaches students.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from grader.course import Assignment
from grader.errors import MaterialError

__all__ = ["load_alternatives", "write_alternative"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_DEBRIS = frozenset({"__pycache__", ".DS_Store", ".ipynb_checkpoints"})


def load_alternatives(assignment: Assignment) -> dict[str, Path]:
    """Name -> folder of every alternative; fail fast when there is none or one is malformed."""
    folder = assignment.alternatives_dir
    found = (
        sorted(p for p in folder.iterdir() if p.is_dir() and p.name not in _DEBRIS)
        if folder.is_dir()
        else []
    )
    if not found:
        raise MaterialError(
            f"{folder}: no alternatives; every assignment ships correct submissions written "
            "differently from the reference (one folder each, e.g. alternatives/loops/nn.py), "
            "which validate expects to score 100% (see docs/authoring.md#alternatives)"
        )
    modules = [f for f in assignment.spec.submission.files if f.endswith(".py")]
    for path in found:
        if not _NAME.match(path.name):
            raise MaterialError(
                f"{path}: alternative folders are named in lower_snake_case like "
                f"loops or log_probs, given: {path.name!r}; rename the folder"
            )
        notebook = assignment.spec.submission.notebook is not None and any(path.glob("*.ipynb"))
        if not notebook and not any((path / f).is_file() for f in modules):
            raise MaterialError(
                f"{path}: the alternative holds none of the submitted modules "
                f"({', '.join(modules)}); put a complete submission in it"
            )
    return {p.name: p for p in found}


def write_alternative(assignment: Assignment, source: Path, dest: Path) -> None:
    """Copy the alternative ``source`` into ``dest``; submitted data files (weights) it does
    not hold come from the reference, so an alternative is only code."""
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(*_DEBRIS))
    for file in assignment.spec.submission.files:
        if not file.endswith(".py") and not (dest / file).exists():
            shutil.copyfile(assignment.reference_dir / file, dest / file)
