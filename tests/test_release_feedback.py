"""``grader release-feedback``: each student gets their own feedback page, and nothing else."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from grader.release_feedback import FEEDBACK_FILES, ReleaseError, release_feedback
from tests.clirun import grader


def _results(tmp_path: Path) -> Path:
    """A results folder as `grader grade --out` writes it, for alice and bob, with class
    files and a held-out key beside them."""
    results = tmp_path / "results"
    for student in ("alice", "bob"):
        folder = results / student
        folder.mkdir(parents=True)
        (folder / "feedback.html").write_text(f"<p>{student}'s page</p>")
        (folder / "feedback.md").write_text(f"# {student}'s page")
        (folder / "result.json").write_text('{"hidden": "output tail"}')
        (folder / "results.json").write_text("{}")
    (results / "report.html").write_text("class report")
    (results / "lms.csv").write_text("student,total\n")
    (results / ".heldout-key").write_text("secret")
    (results / ".hidden").mkdir()
    (results / ".hidden" / "feedback.html").write_text("not a student")
    return results


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): path.read_text()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_each_folder_holds_exactly_that_students_feedback(tmp_path: Path) -> None:
    """Does each student's folder hold their feedback.html and feedback.md and nothing else?"""
    out = tmp_path / "feedback"
    written = release_feedback(_results(tmp_path), out)
    assert written == [out / "alice", out / "bob"]
    assert _tree(out) == {
        "alice/feedback.html": "<p>alice's page</p>",
        "alice/feedback.md": "# alice's page",
        "bob/feedback.html": "<p>bob's page</p>",
        "bob/feedback.md": "# bob's page",
    }


def test_each_zip_holds_exactly_that_students_feedback(tmp_path: Path) -> None:
    """With zip=True, is there one zip per student holding only their two files?"""
    out = tmp_path / "feedback"
    written = release_feedback(_results(tmp_path), out, zip=True)
    assert written == [out / "alice.zip", out / "bob.zip"]
    assert sorted(path.name for path in out.iterdir()) == ["alice.zip", "bob.zip"]
    for student in ("alice", "bob"):
        with zipfile.ZipFile(out / f"{student}.zip") as archive:
            assert sorted(archive.namelist()) == sorted(FEEDBACK_FILES)
            assert archive.read("feedback.md").decode() == f"# {student}'s page"


def test_a_planted_symlink_is_not_followed(tmp_path: Path) -> None:
    """Does a symlink in mallory's folder to bob's page (and a folder that is a symlink to
    bob's) hand mallory nothing of bob's?"""
    results = _results(tmp_path)
    mallory = results / "mallory"
    mallory.mkdir()
    (mallory / "feedback.html").symlink_to(results / "bob" / "feedback.html")
    (mallory / "feedback.md").write_text("# mallory's page")
    (results / "eve").symlink_to(results / "bob")
    out = tmp_path / "feedback"
    for as_zip in (False, True):
        release_feedback(results, out / str(as_zip), zip=as_zip)
    assert _tree(out / "False" / "mallory") == {"feedback.md": "# mallory's page"}
    assert not (out / "False" / "eve").exists()
    with zipfile.ZipFile(out / "True" / "mallory.zip") as archive:
        assert archive.namelist() == ["feedback.md"]
    assert not (out / "True" / "eve.zip").exists()
    assert "bob's page" not in "".join(_tree(out / "False" / "mallory").values())


def test_only_the_chosen_students(tmp_path: Path) -> None:
    """Does students=[...] release only those, and an unknown one fail before writing?"""
    out = tmp_path / "feedback"
    results = _results(tmp_path)
    assert release_feedback(results, out, students=["bob"]) == [out / "bob"]
    assert sorted(path.name for path in out.iterdir()) == ["bob"]
    with pytest.raises(ReleaseError, match=r"--student alce: .*\(did you mean alice\?\)"):
        release_feedback(results, tmp_path / "other", students=["alice", "alce"])
    assert not (tmp_path / "other").exists()


@pytest.mark.parametrize("inside", ["results/feedback", "results", "."])
def test_out_inside_or_around_the_results_is_refused(tmp_path: Path, inside: str) -> None:
    """Is an out folder inside the results folder (or holding it) refused with the fix?"""
    results = _results(tmp_path)
    with pytest.raises(ReleaseError, match="inside|holds the results folder") as info:
        release_feedback(results, tmp_path / inside)
    assert "release into a folder" in str(info.value)
    assert not (results / "feedback").exists()


def test_a_released_folder_holding_other_files_is_refused(tmp_path: Path) -> None:
    """Is a target folder with someone else's file in it refused, not silently mixed?"""
    out = tmp_path / "feedback"
    (out / "bob").mkdir(parents=True)
    (out / "bob" / "notes.txt").write_text("TA notes")
    with pytest.raises(ReleaseError, match="holds other files \\(notes.txt\\)"):
        release_feedback(_results(tmp_path), out)
    assert not (out / "alice").exists()


def test_a_rerelease_replaces_the_page(tmp_path: Path) -> None:
    """Does releasing again (after a regrade) replace the page and drop one now gone?"""
    results, out = _results(tmp_path), tmp_path / "feedback"
    release_feedback(results, out)
    (results / "alice" / "feedback.html").write_text("<p>regraded</p>")
    (results / "alice" / "feedback.md").unlink()
    release_feedback(results, out)
    assert _tree(out / "alice") == {"feedback.html": "<p>regraded</p>"}


def test_no_feedback_at_all_is_an_instructor_error(tmp_path: Path) -> None:
    """Is a folder with no feedback pages (not a results folder) refused, naming it?"""
    (tmp_path / "empty" / "x").mkdir(parents=True)
    with pytest.raises(ReleaseError, match="holds feedback.html or feedback.md"):
        release_feedback(tmp_path / "empty", tmp_path / "out")
    with pytest.raises(ReleaseError, match="no results folder at"):
        release_feedback(tmp_path / "missing", tmp_path / "out")


def test_cli_release_feedback(tmp_path: Path) -> None:
    """Does `grader release-feedback RESULTS OUT --zip --student S` write that zip and say so,
    and exit 2 with the fix for an out inside the results?"""
    results = _results(tmp_path)
    done = grader("release-feedback", "results", "out", "--zip", "--student", "alice", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "wrote 1 zip to out, one per student" in done.stdout
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["alice.zip"]
    refused = grader("release-feedback", "results", "results/out", cwd=tmp_path)
    assert refused.returncode == 2
    assert "is inside the results folder" in refused.stderr
    assert not (results / "out").exists()
