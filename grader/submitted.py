"""When a submission was handed in: from the most trusted record there is, else a file time.

:func:`submitted_at` asks its sources in order of trust and takes the first that answers:

1. ``manifest``: the instructor's ``--submitted-at FILE.csv`` (an LMS export's timestamps),
   read by :func:`read_manifest`. An instructor's file: any bad row fails fast.
2. ``gradescope``: the ``created_at`` of Gradescope's ``submission_metadata.json``. Gradescope
   writes it to ``/autograder/submission_metadata.json``, *outside* the submission, and only
   that copy is trusted (the ``metadata`` argument). A ``submission_metadata.json`` inside the
   student's own folder is the student's file and could be forged; it is read only when the
   caller says so (``folder_metadata=True``, for a batch whose folders Gradescope wrote).
3. ``git``: the committer time of ``HEAD``'s commit, for a folder that is a git work tree
   (a CI checkout). The student sets that time; it is a record, not a proof.
4. ``file time``: the newest modification time of the submission's files (of a ``.zip``: the
   zip file's own, since its entries' times are local and without a zone), with a warning.

Everything but the manifest comes from the student and is hostile: malformed metadata, a
broken or booby-trapped ``.git`` never raises, it falls through to the next source and the
reason goes into :attr:`SubmittedAt.warning`. The ``.git`` folder is read as files (loose
objects and refs, :mod:`grader.submitted_git`); only a commit packed away is read with ``git
cat-file``, with no system or global config, no hooks, no fsmonitor, and a time limit.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from grader.boundary import fault_of
from grader.errors import InstructorError
from grader.models import Submission
from grader.safetext import printable
from grader.submitted_git import GitUnreadable, head_commit
from grader.submitted_manifest import Manifest, SubmissionTimesError, read_manifest

__all__ = [
    "FILE_TIME_WARNING",
    "Manifest",
    "SubmissionTimesError",
    "SubmittedAt",
    "read_manifest",
    "submitted_at",
]

FILE_TIME_WARNING = (
    "this is a file time (the newest modification time of the submission's files), which "
    "copying or unzipping can change; give real times with --submitted-at FILE.csv"
)
_METADATA = "submission_metadata.json"
_METADATA_LIMIT = 1 << 20  # bytes; Gradescope's file is a few kB
_WALK_LIMIT = 10_000  # files looked at for a file time


class SubmittedAt(BaseModel):
    """When one submission came in, where that time was read, and how far to trust it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at: datetime
    """Aware; in the source's own offset (the manifest's, Gradescope's, the commit's; UTC for
    a file time)."""
    source: Literal["manifest", "gradescope", "git", "file time"]
    detail: str
    """Where exactly: "submitted_at.csv row 4", "submission_metadata.json created_at",
    "commit 1a2b3c4"."""
    warning: str = ""
    """Why ``at`` is less certain than it looks, and the sources that were tried and failed."""

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"at must be aware (have an offset), given {value.isoformat()}")
        return value


class _Unusable(Exception):
    """A source that is there but cannot be read; the message says why (student-facing)."""


_Source = Callable[[Submission], SubmittedAt | None]


def submitted_at(
    submission: Submission,
    manifest: Mapping[str, datetime] | None = None,
    now: datetime | None = None,
    *,
    metadata: Path | None = None,
    folder_metadata: bool = False,
) -> SubmittedAt:
    """When ``submission`` was handed in, from the most trusted source that answers (see the
    module docstring). Never raises for anything in the submission.

    ``manifest``: :func:`read_manifest`'s times by student id. ``metadata``: Gradescope's
    ``submission_metadata.json`` for this submission (outside its folder). ``folder_metadata``:
    also read ``submission_metadata.json`` inside the student's folder (forgeable; only for
    folders Gradescope wrote). ``now``: the grading time (default: the clock); a student's
    time after it gets a warning, and it stands in when no time at all can be read.
    """
    now = now or datetime.now(UTC)
    if now.utcoffset() is None:
        raise ValueError(f"now must be aware (have an offset), given {now.isoformat()}")
    sources: list[_Source] = [
        lambda sub: _from_manifest(sub, manifest),
        lambda sub: _from_metadata(metadata, trusted=True),
        lambda sub: _from_folder_metadata(sub) if folder_metadata else None,
        _from_git,
        _from_file_time,
    ]
    tried: list[str] = []
    for source in sources:
        try:
            found = source(submission)
        except _Unusable as exc:
            tried.append(str(exc))
            continue
        except InstructorError:
            raise
        except Exception as exc:  # noqa: BLE001 - the grader failing on a student's files
            fault = fault_of("reading the submission time", exc)  # costs that source only
            tried.append(f"{fault.stage}: {fault.error}")
            continue
        if found is not None:
            return _with_warnings(found, tried, now)
    tried.append("no file time could be read; this is the grading time")
    return SubmittedAt(at=now, source="file time", detail="grading time", warning="; ".join(tried))


