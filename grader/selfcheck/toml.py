"""A small TOML writer for the public spec: tables, arrays of tables, inline values.

The standard library reads TOML but does not write it; the public spec needs only strings,
numbers, booleans, lists and nested tables, written the same way every time.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["toml_text"]

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_text(data: dict[str, Any]) -> str:
    """``data`` as TOML: scalars first, then one ``[table]`` per dict and ``[[array]]`` per
    list of dicts; dicts below the first level are inline tables."""
    lines = [f"{_key(k)} = {_value(v)}" for k, v in data.items() if not _tabular(v)]
    for key, value in data.items():
        if isinstance(value, dict):
            lines += ["", f"[{_key(key)}]", *(f"{_key(k)} = {_value(v)}" for k, v in value.items())]
    for key, value in data.items():
        if _tabular(value) and isinstance(value, list):
            for item in value:
                lines += ["", f"[[{_key(key)}]]"]
                lines += [f"{_key(k)} = {_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


def _tabular(value: Any) -> bool:
    if isinstance(value, dict):
        return True
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _key(key: str) -> str:
    return key if _BARE.match(key) else json.dumps(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"a {type(value).__name__} cannot be written as TOML: {value!r}")
