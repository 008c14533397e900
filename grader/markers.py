"""Solution markers: one source of truth for the reference and the student template.

A reference file marks each solution region::

    def softmax(x):
        \"\"\"Row-wise softmax. x: (N, C) -> (N, C).\"\"\"
        # BEGIN SOLUTION
        shifted = x - x.max(axis=1, keepdims=True)  # (N, C)
        ...
        # END SOLUTION

The template replaces the region with ``raise NotImplementedError(...)`` at the marker's
indentation; the solution text drops the marker lines and keeps the code between them.
nbgrader's spelling, ``### BEGIN SOLUTION`` / ``### END SOLUTION``, marks a region too, so a
master notebook written for nbgrader (:mod:`grader.notebook.master`) needs no edits.
"""

from __future__ import annotations

import re

from grader.errors import MaterialError

__all__ = ["BEGIN", "END", "has_markers", "solution_text", "template_text"]

BEGIN = re.compile(r"^(?P<indent>[ \t]*)#{1,3} BEGIN SOLUTION\s*$")
END = re.compile(r"^[ \t]*#{1,3} END SOLUTION\s*$")
STUB = 'raise NotImplementedError("{what}")'


def _regions(text: str, filename: str) -> list[tuple[int, int, str]]:
    """(begin line, end line, indent) of each region; fail fast on unbalanced markers."""
    regions: list[tuple[int, int, str]] = []
    open_at: tuple[int, str] | None = None
    for number, line in enumerate(text.splitlines()):
        if m := BEGIN.match(line):
            if open_at is not None:
                raise MaterialError(
                    f"{filename}:{number + 1}: BEGIN SOLUTION inside the region opened at line "
                    f"{open_at[0] + 1}; close each region with # END SOLUTION first"
                )
            open_at = (number, m["indent"])
        elif END.match(line):
            if open_at is None:
                raise MaterialError(
                    f"{filename}:{number + 1}: END SOLUTION with no BEGIN SOLUTION above it"
                )
            regions.append((open_at[0], number, open_at[1]))
            open_at = None
    if open_at is not None:
        raise MaterialError(
            f"{filename}:{open_at[0] + 1}: BEGIN SOLUTION is never closed; add # END SOLUTION"
        )
    return regions


def _enclosing_def(lines: list[str], begin: int) -> str:
    for line in reversed(lines[:begin]):
        if m := re.match(r"^\s*(?:async\s+)?def\s+(\w+)", line):
            return m.group(1)
    return "this part"


def solution_text(text: str, filename: str = "<reference>") -> str:
    """The reference with marker lines removed: what mutants patch and the reference grades."""
    _regions(text, filename)
    kept = [
        line
        for line in text.splitlines(keepends=True)
        if not (BEGIN.match(line) or END.match(line))
    ]
    return "".join(kept)


def template_text(text: str, filename: str = "<reference>") -> str:
    """The student's template: every solution region replaced by a NotImplementedError stub."""
    lines = text.splitlines(keepends=True)
    regions = _regions(text, filename)
    out: list[str] = []
    cursor = 0
    for begin, end, indent in regions:
        out.extend(lines[cursor:begin])
        what = f"{_enclosing_def(lines, begin)}: your code here"
        out.append(f"{indent}{STUB.format(what=what)}\n")
        cursor = end + 1
    out.extend(lines[cursor:])
    return "".join(out)


def has_markers(text: str) -> bool:
    return any(BEGIN.match(line) for line in text.splitlines())
