"""Tests for grader.load: each case is built on disk, loaded, and judged by its outcome."""

from __future__ import annotations

import os
import random
import stat
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader import load as load_module
from grader.errors import InstructorError
from grader.load import load
from grader.models import LoadedSubmission, Submission
from grader.spec import AssignmentSpec

GOOD = b"import math\n\n\ndef relu(x):\n    return max(0.0, x)\n"


def _spec(*files: str) -> AssignmentSpec:
    return AssignmentSpec.model_validate(
        {
            "id": "nn_numpy",
            "title": "A network",
            "submission": {"files": list(files) or ["nn.py"]},
            "parts": [{"name": "All", "checks": {"test_relu_positive": 1}}],
        }
    )


def _folder(root: Path, files: dict[str, bytes], name: str = "alice") -> Submission:
    folder = root / "subs" / name
    folder.mkdir(parents=True)
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    return Submission(student=name, path=folder, kind="directory")


def _zip(root: Path, files: dict[str, bytes], name: str = "alice") -> Submission:
    path = root / "subs" / f"{name}.zip"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel, data in files.items():
            archive.writestr(rel, data)
    return Submission(student=name, path=path, kind="zip")


def _zip_with(root: Path, info: zipfile.ZipInfo, data: bytes = b"x") -> Submission:
    """A zip holding nn.py and one hand-made member, as a hostile tool could write it."""
    sub = _zip(root, {"nn.py": GOOD})
    with zipfile.ZipFile(sub.path, "a") as archive:
        archive.writestr(info, data)
    return sub


def _load(sub: Submission, tmp_path: Path, spec: AssignmentSpec | None = None) -> LoadedSubmission:
    return load(sub, spec or _spec(), tmp_path / "scratch")


