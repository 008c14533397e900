"""What a hidden check's failure may say: shapes, dtypes and error sizes, never values.

A hidden check computes its expected values from the reference at grade time; a message that
printed them (``np.testing``'s ``DESIRED: array(...)``, pytest's ``assert 3.0 == 917.25``,
``torch.testing``'s ``Expected 917.25 but got 3.0``) would hand out the answer. So every
message of a hidden check's exception goes through :class:`Redactor`, which is safe by
default: it keeps only what it recognises as safe and drops the rest.

=========================  ===================================================================
kept as it is              the lines of ``np.testing``, ``torch.testing`` and
                           ``pytest.approx`` that give tolerances, mismatched counts, error
                           sizes, shapes and dtypes (:data:`SAFE_LINES`)
a failed ``assert``        its source, with literals written ``…`` (``assert loss == …``);
                           pytest's rewritten line only when the comparison is of shapes,
                           dtypes, ``ndim`` or ``len`` and holds nothing else
                           (``assert (4, 2) == (4, 3)``); its message as the check's words
``raise``/``pytest.fail``  the words of a literal or f-string message (fields ``…``); a
                           message made some other way (``repr(want)``) shows nothing
any other line             the check's own words: numbers and quoted text become ``…``; a
                           line with array or tensor literals, brackets, ``<...>`` reprs or
                           more than three numbers is dropped (:func:`own_words`)
=========================  ===================================================================

The messages of :mod:`grader.checks.expect` (:class:`grader.errors.CheckFailed`) and of the
grader itself (:class:`grader.errors.SubmissionFault`) are written for students and are not
touched; public checks' messages are not touched either (students have those checks).
"""

from __future__ import annotations

import ast
import copy
import functools
import re
from pathlib import Path
from types import TracebackType
from typing import TypeGuard

from grader.errors import SubmissionFault

__all__ = ["SAFE_LINES", "WITHHELD", "Redactor", "own_words"]

WITHHELD = "(a hidden check does not show values)"

_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?inf|nan"
_INTS = r"(?:\d+(?:,\s*\d+)*,?)?"
_SHAPE = rf"\({_INTS}\)|torch\.Size\(\[{_INTS}\]\)"
_DTYPE = (
    r"(?:torch|np|numpy)\.\w+|dtype\('\w+'\)|<class 'numpy\.\w+'>"
    r"|(?:b?float|u?int|complex)\d+|bool"
)

SAFE_LINES = tuple(
    re.compile(pattern)
    for pattern in (
        rf"Not equal to tolerance rtol=(?:{_NUM}), atol=(?:{_NUM})",
        r"Arrays are not (?:equal|almost equal to \d+ decimals|less-ordered)",
        r"Items are not equal(?: to \d+ significant digits)?:?",
        r"(?:Tensor-likes|Scalars) are not (?:close|equal)!",
        r"comparison failed",
        rf"(?:comparison failed\. )?Mismatched elements: \d+ / \d+(?: \((?:{_NUM})%\))?:?",
        rf"Max (?:absolute|relative) difference(?: among violations)?: (?:{_NUM})",
        rf"Greatest (?:absolute|relative) difference: (?:{_NUM}) at index \({_INTS}\)"
        rf" \(up to (?:{_NUM}) allowed\)",
        rf"(?:Absolute|Relative) difference: (?:{_NUM}) \(up to (?:{_NUM}) allowed\)",
        rf"\(shapes (?:{_SHAPE}), (?:{_SHAPE}) mismatch\)",
        r"x and y (?:nan|\+inf|-inf) location mismatch:?",
        rf"The values for attribute 'shape' do not match: (?:{_SHAPE}) != (?:{_SHAPE})\.",
        rf"The values for attribute 'dtype' do not match: (?:{_DTYPE}) != (?:{_DTYPE})\.",
        r"The values for attribute 'device' do not match: [\w:]+ != [\w:]+\.",
        r"The failure occurred for item (?:\[\d+\])+",
    )
)
"""Whole lines (stripped) kept as they are: they give sizes, never values."""

