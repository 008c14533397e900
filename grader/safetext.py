"""Student-controlled text made safe to show: in a terminal, a CSV cell, a file.

Everything a submission or its worker produces (messages, tracebacks, folder names,
printed output) is hostile text. Before it reaches a person's terminal or a spreadsheet it
goes through one of these functions; HTML is escaped by the report templates instead, and
Markdown by the feedback page's filters.

* :func:`printable`: for a terminal or a log. No escape sequences, no control characters.
* :func:`csv_cell`: for a text cell of a CSV file. Printable, and never a formula.
* :func:`well_formed` and :func:`well_formed_model`: for any file. A folder name that is not
  UTF-8 reaches Python as lone surrogates (``"\\udc80"``, PEP 383), which no UTF-8 writer
  and no JSON serialiser accepts; these replace each with U+FFFD.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePath
from typing import TypeVar

from pydantic import BaseModel

__all__ = ["csv_cell", "printable", "printable_model", "well_formed", "well_formed_model"]

# C0 and C1 control characters except tab and newline, DEL, and the Unicode bidi overrides
# and isolates (they reorder what a reader sees: "Trojan Source", CVE-2021-42574).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# CSI (colours, cursor moves, screen clears) and OSC (window titles, hyperlinks, clipboard),
# in their 7-bit (ESC [, ESC ]) and 8-bit (U+009B, U+009D) forms, and other ESC sequences.
_ESCAPE = re.compile(
    r"(\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(\x1b\]|\x9d)[^\x07\x1b\x9c]*(\x07|\x1b\\|\x9c)?"
    r"|\x1b[@-Z\\-_]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_FORMULA = ("=", "+", "-", "@", "\t", "\r", "\n")
CELL_LIMIT = 32_767
"""Characters a spreadsheet cell holds (Excel's limit; Python's csv reader stops at 131,072)."""

M = TypeVar("M", bound=BaseModel)


def printable(text: str) -> str:
    """``text`` without terminal escape sequences or control characters (tab and newline
    stay; a carriage return becomes a newline so nothing is overwritten on screen; a lone
    surrogate becomes U+FFFD)."""
    text = _ESCAPE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return well_formed(_CONTROL.sub("", text))


def csv_cell(text: str, limit: int = CELL_LIMIT) -> str:
    """``text`` as a spreadsheet cell that cannot start a formula (OWASP "CSV injection"):
    a cell starting with = + - @ tab or a line break, or with one of = + - @ after spaces
    (some spreadsheets trim them), gets a leading apostrophe.

    Only for text cells (names, reasons): a number such as ``-2`` stays a number. Text
    longer than ``limit`` characters is cut, ending in "…", so every spreadsheet reads it."""
    text = printable(text)
    text = text if len(text) < limit else text[: limit - 2] + "…"
    return "'" + text if text.startswith(_FORMULA) or text.lstrip().startswith(_FORMULA) else text


def well_formed(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, so that it encodes as UTF-8."""
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


def well_formed_model(model: M) -> M:
    """A copy of ``model`` with :func:`well_formed` applied to every string in it (paths,
    list items and dict keys included); ``model`` itself when there is nothing to change."""
    return _map_strings(model, well_formed)


def printable_model(model: M) -> M:
    """A copy of ``model`` with :func:`printable` applied to every string in it, as
    :func:`well_formed_model` does; ``model`` itself when there is nothing to change."""
    return _map_strings(model, printable)


def _map_strings(model: M, clean: Callable[[str], str]) -> M:
    data = model.model_dump()
    cleaned = _map_data(data, clean)
    return model if cleaned == data else type(model).model_validate(cleaned)


def _map_data(value: object, clean: Callable[[str], str]) -> object:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, PurePath):
        return type(value)(clean(str(value)))
    if isinstance(value, dict):
        return {_map_data(k, clean): _map_data(v, clean) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_map_data(item, clean) for item in value)
    return value