def _with_warnings(found: SubmittedAt, tried: list[str], now: datetime) -> SubmittedAt:
    notes = list(tried)
    if found.source != "manifest" and found.at > now:
        notes.append(f"{found.detail} is after the grading time {now.isoformat()}")
    if found.warning:
        notes.append(found.warning)
    return found.model_copy(update={"warning": "; ".join(notes)}) if notes else found


def _from_manifest(
    submission: Submission, manifest: Mapping[str, datetime] | None
) -> SubmittedAt | None:
    if not manifest:
        return None
    if submission.student not in manifest:
        raise _Unusable(f"{submission.student} is not in the submission times given")
    if isinstance(manifest, Manifest):
        detail = f"{manifest.path.name} row {manifest.rows[submission.student]}"
    else:
        detail = "manifest"
    return SubmittedAt(at=manifest[submission.student], source="manifest", detail=detail)


def _from_folder_metadata(submission: Submission) -> SubmittedAt | None:
    if submission.kind != "directory":
        return None
    return _from_metadata(submission.path / _METADATA, trusted=False)


def _from_metadata(path: Path | None, *, trusted: bool) -> SubmittedAt | None:
    """``created_at`` of a Gradescope ``submission_metadata.json`` (ISO 8601 with an offset,
    "2018-07-01T14:22:32.365935-07:00"); None when there is no such file."""
    if path is None or not os.path.lexists(path):
        return None
    where = str(path) if trusted else f"the submission's {_METADATA}"
    try:
        data = json.loads(_read_capped(path, _METADATA_LIMIT, follow=trusted))
        value = data["created_at"]
        at = datetime.fromisoformat(value)
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise _Unusable(f"{where} has no readable created_at ({_short(exc)})") from None
    if at.tzinfo is None:
        raise _Unusable(f"{where}: created_at {_short(value)!r} has no UTC offset") from None
    return SubmittedAt(at=at, source="gradescope", detail=f"{where} created_at")


def _from_git(submission: Submission) -> SubmittedAt | None:
    if submission.kind != "directory" or not os.path.lexists(submission.path / ".git"):
        return None
    try:
        commit = head_commit(submission.path)
    except (GitUnreadable, OSError, ValueError) as exc:
        raise _Unusable(f"the submission's .git gives no commit time ({_short(exc)})") from None
    return SubmittedAt(at=commit.committed_at, source="git", detail=f"commit {commit.sha[:7]}")


def _from_file_time(submission: Submission) -> SubmittedAt | None:
    """The newest mtime of the submission's regular files (symlinks, hidden entries and
    ``__pycache__`` left out); of a ``.zip`` or a single file, its own mtime."""
    path = submission.path
    try:
        if submission.kind == "directory":
            times = [entry.stat(follow_symlinks=False).st_mtime for entry in _files(path)]
            newest = max(times, default=path.stat().st_mtime)
            detail = "newest file's modification time"
        else:
            newest = path.stat().st_mtime
            detail = f"{path.name}'s modification time"
    except OSError:
        return None
    at = datetime.fromtimestamp(newest, UTC)
    return SubmittedAt(at=at, source="file time", detail=detail, warning=FILE_TIME_WARNING)


def _files(folder: Path) -> Iterator[os.DirEntry[str]]:
    """Regular files under ``folder``, depth first, never through a symlink; at most
    :data:`_WALK_LIMIT` of them."""
    os.stat(folder)  # OSError when the submission itself is gone
    stack, seen = [folder], 0
    while stack and seen < _WALK_LIMIT:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue  # a folder the grader may not read: its files have no say
        for entry in entries:
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                seen += 1
                yield entry


def _read_capped(path: Path, limit: int, *, follow: bool) -> bytes:
    """At most ``limit`` bytes of a regular file (OSError past that); ``follow=False``
    refuses a symlink."""
    flags = os.O_RDONLY | (0 if follow else os.O_NOFOLLOW) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError("not a regular file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"larger than {limit} bytes")
    return data


def _short(value: object) -> str:
    """A student's text or error, printable and at most 120 characters."""
    text = str(value) or type(value).__name__
    text = printable(text).replace("\n", " ")
    return text if len(text) <= 120 else text[:117] + "..."