# A line that starts a block of values: it and what follows, up to the next safe line, go.
_VALUES = re.compile(
    r"(?:ACTUAL|DESIRED|Obtained|Expected)\b|[xy]:|Mismatch at ind|Full diff|At index"
    r"|(?:Left|Right) contains|Index\s*\|"
)
_LITERAL = re.compile(r"array\(|tensor\(|[\[\]{}<>±|\\]")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_KEPT_WORDS = re.compile(r"\b(?:b?float|u?int|complex)(?:8|16|32|64|128)\b|\b[A-Za-z_]+[123]d\b")
_NUMBER = re.compile(r"\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+")
_SHAPE_WORDS = re.compile(r"\b(?:shapes?|sizes?|dims?)\b", re.IGNORECASE)
_STRUCTURE = frozenset({"shape", "dtype", "ndim"})
_REWRITTEN_TOKENS = re.compile(
    rf"{_SHAPE}|{_DTYPE}|\d+|==|!=|<=|>=|<|>|\bnot\b|\bin\b|\bis\b|True|False|None"
)
_MAX_NUMBERS = 3
_PLACEHOLDER = 0xE000  # private-use characters stand for the kept words while numbers go
_MAX_SOURCE = 200
_Raising = ast.Assert | ast.Raise | ast.Expr


def own_words(line: str) -> str:
    """A line of the check's own prose with its values written ``…``, or "" when the line
    looks like a dump of values (literals, brackets, reprs, more than three numbers)."""
    line = re.sub("[\ue000-\uf8ff]", "", line)
    if _LITERAL.search(line):
        return ""
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        kept.append(match[0])
        return chr(_PLACEHOLDER + len(kept) - 1)  # no digit: numbers are replaced next

    text = _KEPT_WORDS.sub(keep, line)
    if _SHAPE_WORDS.search(text):
        text = re.sub(_SHAPE, keep, text)
    text = _QUOTED.sub("'…'", text)
    text, numbers = _NUMBER.subn("…", text)
    if numbers > _MAX_NUMBERS or not re.search(r"[A-Za-z]{2,}", text):
        return ""
    return re.sub("[\ue000-\uf8ff]", lambda m: kept[ord(m[0]) - _PLACEHOLDER], text).strip()


class Redactor:
    """Turns a hidden check's exception into text that keeps shapes, dtypes and error sizes.

    ``source_root`` is the assignment's folder: a failed ``assert`` in a file under it (a
    check or a check helper) is described from its source."""

    def __init__(self, source_root: Path) -> None:
        self.source_root = source_root.resolve()

    def __call__(self, exc: BaseException) -> str:
        """The exception's message, redacted; "" when nothing of it is safe to show."""
        text = str(exc)
        if isinstance(exc, SubmissionFault):  # expect's and the grader's own messages
            return text
        statement = self._raised_at(exc.__traceback__)
        if isinstance(statement, ast.Assert):
            lines = [*_assert_lines(statement, text), *_safe_lines(text, words=False)]
        elif isinstance(statement, ast.Raise | ast.Expr):  # raise ... or pytest.fail(...)
            lines = [*_raise_words(statement), *_safe_lines(text, words=False)]
        else:  # np.testing, torch.testing, an error of numpy's: their lines, the author's words
            lines = _safe_lines(text, words=True)
        shown = list(dict.fromkeys(line for line in lines if line))
        return "\n".join([*shown, WITHHELD]) if shown else ""

    def _raised_at(self, tb: TracebackType | None) -> ast.stmt | None:
        """The statement that raised, in the innermost frame under the root (a check or a
        helper): an ``assert`` or ``raise`` if that frame raised itself, a ``pytest.fail``
        call whatever it called."""
        frame: tuple[Path, int] | None = None
        innermost = True
        while tb is not None:
            path = Path(tb.tb_frame.f_code.co_filename).resolve()
            own = path.is_relative_to(self.source_root)
            if own:
                frame = (path, tb.tb_lineno)
            innermost = own
            tb = tb.tb_next
        if frame is None:
            return None
        path, line = frame
        statement = _statement_at(str(path), path.stat().st_mtime_ns, line)
        return statement if innermost or isinstance(statement, ast.Expr) else None


@functools.lru_cache(maxsize=64)
def _statements(path: str, mtime_ns: int) -> tuple[_Raising, ...]:
    """The ``assert``, ``raise`` and ``pytest.fail(...)`` statements of a source file
    (cached while it is unchanged)."""
    del mtime_ns  # part of the cache key only
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return ()
    return tuple(n for n in ast.walk(tree) if isinstance(n, ast.Assert | ast.Raise) or _fails(n))


