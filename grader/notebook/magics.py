"""Turn a notebook cell's IPython syntax into plain Python, line for line.

``%matplotlib inline``, ``!pip install torch``, ``files = !ls`` and ``obj?`` are IPython, not
Python, and mean nothing to the grader: each such line becomes ``pass`` at the same
indentation, so line numbers inside the cell stay what the student sees. A cell magic
(``%%bash``, ``%%writefile``) makes the whole cell another language and the cell is skipped,
except for the timing and capturing ones (``%%time``, ``%%capture``), whose body is Python.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

__all__ = ["CleanCell", "clean_cell"]

_PYTHON_BODY_MAGICS = frozenset({"time", "timeit", "capture", "prun"})
_LINE_MAGIC = re.compile(r"^(\s*)(?:[%!]|[A-Za-z_][\w.]*\s*=\s*[%!])")
_HELP = re.compile(r"^(\s*)[A-Za-z_][\w.]*\?\??\s*$")


class CleanCell(BaseModel):
    """A cell's Python text, the IPython lines taken out, or why the whole cell was skipped."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    removed: list[str] = []  # the IPython lines that became ``pass``
    skipped: str | None = None  # e.g. "a %%bash cell"


def clean_cell(source: str) -> CleanCell:
    """The Python in ``source``, with the same number of lines."""
    lines = source.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].strip()[2:].split(maxsplit=1)[0] if lines[first].strip()[2:] else ""
        if magic not in _PYTHON_BODY_MAGICS:
            return CleanCell(text="", skipped=f"a %%{magic} cell")
        lines[first] = "pass"
    removed = []
    for i, line in enumerate(lines):
        match = _LINE_MAGIC.match(line) or _HELP.match(line)
        if match and not _inside_string(lines, i):
            removed.append(line.strip())
            lines[i] = f"{match.group(1)}pass"
    return CleanCell(text="\n".join(lines), removed=removed)


def _inside_string(lines: list[str], index: int) -> bool:
    """Whether line ``index`` sits inside a triple-quoted string begun above it (a rough count)."""
    before = "\n".join(lines[:index])
    return (before.count('"""') % 2 == 1) or (before.count("'''") % 2 == 1)
