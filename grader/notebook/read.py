"""Read a handed-in ``.ipynb`` as a list of cells, in the trusted process.

Only JSON is parsed here; nothing in the notebook runs. Real notebooks are messy (Colab
exports with outputs and widget state, nbformat 3 files, cells whose ``source`` is a list of
lines, duplicate cell ids from copy-pasting), so the reader takes what it needs, the cell
types and sources, and leaves every other field alone. What it cannot read is refused with
a message naming the notebook, the rule and the fix (:class:`NotebookRefused`).
"""

from __future__ import annotations

import codecs
import json
from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["MAX_CELLS", "MAX_JSON_VALUES", "Cell", "NotebookRefused", "ParsedNotebook", "parse_notebook"]

MAX_CELLS = 10_000
"""The most cells a notebook may hold (real homework holds tens to hundreds); each code cell
is parsed in the grader's process, about 0.2 ms a cell."""
MAX_JSON_VALUES = 2_000_000
"""The most JSON values (counted from the commas, braces and brackets, before parsing) a
notebook may hold. Parsing costs memory per value, not per byte: 5 MB of ``{},{},...`` is
1.9 million dicts and 140 MB in the grader's process, and the 200 MB a submission may hold
would be 5 GB. Real notebooks hold images as base64 strings, a value each."""

_FIX_DOWNLOAD = (
    "download it again from Jupyter (File > Download as > Notebook) or Colab "
    "(File > Download > Download .ipynb)"
)


class NotebookRefused(Exception):
    """A notebook the grader cannot read; the message is for the student."""


class Cell(BaseModel):
    """One cell: its position from the top (1-based, as a student counts), type and text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: int
    kind: Literal["code", "markdown", "raw"]
    source: str


class ParsedNotebook(BaseModel):
    """The cells of one notebook, and what the reader noticed on the way."""

    model_config = ConfigDict(extra="forbid")

    name: str
    cells: list[Cell]
    notes: list[str] = []

    @property
    def code_cells(self) -> list[Cell]:
        return [c for c in self.cells if c.kind == "code"]


def parse_notebook(data: bytes, name: str) -> ParsedNotebook:
    """The cells of the notebook ``name`` whose bytes are ``data``, or :class:`NotebookRefused`."""
    top = _json(data, name)
    notes: list[str] = []
    raw_cells = _raw_cells(top, name)
    if len(raw_cells) > MAX_CELLS:
        raise NotebookRefused(
            f"{name} has {len(raw_cells):,} cells, more than the {MAX_CELLS:,} a notebook may "
            "have; hand in the notebook you worked in"
        )
    cells = []
    for number, raw in enumerate(raw_cells, start=1):
        cell = _cell(raw, number, top.get("nbformat"))
        if cell is None:
            notes.append(f"{name}: cell {number} is not a cell Jupyter knows; it was skipped")
            continue
        cells.append(cell)
    _note_duplicate_ids(raw_cells, name, notes)
    if not any(c.source.strip() for c in cells if c.kind == "code"):
        raise NotebookRefused(
            f"{name} has no code in it (it has {len(cells)} cell(s), none with code); "
            "hand in the notebook you worked in, saved after your last edit"
        )
    return ParsedNotebook(name=name, cells=cells, notes=notes)


def _json(data: bytes, name: str) -> dict[str, Any]:
    try:
        text = data.removeprefix(codecs.BOM_UTF8).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotebookRefused(
            f"{name} is not UTF-8 text (byte {exc.start}), so it is not a notebook file; {_FIX_DOWNLOAD}"
        ) from None
    if not text.strip():
        raise NotebookRefused(f"{name} is empty (0 cells, no JSON at all); {_FIX_DOWNLOAD}")
    values = data.count(b",") + data.count(b"{") + data.count(b"[")
    if values > MAX_JSON_VALUES:
        raise NotebookRefused(
            f"{name} holds about {values:,} JSON values, more than the {MAX_JSON_VALUES:,} a "
            "notebook may hold (printed output, most likely); clear the outputs (Edit > Clear "
            "All Outputs in Jupyter or Colab), save, and hand it in again"
        )
    try:
        top = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookRefused(
            f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}), so "
            f"it is damaged or was edited as text; {_FIX_DOWNLOAD}"
        ) from None
    except RecursionError:
        raise NotebookRefused(
            f"{name} is nested too deeply to be a notebook; {_FIX_DOWNLOAD}"
        ) from None
    if not isinstance(top, dict):
        raise NotebookRefused(
            f"{name} is JSON but not a notebook (the top level is a {type(top).__name__}, "
            f"not an object with cells); {_FIX_DOWNLOAD}"
        )
    return top


def _raw_cells(top: dict[str, Any], name: str) -> list[Any]:
    """The cell objects: nbformat 4 keeps them in ``cells``, nbformat 3 in ``worksheets``."""
    if isinstance(top.get("cells"), list):
        return list(top["cells"])
    sheets = top.get("worksheets")
    if isinstance(sheets, list):
        return [c for s in sheets if isinstance(s, dict) for c in s.get("cells", []) or []]
    raise NotebookRefused(
        f"{name} is JSON but has no list of cells, so it is not a Jupyter notebook; {_FIX_DOWNLOAD}"
    )


def _cell(raw: Any, number: int, nbformat: Any) -> Cell | None:
    if not isinstance(raw, dict):
        return None
    kind = raw.get("cell_type")
    if kind in ("heading",):  # nbformat 3
        kind = "markdown"
    if kind not in ("code", "markdown", "raw"):
        return None
    key = "input" if nbformat == 3 and kind == "code" else "source"
    source = raw.get(key, "")
    if isinstance(source, list):
        source = "".join(s for s in source if isinstance(s, str))
    if not isinstance(source, str):
        return None
    return Cell(number=number, kind=kind, source=source)


def _note_duplicate_ids(raw_cells: list[Any], name: str, notes: list[str]) -> None:
    ids: list[str] = [
        c["id"] for c in raw_cells if isinstance(c, dict) and isinstance(c.get("id"), str)
    ]
    repeated = sorted(i for i, n in Counter(ids).items() if n > 1)
    if repeated:
        shown = ", ".join(repr(i) for i in repeated[:5])
        notes.append(
            f"{name}: several cells share the id {shown} (copy-pasted cells?); Jupyter may refuse "
            "to open the file. The grader ignores cell ids, so this costs nothing"
        )
