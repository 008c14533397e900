"""Links between the pages of a results folder: relative, so the folder can be moved,
zipped or served as it is."""

from __future__ import annotations

import os
from pathlib import Path, PurePath
from urllib.parse import quote

__all__ = ["FEEDBACK_PAGE", "relative_href"]

FEEDBACK_PAGE = "feedback.html"
"""A student's feedback page, in their folder of the results."""


def relative_href(target: Path, page: Path) -> str:
    """The URL of ``target`` from the page written at ``page``, percent-encoded.

    ``results/ada/feedback.html`` from ``results/report.html`` is ``ada/feedback.html``;
    from ``pages/class.html`` it is ``../results/ada/feedback.html``. A folder name with a
    space, ``#``, ``?`` or bytes that are not UTF-8 is encoded, not cut. Where no relative
    path exists (another drive), the ``file:`` URL."""
    try:
        relative = os.path.relpath(target.absolute(), page.absolute().parent)
    except ValueError:
        return target.absolute().as_uri()
    return "/".join(_quote(part) for part in PurePath(relative).parts)


def _quote(part: str) -> str:
    """A path segment percent-encoded: undecodable bytes (``\udc80``-``\udcff``) as the bytes
    they were, any other lone surrogate as U+FFFD."""
    try:
        return quote(part, safe="", errors="surrogateescape")
    except UnicodeEncodeError:
        return quote(part, safe="", errors="replace")
