"""Pydantic's errors on a TOML file, in plain words: the key, what was given, the rule, the fix.

``points = "1"`` becomes ``parts.0.checks.test_a: a check's entry is its points, a number
(test_a = 1), or a table (test_a = { points = 1, seconds = 30 }); given "1" (text, in
quotes); write test_a = 1, without the quotes``, not "Input should be a valid dictionary or
instance of CheckConfig"; a misspelt key says which key was meant.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from grader.suggest import closest

__all__ = ["describe_validation_error"]

_GUIDE = "docs/authoring.md"

# pydantic's type errors -> what the value must be, in the TOML author's words
_EXPECTED = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text in quotes",
    "list_type": 'a list, like ["a", "b"]',
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
}


def describe_validation_error(
    path: Path, err: ValidationError, model: type[BaseModel], what: str = "assignment spec"
) -> str:
    """One line per problem in ``err``, raised by ``model`` on the file at ``path``: where
    (dotted key), the rule, what was given and the fix."""
    lines = [f"{path}: the {what} is invalid."]
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"]) or "(top level)"
        lines.append(f"  - {where}: {_problem(e, model)}")
    return "\n".join(lines)


def _problem(e: ErrorDetails, model: type[BaseModel]) -> str:
    loc, kind, given = e["loc"], e["type"], e.get("input")
    key = str(loc[-1]) if loc and isinstance(loc[-1], str) else None
    if kind == "extra_forbidden":
        match = closest(str(loc[-1]), _fields_at(model, loc[:-1])) if loc else None
        if match is not None:
            return f"unknown field; did you mean {match}? Rename it to {match}, or remove it"
        return f"unknown field; remove it or check its spelling against {_GUIDE}"
    if kind == "missing":
        return "required field is missing; add it"
    if key is not None and len(loc) >= 2 and loc[-2] == "checks" and kind in _EXPECTED:
        return _check_entry(key, given)
    if kind in _EXPECTED:
        expected = _EXPECTED[kind]
        return f"must be {expected}, given {_given(given)}; {_fix(key, expected, given)}"
    msg = e["msg"].removeprefix("Value error, ")
    if kind == "value_error" or "given" in msg:
        return msg
    return f"{msg.replace('Input should be', 'must be')}, given {_given(given, kind=False)}"


def _check_entry(name: str, given: object) -> str:
    rule = (
        f"a check's entry is its points, a number ({name} = 1), or a table "
        f"({name} = {{ points = 1, seconds = 30 }})"
    )
    if isinstance(given, str) and _is_number(given):
        return f"{rule}; given {_given(given)}; write {name} = {given.strip()}, without the quotes"
    return f"{rule}; given {_given(given)}; write one of those"


def _fix(key: str | None, expected: str, given: object) -> str:
    """How to write ``given`` as ``expected``, with the key when there is one."""
    lead = f"{key} = " if key else ""
    if expected in ("a number", "a whole number") and isinstance(given, str) and _is_number(given):
        return f"write it without the quotes: {lead}{given.strip()}"
    if expected == "text in quotes" and isinstance(given, int | float | bool):
        return f'put it in quotes: {lead}"{_toml(given)}"'
    if expected.startswith("a list") and isinstance(given, str):
        return f'write it as a list: {lead}["{given}"]'
    if (
        expected == "true or false"
        and isinstance(given, str)
        and given.lower() in ("true", "false")
    ):
        return f"write it without the quotes: {lead}{given.lower()}"
    return f"write {expected} there (see {_GUIDE})"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _given(value: object, *, kind: bool = True) -> str:
    """The value as the author wrote it; with ``kind``, a string says it is text in quotes."""
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f'"{shown}" (text, in quotes)' if kind else f'"{shown}"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    shown = _toml(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The keys allowed in the table at ``loc`` inside ``model`` ([] where that is not a model)."""
    annotation: Any = model
    for step in loc:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(step))
            if field is None:
                return []
            annotation = field.annotation
        else:  # list[X] or dict[str, X]: step is an index or a key
            args = get_args(annotation)
            annotation = args[-1] if args else None
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """``X | None`` -> ``X``; anything else as it is."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation
