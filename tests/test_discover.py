"""Tests for grader.discover: one Submission per student, in a stable order."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from grader.discover import discover
from grader.errors import InstructorError


def _zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("nn.py", "x = 1\n")


def test_folders_and_zips_are_sorted_by_student(tmp_path: Path) -> None:
    """Are folders and zips found, named and sorted by student name, case-insensitively?"""
    (tmp_path / "carol").mkdir()
    (tmp_path / "Bob").mkdir()
    _zip(tmp_path / "alice.zip")
    _zip(tmp_path / "dave.ZIP")

    found = discover(tmp_path)

    assert [(s.student, s.kind) for s in found] == [
        ("alice", "zip"),
        ("Bob", "directory"),
        ("carol", "directory"),
        ("dave", "zip"),
    ]
    assert found[0].path == tmp_path / "alice.zip"


def test_dotfiles_and_os_debris_are_skipped(tmp_path: Path) -> None:
    """Are dotfiles, dot-folders, __MACOSX and Thumbs.db left out?"""
    (tmp_path / "alice").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / ".DS_Store").write_bytes(b"\0")
    (tmp_path / "Thumbs.db").write_bytes(b"\0")

    assert [s.student for s in discover(tmp_path)] == ["alice"]


def test_stray_file_is_other(tmp_path: Path) -> None:
    """Is a file that is not a zip kept as kind 'other' under its full name?"""
    (tmp_path / "notes.txt").write_text("hi")

    (only,) = discover(tmp_path)

    assert (only.student, only.kind, only.path) == ("notes.txt", "other", tmp_path / "notes.txt")


def test_folder_and_zip_with_the_same_name_are_both_kept(tmp_path: Path) -> None:
    """Do alice/ and alice.zip become the students alice and alice.zip?"""
    (tmp_path / "alice").mkdir()
    _zip(tmp_path / "alice.zip")

    found = discover(tmp_path)

    assert [(s.student, s.kind) for s in found] == [("alice", "directory"), ("alice.zip", "zip")]


def test_clashes_are_resolved_case_insensitively_and_in_chains(tmp_path: Path) -> None:
    """Are Alice/, alice.zip and alice.zip.zip given three distinct names?"""
    (tmp_path / "Alice").mkdir()
    _zip(tmp_path / "alice.zip")
    _zip(tmp_path / "alice.zip.zip")

    names = [s.student for s in discover(tmp_path)]

    assert names == ["Alice", "alice.zip", "alice.zip.zip"]


def test_empty_folder_gives_no_submissions(tmp_path: Path) -> None:
    """Is an empty submissions folder an empty list, not an error?"""
    assert discover(tmp_path) == []


def test_missing_folder_is_an_instructor_error(tmp_path: Path) -> None:
    """Does a missing submissions folder fail fast, naming the path and the fix?"""
    with pytest.raises(InstructorError, match="submissions folder not found: .*subs/") as info:
        discover(tmp_path / "subs")
    assert "one folder or .zip per student" in str(info.value)


def test_file_instead_of_folder_is_an_instructor_error(tmp_path: Path) -> None:
    """Does passing a file (a class-wide zip, say) fail fast?"""
    given = tmp_path / "all.zip"
    _zip(given)

    with pytest.raises(InstructorError, match="must be a folder, given the file .*all.zip"):
        discover(given)
