"""Submission times: the manifest, Gradescope's metadata, a git commit, a file time."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from grader import submitted
from grader.models import Submission
from grader.submitted import (
    FILE_TIME_WARNING,
    SubmissionTimesError,
    read_manifest,
    submitted_at,
)

NOW = datetime(2026, 10, 10, 12, 0, tzinfo=UTC)
COMMIT_TIME = 1_790_000_000  # 2026-09-21, committed at +02:00
GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")


def _csv(tmp_path: Path, text: str, name: str = "times.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _folder(tmp_path: Path, student: str = "alice") -> Submission:
    folder = tmp_path / "submissions" / student
    folder.mkdir(parents=True)
    (folder / "nn.py").write_text("x = 1\n")
    os.utime(folder / "nn.py", (1_780_000_000, 1_780_000_000))
    return Submission(student=student, path=folder, kind="directory")


def _git(repo: Path, *args: str) -> str:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(repo),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Student",
        "GIT_AUTHOR_EMAIL": "s@example.edu",
        "GIT_COMMITTER_NAME": "Student",
        "GIT_COMMITTER_EMAIL": "s@example.edu",
        "GIT_AUTHOR_DATE": f"{COMMIT_TIME} +0200",
        "GIT_COMMITTER_DATE": f"{COMMIT_TIME} +0200",
    }
    done = subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    return done.stdout.decode()


def _git_repo(submission: Submission, *, packed: bool = False) -> str:
    """Commit the submission's files (then pack them away if asked); the commit's short id."""
    _git(submission.path, "init", "-q", "-b", "main")
    _git(submission.path, "add", "-A")
    _git(submission.path, "commit", "-q", "-m", "hand-in")
    if packed:
        _git(submission.path, "gc", "-q", "--prune=now")
        assert not list((submission.path / ".git" / "objects").glob("??/*")), "still loose"
        assert not (submission.path / ".git" / "refs" / "heads" / "main").exists()
    return _git(submission.path, "rev-parse", "--short=7", "HEAD").strip()


# -- read_manifest ------------------------------------------------------------------------


def test_manifest_reads_aliases_offsets_and_row_numbers(tmp_path: Path) -> None:
    """Are 'Username'/'Timestamp' headings, a BOM, extra columns and 'Z' all read?"""
    path = _csv(
        tmp_path,
        "\ufeffUsername,Name,Timestamp\n"
        "alice,Alice,2026-10-05T23:12:00+02:00\n"
        "\n"
        "bob,Bob,2026-10-06T08:30:00Z\n",
    )
    manifest = read_manifest(path)
    assert manifest == {
        "alice": datetime(2026, 10, 5, 21, 12, tzinfo=UTC),
        "bob": datetime(2026, 10, 6, 8, 30, tzinfo=UTC),
    }
    assert manifest.rows == {"alice": 2, "bob": 4}


def test_manifest_prefers_the_student_column(tmp_path: Path) -> None:
    """With both 'id' and 'student' headings, is 'student' the one read?"""
    path = _csv(tmp_path, "id,student,submitted_at\n17,alice,2026-10-05T23:12:00+00:00\n")
    assert list(read_manifest(path)) == ["alice"]


def test_manifest_time_without_offset_is_read_in_the_time_zone(tmp_path: Path) -> None:
    """Is a naive time read in the given IANA zone (CEST, +02:00, in October)?"""
    path = _csv(tmp_path, "student,submitted_at\nalice,2026-10-05T23:12:00\n")
    at = read_manifest(path, time_zone="Europe/Berlin")["alice"]
    assert at == datetime(2026, 10, 5, 21, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ["times.csv is empty", "header row 'student,submitted_at'"]),
        ("name,submitted_at\nalice,2026-10-05T23:12:00Z\n", ["no student column", "username"]),
        ("student,date\nalice,2026-10-05T23:12:00Z\n", ["no time column", "found: student, date"]),
        ("student,time\n,2026-10-05T23:12:00Z\n", ["row 2", "no student id", "delete the row"]),
        ("student,time\nalice,2026-10-05T23:12:00Z\nbob,\n", ["row 3", "no time for 'bob'"]),
        ("student,time\nalice,5 Oct 2026\n", ["row 2", "'5 Oct 2026' is not an ISO 8601 time"]),
        ("student,time\nalice,2026-10-05T23:12:00\n", ["row 2", "no UTC offset", "Europe/Berlin"]),
        (
            "student,time\nalice,2026-10-05T23:12:00Z\nbob,2026-10-05T23:12:00Z\n"
            "alice,2026-10-06T01:00:00Z\n",
            ["row 4", "'alice' is listed twice (first in row 2)", "delete one of the rows"],
        ),
    ],
)
def test_manifest_errors_name_file_row_rule_and_fix(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    """Does each bad file fail fast, naming the file, the row and the fix?"""
    path = _csv(tmp_path, text)
    with pytest.raises(SubmissionTimesError) as info:
        read_manifest(path)
    message = str(info.value)
    assert str(path) in message
    for part in expected:
        assert part in message


def test_manifest_unknown_time_zone(tmp_path: Path) -> None:
    """Is a time zone that is no IANA name refused, with an example of one?"""
    path = _csv(tmp_path, "student,time\nalice,2026-10-05T23:12:00\n")
    with pytest.raises(SubmissionTimesError, match="IANA name such as Europe/Berlin.*'CEST'"):
        read_manifest(path, time_zone="CEST")


def test_manifest_missing_or_not_utf8(tmp_path: Path) -> None:
    """Are a missing file and a non-UTF-8 file instructor errors, not tracebacks?"""
    with pytest.raises(SubmissionTimesError, match="cannot read the submission times"):
        read_manifest(tmp_path / "nope.csv")
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("student,time\nj\xf6rg,2026-10-05T23:12:00Z\n".encode("latin-1"))
    with pytest.raises(SubmissionTimesError, match="UTF-8 CSV file"):
        read_manifest(bad)


# -- submitted_at: each source and their order --------------------------------------------


def _metadata(path: Path, created_at: object) -> Path:
    path.write_text(json.dumps({"id": 1, "created_at": created_at, "users": []}))
    return path


@needs_git
def test_manifest_beats_every_other_source(tmp_path: Path) -> None:
    """With a manifest row, Gradescope metadata and a git commit, is the manifest used?"""
    sub = _folder(tmp_path)
    _git_repo(sub)
    meta = _metadata(tmp_path / "submission_metadata.json", "2026-10-01T10:00:00.123456-07:00")
    manifest = read_manifest(_csv(tmp_path, "student,time\nalice,2026-10-05T23:12:00Z\n"))
    found = submitted_at(sub, manifest, NOW, metadata=meta)
    assert (found.source, found.detail) == ("manifest", "times.csv row 2")
    assert found.at == datetime(2026, 10, 5, 23, 12, tzinfo=UTC)
    assert found.warning == ""


@needs_git
def test_gradescope_metadata_beats_git(tmp_path: Path) -> None:
    """Without a manifest row, is Gradescope's created_at (with its offset) used before git?"""
    sub = _folder(tmp_path)
    _git_repo(sub)
    meta = _metadata(tmp_path / "submission_metadata.json", "2026-10-01T10:00:00.123456-07:00")
    found = submitted_at(sub, {"bob": NOW}, NOW, metadata=meta)
    assert found.source == "gradescope"
    assert found.at == datetime(2026, 10, 1, 17, 0, 0, 123456, tzinfo=UTC)
    assert found.detail == f"{meta} created_at"
    # a manifest was given and does not list her: the time is still found, and that is said
    assert found.warning == "alice is not in the submission times given"


def test_a_plain_dict_manifest(tmp_path: Path) -> None:
    """Is a manifest given as a plain mapping used, called just 'manifest'?"""
    found = submitted_at(_folder(tmp_path), {"alice": NOW - timedelta(days=1)}, NOW)
    assert (found.source, found.detail, found.at) == ("manifest", "manifest", NOW - timedelta(1))


def test_metadata_inside_the_students_folder_is_not_trusted_by_default(tmp_path: Path) -> None:
    """Is a (forgeable) submission_metadata.json in the student's folder ignored unless asked?"""
    sub = _folder(tmp_path)
    _metadata(sub.path / "submission_metadata.json", "2020-01-01T00:00:00+00:00")
    assert submitted_at(sub, None, NOW).source == "file time"
    found = submitted_at(sub, None, NOW, folder_metadata=True)
    assert (found.source, found.at) == ("gradescope", datetime(2020, 1, 1, tzinfo=UTC))
    assert found.detail == "the submission's submission_metadata.json created_at"


@pytest.mark.parametrize(
    "content",
    ['{"created_at": "yesterday"}', "{not json", '{"id": 1}', '["x"]', '{"created_at": 5}']
    + ["[" * 200_000],  # deeper than the JSON parser recurses
    ids=["not-a-time", "not-json", "no-created_at", "a-list", "a-number", "deep"],
)
def test_malformed_metadata_falls_through_with_a_warning(tmp_path: Path, content: str) -> None:
    """Does bad metadata fall through to the file time, saying so, instead of raising?"""
    sub = _folder(tmp_path)
    (sub.path / "submission_metadata.json").write_text(content)
    found = submitted_at(sub, None, NOW, folder_metadata=True)
    assert found.source == "file time"
    assert "submission_metadata.json has no readable created_at" in found.warning
    assert FILE_TIME_WARNING in found.warning


