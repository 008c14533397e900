"""Markdown that renders as the literal text: the filters the feedback page's Markdown
template escapes every field through (no raw HTML, links, images, emphasis or fences that a
student's text could open)."""

from __future__ import annotations

import re

from grader.safetext import printable

__all__ = ["md_cell", "md_code", "md_fence", "md_inline"]

_MD_SPECIAL = re.compile(r"[\\`*<\[&~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_MD_BLOCK_START = re.compile(r"^(\d*)([#>+*-]|(?<=\d)[.)])")


def md_inline(text: str) -> str:
    """One line of Markdown that renders as the literal text: no raw HTML, links, images,
    emphasis, entities, fences or control characters.

    Underscores inside words (``snake_case``) cannot start emphasis and stay unescaped.
    """
    text = _MD_SPECIAL.sub(r"\\\g<0>", " ".join(printable(text).split()))
    return _MD_BLOCK_START.sub(r"\1\\\2", text)


def md_cell(text: str) -> str:
    """:func:`md_inline` for a table cell."""
    return md_inline(text).replace("|", "\\|")


def md_code(text: str) -> str:
    """An inline code span around ``text`` that backticks inside cannot close."""
    text = " ".join(printable(text).split())
    runs = [len(run) for run in re.findall(r"`+", text)]
    ticks = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def md_fence(text: str) -> str:
    """A fenced code block that ``text`` cannot close early."""
    runs = [len(run) for run in re.findall(r"`{3,}", text)]
    fence = "`" * max([3, *(n + 1 for n in runs)])
    body = text.rstrip("\n")
    return f"{fence}text\n{body}\n{fence}"
