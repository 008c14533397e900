"""Grading on push: ``grader ci`` and the GitHub Actions workflow for a student repository."""

from __future__ import annotations

import hashlib
from importlib import resources

from grader.ci.extras import TORCH_CPU_INDEX, requirement

__all__ = ["SOURCE_EXAMPLE", "workflow"]

SOURCE_EXAMPLE = "dl-grader @ git+https://github.com/my-course/dl-grader@v0.1.0"


def workflow(
    assignment_id: str, source: str, *, extras: list[str] | None = None, torch: bool = False
) -> str:
    """The workflow file for a student repository of ``assignment_id`` (``.github/workflows/grade.yml``).

    ``source`` is what ``pip install`` gets: a requirement such as
    ``dl-grader @ git+https://github.com/my-course/dl-grader@v0.1.0``; ``extras`` are added
    to it (:func:`grader.ci.extras.extras_for`), and ``torch`` adds PyTorch's CPU-only index
    so the job does not download CUDA wheels. The pip cache's key is a digest of both, so a
    new grader version or source starts a fresh cache.
    """
    extras = extras or []
    install = requirement(source, extras)
    index = f" --extra-index-url {TORCH_CPU_INDEX}" if torch else ""
    key = hashlib.sha256(f"{install}\n{index}".encode()).hexdigest()[:16]
    text = resources.files("grader.ci").joinpath("templates/grade-on-push.yml").read_text("utf-8")
    fills = {
        "assignment": assignment_id,
        "grader_source": install,
        "extras": f"[{','.join(extras)}]" if extras else " (core only)",
        "torch_note": ", with torch from PyTorch's CPU-only index" if torch else "",
        "cache_key": key,
        "index": index,
    }
    for name, value in fills.items():
        text = text.replace("{{" + name + "}}", value)
    return text