def test_metadata_without_offset_falls_through(tmp_path: Path) -> None:
    """Is a created_at without an offset refused (the instant would be a guess)?"""
    sub = _folder(tmp_path)
    meta = _metadata(tmp_path / "m.json", "2026-10-01T10:00:00")
    found = submitted_at(sub, None, NOW, metadata=meta)
    assert found.source == "file time"
    assert "created_at '2026-10-01T10:00:00' has no UTC offset" in found.warning


@needs_git
@pytest.mark.parametrize("packed", [False, True], ids=["loose", "packed"])
def test_git_commit_time(tmp_path: Path, packed: bool) -> None:
    """Is HEAD's committer time read, loose (as files) or packed (git cat-file)?"""
    sub = _folder(tmp_path)
    short = _git_repo(sub, packed=packed)
    found = submitted_at(sub, None, NOW)
    assert (found.source, found.detail, found.warning) == ("git", f"commit {short}", "")
    assert found.at == datetime.fromtimestamp(COMMIT_TIME, timezone(timedelta(hours=2)))
    assert found.at.utcoffset() == timedelta(hours=2)


@needs_git
@pytest.mark.parametrize("packed", [False, True], ids=["loose", "packed"])
def test_hostile_git_config_runs_nothing(tmp_path: Path, packed: bool) -> None:
    """Does a .git whose config and hooks run a program (fsmonitor, hooksPath, pager, gpg)
    leave no trace, while plain `git status` in the same repo would run it?"""
    sub = _folder(tmp_path)
    short = _git_repo(sub, packed=packed)
    marker = tmp_path / "pwned"
    trap = tmp_path / "trap.sh"
    trap.write_text(f"#!/bin/sh\ntouch {marker}\n")
    trap.chmod(0o755)
    hooks = sub.path / "evil-hooks"
    hooks.mkdir()
    for hook in ("post-checkout", "pre-commit", "reference-transaction", "post-index-change"):
        for folder in (hooks, sub.path / ".git" / "hooks"):
            shutil.copy(trap, folder / hook)
    with (sub.path / ".git" / "config").open("a") as config:
        config.write(
            f"[core]\n\tfsmonitor = {trap}\n\thooksPath = {hooks}\n\tpager = {trap}\n"
            f"[pager]\n\tcat-file = {trap}\n\tlog = {trap}\n"
            f"[gpg]\n\tprogram = {trap}\n[log]\n\tshowSignature = true\n"
        )
    found = submitted_at(sub, None, NOW)
    assert (found.source, found.detail) == ("git", f"commit {short}")
    assert not marker.exists()
    _git(sub.path, "status")  # the trap is real: a careless git command springs it
    assert marker.exists()


