"""Which of the student's functions the public checks reach, and which only hidden ones test.

The functions a student writes are the reference's top-level functions and classes that hold
a solution region (the template's stubs, :func:`written_functions`). The bundle names no
function only hidden checks test, so ``grader release`` puts a digest of each name in its
manifest (:func:`name_digests`); ``grader check`` keeps the student's own definitions whose
digest is there (:func:`written_by_student`). After a self-check, each public check's recorded
``uses`` (what it called of the student's code) cover some of them, and so do the reference
functions a public check's recording holds (a check that stopped at the student's first
unfinished function still covers the ones it calls after it); :func:`uncovered` gives the
rest, which only the hidden checks test.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable

from grader.course import Assignment
from grader.markers import BEGIN
from grader.models import CheckResult
from grader.selfcheck.recording import decode_recording

__all__ = [
    "name_digests",
    "recorded_functions",
    "uncovered",
    "written_by_student",
    "written_functions",
]


def written_functions(assignment: Assignment) -> list[str]:
    """``module.name`` of every top-level function or class of the reference's modules that
    holds a solution region, in file order (``["nn.sigmoid", "nn.MLP"]``)."""
    found: list[str] = []
    for name in assignment.spec.submission.files:
        path = assignment.reference_dir / name
        if not name.endswith(".py") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        module = name.removesuffix(".py").replace("/", ".")
        lines = text.splitlines()
        for stmt in ast.parse(text).body:
            if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            body = lines[stmt.lineno - 1 : stmt.end_lineno or stmt.lineno]
            if any(BEGIN.match(line) for line in body):
                found.append(f"{module}.{stmt.name}")
    return found


def name_digests(assignment_id: str, names: Iterable[str]) -> list[str]:
    """A digest of each name, sorted: what the bundle's manifest holds."""
    return sorted({_digest(assignment_id, name) for name in names})


def written_by_student(
    assignment_id: str, defined: Iterable[str], digests: Iterable[str]
) -> list[str]:
    """The student's top-level ``defined`` names (``nn.softmax``) whose digest is among
    ``digests``, in the student's order: the template's functions, not the student's helpers."""
    wanted = set(digests)
    return [name for name in defined if _digest(assignment_id, name) in wanted]


def _digest(assignment_id: str, name: str) -> str:
    return hashlib.sha256(f"{assignment_id}:{name}".encode()).hexdigest()[:16]


def uncovered(
    functions: Iterable[str], checks: Iterable[CheckResult], recorded: Iterable[str] = ()
) -> list[str]:
    """The ``functions`` no check in ``checks`` used and no recording holds, in their order."""
    used = {u for check in checks for u in check.uses} | set(recorded)
    return [f for f in functions if f not in used]


def recorded_functions(recordings: dict[str, bytes]) -> set[str]:
    """The reference functions the public checks' recordings hold calls of (``nn.forward``);
    a recording that cannot be read adds none (the replay reports it)."""
    found: set[str] = set()
    for data in recordings.values():
        try:
            body = decode_recording(data)
        except Exception:  # noqa: BLE001 - an unreadable recording only covers nothing
            continue
        calls = body.get("calls") if isinstance(body, dict) else None
        for call in calls if isinstance(calls, list) else []:
            if isinstance(call, dict) and isinstance(call.get("function"), str):
                found.add(call["function"])
    return found