def _fails(node: ast.AST) -> TypeGuard[ast.Expr]:
    """Whether ``node`` is a statement ``fail(...)`` or ``pytest.fail(...)``."""
    if not isinstance(node, ast.Expr) or not isinstance(node.value, ast.Call):
        return False
    func = node.value.func
    return (isinstance(func, ast.Name) and func.id == "fail") or (
        isinstance(func, ast.Attribute) and func.attr == "fail"
    )


def _statement_at(path: str, mtime_ns: int, line: int) -> _Raising | None:
    around = [
        n for n in _statements(path, mtime_ns) if n.lineno <= line <= (n.end_lineno or n.lineno)
    ]
    return max(around, key=lambda n: n.lineno, default=None)


def _assert_lines(node: ast.Assert, text: str) -> list[str]:
    """A failed ``assert``: its message's words, its source without literals, and pytest's
    rewritten comparison when that holds only shapes and dtypes."""
    lines = _message_words(node.msg) if node.msg is not None else []
    structural = _is_structural(node.test)
    test = node.test if structural else _Unliteral().visit(copy.deepcopy(node.test))
    lines.append(f"assert {ast.unparse(test)}"[:_MAX_SOURCE])
    rewritten = [line.strip() for line in text.splitlines() if line.startswith("assert ")]
    if structural and rewritten:
        body = rewritten[-1].removeprefix("assert ")
        if not _REWRITTEN_TOKENS.sub("", body).strip():
            lines.append(rewritten[-1])
    return lines


def _message_words(msg: ast.expr) -> list[str]:
    """An assert's message as the check's words: a string as written, an f-string with its
    fields written ``…``; any other expression (``repr(expected)``) shows nothing."""
    if isinstance(msg, ast.Constant) and isinstance(msg.value, str):
        template = msg.value
    elif isinstance(msg, ast.JoinedStr):
        template = "".join(
            str(part.value) if isinstance(part, ast.Constant) else "…" for part in msg.values
        )
    else:
        return []
    return [own_words(line) for line in template.splitlines()]


def _raise_words(node: ast.Raise | ast.Expr) -> list[str]:
    """``raise AssertionError("...")``, ``pytest.fail("...")``: the message's words, as for an
    assert's message."""
    call = node.exc if isinstance(node, ast.Raise) else node.value
    if not isinstance(call, ast.Call):
        return []
    message = call.args[0] if call.args else None
    for keyword in call.keywords:
        if keyword.arg in {"reason", "msg"}:
            message = keyword.value
    return _message_words(message) if message is not None else []


def _is_structural(test: ast.expr) -> bool:
    """A comparison one side of which is a ``.shape``, ``.dtype``, ``.ndim``, ``len(...)``
    or ``.size()``/``.dim()``: its values are sizes and types."""
    if not isinstance(test, ast.Compare):
        return False
    for side in (test.left, *test.comparators):
        if isinstance(side, ast.Attribute) and side.attr in _STRUCTURE:
            return True
        if isinstance(side, ast.Call):
            func = side.func
            if isinstance(func, ast.Name) and func.id == "len":
                return True
            if isinstance(func, ast.Attribute) and func.attr in {"size", "dim"}:
                return True
    return False


class _Unliteral(ast.NodeTransformer):
    """Writes every number and string literal of an expression as ``…``, but for indices."""

    def visit_Constant(self, node: ast.Constant) -> ast.expr:
        if isinstance(node.value, bool) or node.value is None:
            return node
        return ast.Name(id="…")

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.expr:
        return ast.Name(id="…")

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        node.value = self.visit(node.value)  # an index (``got[0, 1]``) is the check's own
        return node


def _safe_lines(text: str, *, words: bool) -> list[str]:
    """The lines of ``text`` that are safe: :data:`SAFE_LINES` as they are, with ``words``
    the author's words otherwise (an ``err_msg``); a block of values (``DESIRED:`` ...) goes
    up to the next safe line."""
    kept: list[str] = []
    in_values = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("assert ", "+")):
            continue  # pytest's rewritten comparison and its "where" lines: see _assert_lines
        if any(p.fullmatch(line) for p in SAFE_LINES):
            kept.append(line)
            in_values = False
        elif _VALUES.match(line):
            in_values = True
        elif words and not in_values:
            kept.append(own_words(line))
    return kept
