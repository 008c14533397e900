"""The commit a student's git work tree is at, and its committer time, read safely.

A ``.git`` folder in a submission is the student's and hostile: its config can name programs
(``core.fsmonitor``, ``core.hooksPath``, ``gpg.program``) that a careless ``git log`` runs.
So ``HEAD``, the refs and a loose commit object are read as plain files (no symlinks, sizes
capped). Only a commit packed away (a clone, a ``git gc``) is read with ``git cat-file commit
<sha>``: a plumbing command that runs no hooks and no signature check, with no system or
global config, ``core.hooksPath=/dev/null``, ``core.fsmonitor=false``, ``safe.directory`` for
that folder only, no pager, no prompt, stdin closed and a time limit.

Anything unexpected raises :class:`GitUnreadable` with a short reason, never anything else.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pydantic import BaseModel, ConfigDict

__all__ = ["GIT_TIMEOUT_S", "GitUnreadable", "HeadCommit", "head_commit"]

GIT_TIMEOUT_S = 10.0
_SMALL = 4096  # HEAD and a loose ref
_PACKED_REFS = 1 << 20
_OBJECT = 1 << 20  # a commit object, compressed or not
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_REF = re.compile(r"refs/[A-Za-z0-9._/-]+")
_COMMITTER = re.compile(rb"^committer .*> (\d{1,12}) ([+-])(\d\d)(\d\d)$", re.MULTILINE)


class GitUnreadable(Exception):
    """The ``.git`` folder gives no commit time; the message says why."""


class HeadCommit(BaseModel):
    """``HEAD``'s commit: its id and committer time (in the committer's own offset)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sha: str
    committed_at: datetime


def head_commit(work_tree: Path) -> HeadCommit:
    """``HEAD``'s commit in ``work_tree/.git``; :class:`GitUnreadable` when there is none."""
    git_dir = work_tree / ".git"
    try:
        mode = os.lstat(git_dir).st_mode
    except OSError as exc:
        raise GitUnreadable(f"no .git folder ({exc.strerror})") from None
    if not stat.S_ISDIR(mode):
        raise GitUnreadable(".git is not a folder (a symlink or a gitdir file is not followed)")
    sha = _resolve_head(git_dir)
    raw = _loose_commit(git_dir, sha)
    if raw is None:
        raw = _cat_file(work_tree, git_dir, sha)
    return HeadCommit(sha=sha, committed_at=_committer_time(raw))


def _resolve_head(git_dir: Path) -> str:
    head = _text(git_dir / "HEAD", _SMALL)
    if _SHA.fullmatch(head):
        return head  # a detached HEAD
    if not head.startswith("ref: "):
        raise GitUnreadable("HEAD is neither a commit id nor a ref")
    ref = head.removeprefix("ref: ").strip()
    if not _REF.fullmatch(ref) or ".." in ref:
        raise GitUnreadable("HEAD names an odd ref")
    if os.path.lexists(git_dir / ref):
        sha = _text(git_dir / ref, _SMALL)
    else:
        sha = _packed_ref(git_dir, ref)
    if not _SHA.fullmatch(sha):
        raise GitUnreadable(f"{ref} holds no commit id")
    return sha


def _packed_ref(git_dir: Path, ref: str) -> str:
    if not os.path.lexists(git_dir / "packed-refs"):
        raise GitUnreadable("HEAD's branch has no commit yet")
    for line in _text(git_dir / "packed-refs", _PACKED_REFS).splitlines():
        sha, _, name = line.partition(" ")
        if name == ref:
            return sha
    raise GitUnreadable("HEAD's branch has no commit yet")


def _loose_commit(git_dir: Path, sha: str) -> bytes | None:
    """The commit's text from its loose object; None when it is packed."""
    path = git_dir / "objects" / sha[:2] / sha[2:]
    if not os.path.lexists(path):
        return None
    try:
        data = zlib.decompressobj().decompress(_read(path, _OBJECT), _OBJECT)
    except zlib.error:
        raise GitUnreadable("the commit object is corrupt") from None
    header, nul, body = data.partition(b"\0")
    if not nul or not header.startswith(b"commit "):
        raise GitUnreadable("HEAD is not a commit")
    return body


def _cat_file(work_tree: Path, git_dir: Path, sha: str) -> bytes:
    """The commit's text from ``git cat-file``, as hardened as the module docstring says."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(git_dir),  # no ~/.gitconfig is read (GIT_CONFIG_GLOBAL) but set one
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_NO_REPLACE_OBJECTS": "1",
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CEILING_DIRECTORIES": str(work_tree.parent),
        "LC_ALL": "C",
    }
    command = [
        "git",
        "-c", "core.hooksPath=/dev/null",
        "-c", "core.fsmonitor=false",
        "-c", f"safe.directory={work_tree}",
        "--no-pager",
        f"--git-dir={git_dir}",
        "cat-file", "commit", sha,
    ]  # fmt: skip
    try:
        done = subprocess.run(
            command,
            cwd=work_tree,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitUnreadable(f"git cat-file failed ({type(exc).__name__})") from None
    if done.returncode != 0 or len(done.stdout) > _OBJECT:
        raise GitUnreadable("git cat-file found no commit")
    return done.stdout


def _committer_time(raw: bytes) -> datetime:
    headers = raw.split(b"\n\n", 1)[0]
    match = _COMMITTER.search(headers)
    if match is None:
        raise GitUnreadable("the commit has no committer time")
    seconds, sign, hours, minutes = match.groups()
    offset = timedelta(hours=int(hours), minutes=int(minutes)) * (-1 if sign == b"-" else 1)
    try:
        return datetime.fromtimestamp(int(seconds), timezone(offset))
    except (ValueError, OverflowError, OSError):
        raise GitUnreadable("the commit's committer time is out of range") from None


def _text(path: Path, limit: int) -> str:
    try:
        return _read(path, limit).decode("ascii").strip()
    except UnicodeDecodeError:
        raise GitUnreadable(f"{path.name} is not text") from None


def _read(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file, never through a symlink."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise GitUnreadable(f"cannot open {path.name} ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise GitUnreadable(f"{path.name} is not a regular file")
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise GitUnreadable(f"cannot read {path.name} ({exc.strerror})") from None
    if len(data) > limit:
        raise GitUnreadable(f"{path.name} is too large")
    return data
