"""Where a mutant's ``within`` points: the text of one function, class or method of a file.

``within = "conv2d_forward"`` (a top-level function), ``"Conv2d"`` (a class) or
``"Conv2d.forward"`` (a method; any nesting of classes and functions, dotted) scopes a
mutant's replacements to that definition, decorators included, so its ``old`` text need only
be unique there.
"""

from __future__ import annotations

import ast

__all__ = ["definition_names", "definition_span"]

_Def = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def definition_span(source: str, dotted: str) -> tuple[int, int] | None:
    """(start, end) character offsets in ``source`` of the definition named ``dotted``, from
    its first decorator's line to its last line (newline included); None when there is none.
    Raises SyntaxError when ``source`` is not Python."""
    body: list[ast.stmt] = ast.parse(source).body
    node: _Def | None = None
    for name in dotted.split("."):
        node = next((n for n in body if isinstance(n, _Def) and n.name == name), None)
        if node is None:
            return None
        body = node.body
    if node is None or node.end_lineno is None:
        return None
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    starts = _line_starts(source)
    return starts[first - 1], starts[node.end_lineno]


def definition_names(source: str) -> list[str]:
    """Every dotted name :func:`definition_span` finds in ``source`` (for "did you mean")."""
    names: list[str] = []

    def walk(body: list[ast.stmt], prefix: str) -> None:
        for n in body:
            if isinstance(n, _Def):
                names.append(prefix + n.name)
                walk(n.body, f"{prefix}{n.name}.")

    walk(ast.parse(source).body, "")
    return names


def _line_starts(source: str) -> list[int]:
    """The offset where each line starts, and one past the end: the tokenizer's lines, which
    end at ``\\n`` (``\\r\\n`` included), not at every character ``str.splitlines`` splits on."""
    starts = [0]
    for i, char in enumerate(source):
        if char == "\n":
            starts.append(i + 1)
    if starts[-1] != len(source):
        starts.append(len(source))
    return starts