def _on_disk(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _refused(loaded: LoadedSubmission) -> str:
    assert loaded.not_gradable is not None, "expected the submission to be refused"
    assert loaded.workdir is None
    assert len(loaded.content_hash) == 64
    return loaded.not_gradable


# -- good submissions ---------------------------------------------------------------------


def test_good_folder_is_copied_exactly(tmp_path: Path) -> None:
    """Is a good folder copied into scratch/<student>/ with exactly its files?"""
    sub = _folder(tmp_path, {"nn.py": GOOD, "utils/helpers.py": b"y = 2\n"})

    loaded = _load(sub, tmp_path)

    assert loaded.gradable, loaded.not_gradable
    assert loaded.workdir == tmp_path / "scratch" / "alice"
    assert loaded.files == ["nn.py", "utils/helpers.py"]
    assert _on_disk(loaded.workdir) == loaded.files
    assert (loaded.workdir / "nn.py").read_bytes() == GOOD
    assert loaded.notes == []


def test_good_zip_is_unpacked_without_debris(tmp_path: Path) -> None:
    """Is a good zip unpacked with tidy paths, leaving out __MACOSX and .DS_Store?"""
    sub = _zip(
        tmp_path,
        {"./nn.py": GOOD, "__MACOSX/._nn.py": b"\0\5", ".DS_Store": b"\0", "data//w.txt": b"1"},
    )

    loaded = _load(sub, tmp_path)

    assert loaded.gradable, loaded.not_gradable
    assert loaded.files == ["data/w.txt", "nn.py"]
    assert loaded.workdir is not None and _on_disk(loaded.workdir) == loaded.files


def test_zip_wrapped_in_one_folder_uses_that_folder(tmp_path: Path) -> None:
    """Is hw5/nn.py (the folder zipped, not its contents) used, with a note?"""
    sub = _zip(tmp_path, {"hw5/nn.py": GOOD, "hw5/extra.py": b"z = 3\n", "README.md": b"hi"})

    loaded = _load(sub, tmp_path)

    assert loaded.gradable, loaded.not_gradable
    assert loaded.files == ["extra.py", "nn.py"]
    assert loaded.workdir is not None and (loaded.workdir / "nn.py").read_bytes() == GOOD
    assert "used the files inside hw5/" in loaded.notes
    assert any("README.md" in note for note in loaded.notes)


def test_folder_wrapped_in_one_folder_uses_that_folder(tmp_path: Path) -> None:
    """Does the same unwrapping work for a folder submission?"""
    sub = _folder(tmp_path, {"hw5/nn.py": GOOD, "hw5/layers.py": GOOD})

    loaded = _load(sub, tmp_path, _spec("nn.py", "layers.py"))

    assert loaded.gradable, loaded.not_gradable
    assert loaded.files == ["layers.py", "nn.py"]


def test_two_candidate_folders_are_not_guessed_between(tmp_path: Path) -> None:
    """With nn.py in two sub-folders, is the student asked to choose instead of a guess?"""
    sub = _zip(tmp_path, {"old/nn.py": GOOD, "new/nn.py": GOOD})

    reason = _refused(_load(sub, tmp_path))

    assert reason.startswith("nn.py is missing")
    assert "Found 'new/nn.py': move it to the top level." in reason


def test_bom_and_crlf_are_accepted_and_normalised(tmp_path: Path) -> None:
    """Is a UTF-8 BOM stripped and CRLF turned into LF in the copy, with a note?"""
    windows = b"\xef\xbb\xbf" + GOOD.replace(b"\n", b"\r\n")
    sub = _folder(tmp_path, {"nn.py": windows})

    loaded = _load(sub, tmp_path)

    assert loaded.gradable, loaded.not_gradable
    assert loaded.workdir is not None
    assert (loaded.workdir / "nn.py").read_bytes() == GOOD
    assert loaded.notes == [
        "nn.py: removed the UTF-8 byte-order mark and converted the line endings to LF"
    ]


def test_scratch_folder_is_wiped_first(tmp_path: Path) -> None:
    """Does a file left by an earlier run disappear from scratch/<student>/?"""
    stale = tmp_path / "scratch" / "alice" / "old.py"
    stale.parent.mkdir(parents=True)
    stale.write_text("x = 0\n")

    loaded = _load(_folder(tmp_path, {"nn.py": GOOD}), tmp_path)

    assert loaded.files == ["nn.py"] and not stale.exists()


# -- folders that cannot be graded --------------------------------------------------------


def test_empty_folder_is_refused(tmp_path: Path) -> None:
    """Does an empty folder name itself and the file to hand in?"""
    reason = _refused(_load(_folder(tmp_path, {}), tmp_path))

    assert reason == "the submission folder alice/ is empty; hand in nn.py"


def test_stray_file_is_refused(tmp_path: Path) -> None:
    """Is a submission of kind 'other' refused, naming the file?"""
    path = tmp_path / "subs" / "notes.txt"
    path.parent.mkdir()
    path.write_text("my answers")
    sub = Submission(student="notes.txt", path=path, kind="other")

    reason = _refused(_load(sub, tmp_path))

    assert reason.startswith("expected a folder or a .zip per student, found file notes.txt")


@pytest.mark.parametrize(
    ("handed_in", "hint"),
    [
        ("NN.py", "Found 'NN.py': rename it to nn.py."),
        ("nn (1).py", "Found 'nn (1).py': rename it to nn.py."),
        ("nn-1.py", "Found 'nn-1.py': rename it to nn.py."),
        ("nn.py.txt", "Found 'nn.py.txt': rename it to nn.py."),
        ("src/NN.py", "Found 'src/NN.py': rename it to nn.py and move it to the top level."),
        ("nn.ipynb", "Found 'nn.ipynb': export it as a Python script named nn.py."),
    ],
)
def test_missing_file_with_a_near_miss_name(tmp_path: Path, handed_in: str, hint: str) -> None:
    """Is a near-miss name refused, with a hint that says how to fix it?"""
    sub = _folder(tmp_path, {handed_in: GOOD, "a.py": b"", "notes.txt": b""})

    reason = _refused(_load(sub, tmp_path))

    assert reason.startswith("nn.py is missing; your submission contains: ")
    assert hint in reason
    assert reason.endswith("Hand in a file named nn.py at the top level.")


def test_missing_file_lists_what_is_there(tmp_path: Path) -> None:
    """Does the message list the files found when nothing comes close?"""
    reason = _refused(_load(_folder(tmp_path, {"a.py": b"", "notes.txt": b""}), tmp_path))

    assert reason == (
        "nn.py is missing; your submission contains: a.py, notes.txt. "
        "Hand in a file named nn.py at the top level."
    )


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    """Does a syntax error name the file and the line, and say how to see it?"""
    source = b"x = 1\n" * 11 + b"y = = 2\n"
    reason = _refused(_load(_folder(tmp_path, {"nn.py": source}), tmp_path))

    assert reason.startswith("nn.py line 12: invalid syntax ('y = = 2')")
    assert "python -c 'import nn'" in reason


def test_two_missing_files_are_named_together(tmp_path: Path) -> None:
    """With two required files absent, are both named, with a hint for each near miss?"""
    sub = _folder(tmp_path, {"Layers.py": GOOD})

    reason = _refused(_load(sub, tmp_path, _spec("nn.py", "layers.py")))

    assert reason == (
        "nn.py and layers.py are missing; your submission contains: Layers.py. "
        "Found 'Layers.py': rename it to layers.py. "
        "Hand in files named nn.py and layers.py at the top level."
    )


def test_oversized_source_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Is a required .py file over the source cap refused before it is parsed?"""
    monkeypatch.setattr(load_module, "MAX_SOURCE_BYTES", 2048)

    reason = _refused(_load(_folder(tmp_path, {"nn.py": b"x = 1\n" * 400}), tmp_path))

    assert reason.startswith("nn.py is larger than 2 KB, too large for a source file")


def test_syntax_warning_is_not_a_refusal(tmp_path: Path) -> None:
    """Is code that only warns (an invalid escape) still gradable?"""
    loaded = _load(_folder(tmp_path, {"nn.py": b"p = '\\d+'\n"}), tmp_path)

    assert loaded.gradable, loaded.not_gradable


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    """Is a Latin-1 file refused, naming the byte and the line?"""
    reason = _refused(_load(_folder(tmp_path, {"nn.py": b"x = 1\ns = 'caf\xe9'\n"}), tmp_path))

    assert reason == (
        "nn.py is not UTF-8 text (byte 0xe9 on line 2); save it with UTF-8 encoding in your editor"
    )


def test_null_bytes_are_refused(tmp_path: Path) -> None:
    """Is a file with a null byte refused as not text?"""
    reason = _refused(_load(_folder(tmp_path, {"nn.py": b"x = 1\n\0\n"}), tmp_path))

    assert reason.startswith("nn.py contains a null byte on line 2")


def test_utf16_file_is_refused(tmp_path: Path) -> None:
    """Is a UTF-16 file (Notepad's 'Unicode') refused with the encoding named?"""
    reason = _refused(_load(_folder(tmp_path, {"nn.py": "x = 1\n".encode("utf-16")}), tmp_path))

    assert "UTF-16" in reason


def test_symlink_out_of_the_submission_is_not_followed(tmp_path: Path) -> None:
    """Are links to files and folders outside the submission skipped, never copied?"""
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "key.py").write_text("KEY = 'hidden'\n")
    sub = _folder(tmp_path, {"nn.py": GOOD})
    (sub.path / "link.py").symlink_to(outside / "key.py")
    (sub.path / "linkdir").symlink_to(outside)

    loaded = _load(sub, tmp_path)

    assert loaded.gradable, loaded.not_gradable
    assert loaded.workdir is not None and _on_disk(loaded.workdir) == ["nn.py"]
    assert loaded.files == ["nn.py"]
    assert any("symbolic link link.py" in note for note in loaded.notes)
    assert any("symbolic link linkdir" in note for note in loaded.notes)


def test_required_file_as_symlink_is_missing(tmp_path: Path) -> None:
    """Is a required file that is only a link treated as missing?"""
    outside = tmp_path / "nn_elsewhere.py"
    outside.write_bytes(GOOD)
    sub = _folder(tmp_path, {"a.py": b""})
    (sub.path / "nn.py").symlink_to(outside)

    loaded = _load(sub, tmp_path)

    assert _refused(loaded).startswith("nn.py is missing")
    assert any("symbolic link nn.py" in note for note in loaded.notes)


def _must_not_copy(*args: object) -> dict[str, bytes]:
    raise AssertionError("the declared sizes are over the cap; nothing should be copied")


def test_huge_folder_is_refused_without_copying(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Is a folder over the size cap refused, with nothing left in scratch?"""
    monkeypatch.setattr(load_module, "MAX_TOTAL_BYTES", 1_000_000)
    monkeypatch.setattr(load_module, "_copy_all", _must_not_copy)
    sub = _folder(tmp_path, {"nn.py": GOOD})
    with (sub.path / "weights.bin").open("wb") as handle:
        handle.truncate(2_000_000)  # sparse: costs no disk

    loaded = _load(sub, tmp_path)

    assert _refused(loaded) == (
        "the submission folder alice/ holds more than 976 KB of files; hand in only your code "
        "(leave out datasets, checkpoints and virtual environments)"
    )
    assert _on_disk(tmp_path / "scratch" / "alice") == []


def test_too_many_files_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Is a folder with more files than the cap refused?"""
    monkeypatch.setattr(load_module, "MAX_FILES", 3)
    files = {f"f{i}.py": b"" for i in range(5)}

    reason = _refused(_load(_folder(tmp_path, {"nn.py": GOOD, **files}), tmp_path))

    assert "more than the limit of 3" in reason


# -- zips that cannot be graded -----------------------------------------------------------


@pytest.mark.parametrize(
    "member", ["../../etc/x", "/etc/x", "C:/Windows/x", "..\\..\\evil.py", "ok/../../x"]
)
def test_unsafe_zip_paths_are_refused(tmp_path: Path, member: str) -> None:
    """Is a member that would land outside the scratch folder refused, with nothing written?"""
    sub = _zip_with(tmp_path, zipfile.ZipInfo(member))

    loaded = _load(sub, tmp_path)

    assert _refused(loaded) == (
        f"the zip alice.zip contains an unsafe path {member}; "
        "zip only your files, with paths inside the zip"
    )
    assert not (tmp_path / "etc").exists() and not (tmp_path / "x").exists()
    assert _on_disk(tmp_path / "scratch" / "alice") == []


def test_zip_with_symlink_member_is_refused(tmp_path: Path) -> None:
    """Is a symbolic-link member refused rather than created?"""
    info = zipfile.ZipInfo("helper.py")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16

    reason = _refused(_load(_zip_with(tmp_path, info, b"/etc/passwd"), tmp_path))

    assert "contains a symbolic link helper.py" in reason


def test_backslash_paths_are_folders(tmp_path: Path) -> None:
    """Is a zip written with backslashes (old Windows tools) unpacked into folders?"""
    sub = _zip(tmp_path, {"hw5\\nn.py": GOOD})

    loaded = _load(sub, tmp_path)

    assert loaded.gradable, loaded.not_gradable
    assert "used the files inside hw5/" in loaded.notes


def test_truncated_zip_is_refused(tmp_path: Path) -> None:
    """Is a zip cut short in transfer refused as unreadable?"""
    sub = _zip(tmp_path, {"nn.py": GOOD * 50})
    sub.path.write_bytes(sub.path.read_bytes()[:-40])

    reason = _refused(_load(sub, tmp_path))

    assert reason.startswith("alice.zip is not a readable zip file (")
    assert reason.endswith("re-create it with your OS's 'compress' command")


def test_random_bytes_named_zip_are_refused(tmp_path: Path) -> None:
    """Is a file that only claims to be a zip refused as unreadable?"""
    path = tmp_path / "subs" / "alice.zip"
    path.parent.mkdir()
    path.write_bytes(os.urandom(4096))
    sub = Submission(student="alice", path=path, kind="zip")

    reason = _refused(_load(sub, tmp_path))

    assert reason.startswith("alice.zip is not a readable zip file (File is not a zip file)")


def test_corrupt_member_is_refused(tmp_path: Path) -> None:
    """Is a zip whose data was damaged (bad CRC) refused instead of crashing?"""
    sub = _zip(tmp_path, {"nn.py": GOOD})
    data = bytearray(sub.path.read_bytes())
    data[40] ^= 0xFF  # inside nn.py's compressed bytes
    sub.path.write_bytes(bytes(data))

    assert "is not a readable zip file" in _refused(_load(sub, tmp_path))


def _patch_headers(path: Path, member: str, local: int, central: int, value: int) -> None:
    """Overwrite the 4-byte field at ``local``/``central`` in both headers of ``member``."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for signature, offset, name_at in ((b"PK\x03\x04", local, 30), (b"PK\x01\x02", central, 46)):
        start = data.index(signature)
        while data[start + name_at : start + name_at + len(name)] != name:
            start = data.index(signature, start + 4)
        fmt = "<I" if offset in (22, 24) else "<H"
        struct.pack_into(fmt, data, start + offset, value)
    path.write_bytes(bytes(data))


def test_zip_bomb_declared_small_is_refused(tmp_path: Path) -> None:
    """Is a member that declares 10 bytes but inflates to 5 MB refused, never written out?"""
    sub = _zip(tmp_path, {"nn.py": GOOD, "bomb.bin": bytes(5_000_000)})
    _patch_headers(sub.path, "bomb.bin", local=22, central=24, value=10)  # uncompressed size

    loaded = _load(sub, tmp_path)

    assert "is not a readable zip file" in _refused(loaded)
    assert _on_disk(tmp_path / "scratch" / "alice") == []


def test_zip_just_over_the_cap_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Is a zip that declares one byte more than the cap refused before unpacking?"""
    monkeypatch.setattr(load_module, "MAX_TOTAL_BYTES", 10_000)
    monkeypatch.setattr(load_module, "_copy_all", _must_not_copy)
    sub = _zip(tmp_path, {"nn.py": GOOD, "w.bin": bytes(10_001 - len(GOOD))})

    reason = _refused(_load(sub, tmp_path))

    assert reason.startswith("the zip alice.zip holds more than")


def test_bytes_are_counted_while_copying(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Does the copy stop at the cap even when a member's declared size lies?"""
    monkeypatch.setattr(load_module, "MAX_TOTAL_BYTES", 1_000)

    def chunks() -> Iterator[bytes]:
        yield from [bytes(600), bytes(600)]

    liar = load_module._Member("big.bin", 1, chunks)
    with pytest.raises(load_module._Refused, match="more than"):
        load_module._copy_all([liar], "", tmp_path, "the zip alice.zip")
    assert (tmp_path / "big.bin").stat().st_size <= 1_000


def test_garbled_member_name_is_refused(tmp_path: Path) -> None:
    """Is a member name that claims UTF-8 but is not refused, not raised?"""
    sub = _zip(tmp_path, {"nn.py": GOOD, "caf\u00e9.py": b""})  # sets the UTF-8 name flag
    sub.path.write_bytes(sub.path.read_bytes().replace("\u00e9".encode(), b"\x8d\x8d"))

    assert "is not a readable zip file" in _refused(_load(sub, tmp_path))


def test_damaged_zips_never_raise(tmp_path: Path) -> None:
    """Does every randomly damaged zip load to a result, never a traceback?"""
    sub = _zip(tmp_path, {"hw/nn.py": GOOD * 5, "hw/data.txt": b"1 2 3\n" * 50})
    pristine = sub.path.read_bytes()
    rng = random.Random(0)
    outcomes = set()
    for _ in range(300):
        damaged = bytearray(pristine)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        sub.path.write_bytes(bytes(damaged))
        outcomes.add(_load(sub, tmp_path).gradable)
    assert outcomes == {True, False}


def test_password_protected_zip_is_refused(tmp_path: Path) -> None:
    """Is an encrypted member refused with a fix, not a crash?"""
    sub = _zip(tmp_path, {"nn.py": GOOD, "secret.py": b"x = 1\n"})
    _patch_headers(sub.path, "secret.py", local=6, central=8, value=0x1)  # flag bit 0: encrypted

    reason = _refused(_load(sub, tmp_path))

    assert "password-protected" in reason


# -- content hash -------------------------------------------------------------------------


def _hash(tmp_path: Path, name: str, files: dict[str, bytes], extra: str = "") -> str:
    return load(
        _folder(tmp_path, files, name), _spec(), tmp_path / "scratch", extra_hash=extra
    ).content_hash


def test_hash_is_stable(tmp_path: Path) -> None:
    """Do the same files give the same hash, in another folder and in a zip?"""
    files = {"nn.py": GOOD, "utils.py": b"u = 1\n"}
    as_zip = load(_zip(tmp_path, files, "carol"), _spec(), tmp_path / "scratch").content_hash

    assert _hash(tmp_path, "alice", files) == _hash(tmp_path, "bob", files) == as_zip


def test_hash_changes_with_any_file_and_with_extra_hash(tmp_path: Path) -> None:
    """Does the hash change when a required file, a helper or extra_hash changes?"""
    base = _hash(tmp_path, "a", {"nn.py": GOOD, "utils.py": b"u = 1\n"})

    assert _hash(tmp_path, "b", {"nn.py": GOOD + b"#\n", "utils.py": b"u = 1\n"}) != base
    assert _hash(tmp_path, "c", {"nn.py": GOOD, "utils.py": b"u = 2\n"}) != base
    assert _hash(tmp_path, "d", {"nn.py": GOOD, "utils.py": b"u = 1\n"}, "checks-v2") != base


def test_not_gradable_submissions_have_a_stable_hash(tmp_path: Path) -> None:
    """Can a re-run skip an unchanged unreadable zip, and notice a changed one?"""
    path = tmp_path / "subs" / "alice.zip"
    path.parent.mkdir()
    path.write_bytes(b"not a zip")
    sub = Submission(student="alice", path=path, kind="zip")
    first, again = _load(sub, tmp_path).content_hash, _load(sub, tmp_path).content_hash
    path.write_bytes(b"still not a zip")

    assert first == again != _load(sub, tmp_path).content_hash


# -- the grader's own mistakes ------------------------------------------------------------


@pytest.mark.parametrize("student", ["..", "a/b", ""])
def test_student_name_that_is_not_a_folder_name_is_an_instructor_error(
    tmp_path: Path, student: str
) -> None:
    """Is a name that could escape the scratch folder refused before anything is wiped?"""
    sub = Submission(student=student, path=tmp_path, kind="directory")

    with pytest.raises(InstructorError, match="cannot be a folder name"):
        _load(sub, tmp_path)


def test_provided_file_replaces_a_folder_of_its_name(tmp_path: Path) -> None:
    """Is a folder named like a course-provided file replaced by the course's copy, with a
    note, rather than stopping the grader?"""
    course_copy = tmp_path / "util.py"
    course_copy.write_bytes(b"X = 1\n")
    spec = AssignmentSpec.model_validate(
        {**_spec().model_dump(), "submission": {"files": ["nn.py"], "provided": ["util.py"]}}
    )
    sub = _folder(tmp_path, {"nn.py": GOOD, "util.py/inner.py": b"Y = 2\n"})

    loaded = load(sub, spec, tmp_path / "scratch", provided={"util.py": course_copy})

    assert loaded.gradable and loaded.workdir is not None, loaded.not_gradable
    assert (loaded.workdir / "util.py").read_bytes() == b"X = 1\n"
    assert any("util.py is provided by the course" in note for note in loaded.notes)


def test_load_without_the_course_copy_of_a_provided_file_fails_fast(tmp_path: Path) -> None:
    spec = AssignmentSpec.model_validate(
        {**_spec().model_dump(), "submission": {"files": ["nn.py"], "provided": ["util.py"]}}
    )
    with pytest.raises(InstructorError, match="provided=assignment.provided_files"):
        load(_folder(tmp_path, {"nn.py": GOOD}), spec, tmp_path / "scratch")
