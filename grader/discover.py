"""Discover: find one submission per student in the submissions folder.

Each entry of the folder is one student's hand-in:

* a folder ``alice/`` -> ``Submission(student="alice", kind="directory")``;
* a file ``alice.zip`` (any case of ``.zip``) -> ``Submission(student="alice", kind="zip")``;
* a file ``alice.ipynb`` -> ``Submission(student="alice", kind="notebook")``, for an
  assignment that accepts notebooks (LMS downloads are often one notebook per student);
* any other file ``notes.txt`` -> ``Submission(student="notes.txt", kind="other")``, which
  :func:`grader.load.load` turns into a not-gradable result instead of skipping it silently.

Skipped: names starting with a dot, and operating-system debris (``__MACOSX``, ``Thumbs.db``,
``desktop.ini``). Symbolic links at this level are followed: the instructor assembled this
folder, so a link here is the instructor's choice (links *inside* a submission never are).

Names must be unique, and are compared case-insensitively so that the scratch folders
``scratch/<student>/`` cannot collide on macOS or Windows. A folder always keeps its name; a
zip (or notebook) whose stem is taken by another entry keeps its full file name instead. So ``alice/`` and
``alice.zip`` become the students ``alice`` and ``alice.zip``. File names are unique within a
folder, so the rule always ends with distinct names (up to letter case between two folders,
which a case-insensitive file system cannot hold anyway).

A name whose bytes are not UTF-8 is spelled with escapes (``ana\\xef``), so that it can be
written into results and gradebooks.

The result is sorted by student name, case-insensitively, then exactly.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Literal

from grader.errors import InstructorError
from grader.models import Submission

__all__ = ["discover", "submission_at"]

_Kind = Literal["directory", "zip", "notebook", "other"]

_IGNORED = frozenset({"__MACOSX", "Thumbs.db", "desktop.ini"})
_FIX = "pass the folder that holds one folder or .zip per student"


def discover(submissions_dir: Path) -> list[Submission]:
    """One :class:`Submission` per entry of ``submissions_dir``, sorted by student name.

    Raises :class:`InstructorError` when ``submissions_dir`` is missing, is not a folder or
    cannot be listed.
    """
    found = [(path, _kind(path)) for path in _entries(submissions_dir)]
    names = _unique_names(found)
    subs = [
        Submission(student=name, path=path, kind=kind)
        for (path, kind), name in zip(found, names, strict=True)
    ]
    return sorted(subs, key=lambda s: (s.student.casefold(), s.student))


def _entries(folder: Path) -> list[Path]:
    """The entries of ``folder`` that may be submissions, or an :class:`InstructorError`."""
    shown = f"{folder}/" if folder.is_absolute() else f"{folder}/ (looked in {folder.absolute()})"
    if not folder.exists():
        raise InstructorError(f"submissions folder not found: {shown}; {_FIX}")
    if not folder.is_dir():
        raise InstructorError(
            f"the submissions folder must be a folder, given the file {folder}; {_FIX}"
        )
    try:
        children = list(folder.iterdir())
    except OSError as exc:
        raise InstructorError(
            f"cannot list the submissions folder {shown} ({exc.strerror or exc}); "
            "check that you can read it"
        ) from exc
    return [c for c in children if not c.name.startswith(".") and c.name not in _IGNORED]


def submission_at(path: Path, student: str) -> Submission:
    """The submission at ``path`` (a folder, a .zip or a notebook), as :func:`discover`
    would find it, for ``student``."""
    return Submission(student=student, path=path, kind=_kind(path))


def _kind(path: Path) -> _Kind:
    if path.is_dir():
        return "directory"
    if path.suffix.lower() == ".zip" and path.is_file():
        return "zip"
    if path.suffix.lower() == ".ipynb" and path.is_file():
        return "notebook"
    return "other"


def _first_choice(path: Path, kind: _Kind) -> str:
    return _readable(path.name[: -len(path.suffix)] if kind in ("zip", "notebook") else path.name)


def _readable(name: str) -> str:
    """A file name whose bytes are not UTF-8 (``b"ana\\xef"``) spelled with escapes
    (``ana\\xef``): still unique, and text every writer can write."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _unique_names(found: list[tuple[Path, _Kind]]) -> list[str]:
    """Student names, one per entry: the folder name, the zip's stem, or the file name.

    While two names clash (case-insensitively), every zip in the clash that still uses its
    stem switches to its full file name; folders and plain files already use theirs.
    """
    names = [_first_choice(path, kind) for path, kind in found]
    while True:
        counts = Counter(name.casefold() for name in names)
        clashing = [
            i
            for i, (path, _) in enumerate(found)
            if counts[names[i].casefold()] > 1 and names[i] != path.name
        ]
        if not clashing:
            return names
        for i in clashing:
            names[i] = _readable(found[i][0].name)