@needs_git
def test_broken_git_falls_through_to_the_file_time(tmp_path: Path) -> None:
    """Does a .git whose HEAD is garbage fall through with a warning, never raise?"""
    sub = _folder(tmp_path)
    _git_repo(sub)
    (sub.path / ".git" / "HEAD").write_text("ref: ../../../../etc/passwd\n")
    found = submitted_at(sub, None, NOW)
    assert found.source == "file time"
    assert "the submission's .git gives no commit time (HEAD names an odd ref)" in found.warning


def test_git_symlink_is_not_followed(tmp_path: Path) -> None:
    """Is a .git that is a symlink (to someone else's repository) refused?"""
    sub = _folder(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    (sub.path / ".git").symlink_to(tmp_path / "elsewhere")
    found = submitted_at(sub, None, NOW)
    assert found.source == "file time"
    assert ".git is not a folder" in found.warning


def test_file_time_is_the_newest_real_file(tmp_path: Path) -> None:
    """Is the newest file's mtime used, ignoring hidden files, __pycache__ and symlinks?"""
    sub = _folder(tmp_path)
    (sub.path / "pkg").mkdir()
    (sub.path / "pkg" / "model.py").write_text("y = 2\n")
    os.utime(sub.path / "pkg" / "model.py", (1_785_000_000, 1_785_000_000))
    for later in (".hidden", "__pycache__"):
        (sub.path / later).mkdir()
        (sub.path / later / "x.pyc").write_text("")
    (sub.path / "link.py").symlink_to(tmp_path / "outside.py")
    (tmp_path / "outside.py").write_text("")  # newer than every real file
    found = submitted_at(sub, None, NOW)
    assert found.source == "file time"
    assert found.at == datetime.fromtimestamp(1_785_000_000, UTC)
    assert found.warning == FILE_TIME_WARNING
    assert "--submitted-at FILE.csv" in found.warning


def test_zip_uses_the_zip_files_own_time(tmp_path: Path) -> None:
    """For a .zip, is the zip file's mtime used, not its entries' naive local times?"""
    path = tmp_path / "alice.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("nn.py", date_time=(2030, 1, 1, 0, 0, 0)), "x = 1\n")
    os.utime(path, (1_781_000_000, 1_781_000_000))
    found = submitted_at(Submission(student="alice", path=path, kind="zip"), None, NOW)
    assert (found.source, found.detail) == ("file time", "alice.zip's modification time")
    assert found.at == datetime.fromtimestamp(1_781_000_000, UTC)


def test_a_time_after_the_grading_time_is_flagged(tmp_path: Path) -> None:
    """Is a student's time later than the grading time called out in the warning?"""
    sub = _folder(tmp_path)
    found = submitted_at(sub, None, datetime.fromtimestamp(1_700_000_000, UTC))
    assert "is after the grading time" in found.warning


def test_nothing_readable_gives_the_grading_time(tmp_path: Path) -> None:
    """With no source at all (the folder is gone), is the grading time used, with a warning?"""
    gone = Submission(student="alice", path=tmp_path / "gone", kind="directory")
    found = submitted_at(gone, None, NOW)
    assert (found.at, found.source, found.detail) == (NOW, "file time", "grading time")
    assert "no file time could be read" in found.warning


def test_the_grader_failing_on_one_source_costs_that_source_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in reading a student's .git (any exception) falls through to the file time with
    the fault in the warning; it never stops the class before grading starts."""
    sub = _folder(tmp_path)
    _git_repo(sub)

    def broken(work_tree: Path) -> None:
        raise MemoryError("a hostile repository")

    monkeypatch.setattr(submitted, "head_commit", broken)
    found = submitted_at(sub, None, NOW)
    assert found.source == "file time"
    assert "reading the submission time: MemoryError: a hostile repository" in found.warning
