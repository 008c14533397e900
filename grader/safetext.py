"""Student-controlled text made safe to show: in a terminal, a CSV cell, a log.

Everything a submission or its worker produces (messages, tracebacks, folder names,
printed output) is hostile text. Before it reaches a person's terminal or a spreadsheet it
goes through one of these functions; HTML is escaped by the report templates instead.
"""

from __future__ import annotations

import re

__all__ = ["csv_cell", "printable"]

# C0 and C1 control characters except tab and newline, DEL, and the Unicode bidi overrides
# and isolates (they reorder what a reader sees: "Trojan Source", CVE-2021-42574).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ESCAPE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def printable(text: str) -> str:
    """``text`` without terminal escape sequences or control characters (tab and newline
    stay; a carriage return becomes a newline so nothing is overwritten on screen)."""
    text = _ESCAPE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def csv_cell(text: str) -> str:
    """``text`` as a spreadsheet cell that cannot start a formula (OWASP "CSV injection"):
    a cell starting with = + - @ tab or carriage return gets a leading apostrophe."""
    text = printable(text)
    return "'" + text if text.startswith(_FORMULA) else text
