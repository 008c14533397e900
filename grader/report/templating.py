"""The one way the pages are rendered: a jinja2 environment over a templates folder, HTML
autoescaped, undefined names an error, blocks trimmed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

__all__ = ["html_environment"]


def html_environment(templates: Path, **filters: Callable[..., Any]) -> jinja2.Environment:
    """An environment over ``templates`` that escapes every value it puts in a page (student
    text among them), with ``filters`` added."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(filters)
    return env
