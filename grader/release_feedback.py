"""``grader release-feedback``: each student's own feedback page, and nothing else, to hand back.

From a results folder ``grader grade --out`` wrote (``<results>/<student>/feedback.html``,
``feedback.md``, ``result.json``, ...) :func:`release_feedback` writes ``<out>/<student>/``
(or ``<out>/<student>.zip``) holding only that student's ``feedback.html`` and
``feedback.md``: what the feedback page shows and no more. ``result.json`` (hidden checks'
output tails, seeds, paths), the class files (``report.html``, ``lms.csv``, ``run.json``)
and ``.heldout-key`` are never copied.

The results folder's names came from the students' submissions and are hostile:

* a hidden entry (``.heldout-key``, ``.git``) or one that is not a folder is no student;
* a student folder that is a symlink, and a feedback file that is a symlink or not a regular
  file, are skipped, never followed (``O_NOFOLLOW``), so a link planted in one student's
  folder cannot hand them another's page;
* a folder is named exactly as its results folder (no cleaning that could make two names one).

With ``hand`` (the grades given by hand, from the course gradebook:
:func:`grader.coursebook.handback.hand_graded`), a student's two pages are rendered again
from their ``result.json`` with those grades in; a student whose ``result.json`` cannot be
read gets the pages as graded, which list the questions as not graded yet.

``out`` may not lie inside the results folder (the next ``grader report`` would read it as
students) nor hold it. Every check on ``out`` is made before anything is written.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError

from grader import atomic
from grader.errors import InstructorError
from grader.models import HandGraded, SubmissionResult
from grader.report.feedback import render_feedback_html, render_feedback_markdown
from grader.suggest import did_you_mean

__all__ = ["FEEDBACK_FILES", "ReleaseError", "release_feedback"]

FEEDBACK_FILES = ("feedback.html", "feedback.md")
"""The only files a student gets back."""
_LIMIT = 64 << 20  # bytes of one feedback file; grader-written pages are far smaller


class ReleaseError(InstructorError):
    """``release-feedback`` cannot release into ``out`` (or from ``results_dir``)."""


def release_feedback(
    results_dir: Path,
    out: Path,
    *,
    zip: bool = False,
    students: list[str] | None = None,
    hand: Mapping[str, list[HandGraded]] | None = None,
) -> list[Path]:
    """Write each student's feedback files into ``out`` (see the module docstring); the
    folders or zips written, by student. ``students``: only these (each must have feedback).
    ``hand``: student -> their grades given by hand, put into their pages.
    """
    results, target_root = _check_folders(results_dir, out)
    found = _feedback_folders(results)
    if not found:
        raise ReleaseError(
            f"no student folder in {results_dir} holds feedback.html or feedback.md; give the "
            "folder `grader grade --out` wrote"
        )
    chosen = _choose(found, students, results_dir)
    plans = [(student, target_root / (student + ".zip" if zip else student)) for student in chosen]
    for _, target in plans:
        _check_target(target, zip=zip)
    target_root.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for student, target in plans:
        files = _feedback(results / student)
        if hand and student in hand:
            files = _with_hand(results / student, hand[student]) or files
        if not files:
            continue  # changed since it was listed: nothing to hand back
        if zip:
            _write_zip(target, files)
        else:
            _write_folder(target, files)
        written.append(target)
    return written


def _check_folders(results_dir: Path, out: Path) -> tuple[Path, Path]:
    results = results_dir.resolve()
    if not results.is_dir():
        raise ReleaseError(
            f"no results folder at {results_dir}; give the folder `grader grade --out` wrote"
        )
    target = out.resolve()
    if target == results or target.is_relative_to(results):
        raise ReleaseError(
            f"{out} is inside the results folder {results_dir} (the next `grader report` would "
            "read it as students); release into a folder outside it, e.g. feedback/"
        )
    if results.is_relative_to(target):
        raise ReleaseError(
            f"{out} holds the results folder {results_dir} (a student's folder could land on "
            "it); release into a folder that is neither inside nor around it"
        )
    if target.exists() and not target.is_dir():
        raise ReleaseError(f"{out} must be a folder, given a file; pick another path")
    return results, target


def _feedback_folders(results: Path) -> list[str]:
    """Names of the student folders in ``results`` that hold a feedback file, sorted."""
    names = []
    for entry in os.scandir(results):
        if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
            continue
        if any(_is_file(Path(entry.path) / name) for name in FEEDBACK_FILES):
            names.append(entry.name)
    return sorted(names)


def _is_file(path: Path) -> bool:
    """Whether ``path`` is a regular file itself (not a symlink to one)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _choose(found: list[str], students: list[str] | None, results_dir: Path) -> list[str]:
    if students is None:
        return found
    for student in students:
        if student not in found:
            raise ReleaseError(
                f"--student {student}: no feedback for that student in {results_dir}"
                f"{did_you_mean(student, found)}; give a folder name under {results_dir} "
                "that holds feedback.html"
            )
    return [name for name in found if name in set(students)]


def _check_target(target: Path, *, zip: bool) -> None:
    """Refuse a target that is a symlink, of the wrong kind, or holding other files."""
    if not os.path.lexists(target):
        return
    if target.is_symlink():
        raise ReleaseError(f"{target} is a symlink; remove it, or release into an empty folder")
    if zip and not target.is_file():
        raise ReleaseError(f"{target} exists and is not a zip file; remove it")
    if not zip:
        if not target.is_dir():
            raise ReleaseError(f"{target} exists and is not a folder; remove it")
        other = sorted(name for name in os.listdir(target) if name not in FEEDBACK_FILES)
        if other:
            raise ReleaseError(
                f"{target} holds other files ({', '.join(other[:3])}); a released folder holds "
                "only feedback.html and feedback.md: remove them, or release into an empty folder"
            )


def _feedback(student: Path) -> dict[str, bytes]:
    """The student's feedback files that are plain files, read never through a symlink."""
    found: dict[str, bytes] = {}
    for name in FEEDBACK_FILES:
        data = _read_plain(student / name)
        if data is not None:
            found[name] = data
    return found


def _with_hand(student: Path, hand: list[HandGraded]) -> dict[str, bytes]:
    """The two pages rendered again from ``result.json`` with ``hand`` in; empty when it
    cannot be read."""
    data = _read_plain(student / "result.json")
    if data is None:
        return {}
    try:
        result = SubmissionResult.model_validate_json(data)
    except ValidationError:
        return {}
    result = result.model_copy(update={"hand": hand})
    return {
        "feedback.html": render_feedback_html(result).encode("utf-8"),
        "feedback.md": render_feedback_markdown(result).encode("utf-8"),
    }


def _read_plain(path: Path) -> bytes | None:
    """A regular file's bytes, never through a symlink; None when missing or too big."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None  # missing, or a symlink (ELOOP)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        data = handle.read(_LIMIT + 1)
    return data if len(data) <= _LIMIT else None


def _write_folder(target: Path, files: dict[str, bytes]) -> None:
    target.mkdir(exist_ok=True)
    for name in FEEDBACK_FILES:
        if name in files:
            atomic.write_bytes(target / name, files[name])
        else:
            (target / name).unlink(missing_ok=True)  # a page from an earlier release


def _write_zip(target: Path, files: dict[str, bytes]) -> None:
    """``target`` as a zip of ``files``, written atomically."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    atomic.write_bytes(target, buffer.getvalue())
