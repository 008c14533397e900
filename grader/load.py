"""Load: copy one submission into ``scratch_root/<student>/``, or say why it cannot be graded.

Every problem with a submission becomes ``LoadedSubmission(not_gradable=...)``: one plain
message naming the file, the rule and the fix. Only a mistake on the grader's side (a student
name that is not a folder name, a scratch folder that cannot be written) raises
:class:`grader.errors.InstructorError`.

The steps:

1. **List** the members: the regular files of a folder (symbolic links and special files are
   skipped with a note and never followed) or of a zip (read by hand: absolute paths, ``..``,
   drive letters, symbolic links and password protection are refused; backslashes count as
   separators, so ``..\\x`` is ``../x``). Debris (``__MACOSX``, ``.DS_Store``, ``__pycache__``,
   ``.git``, ``.ipynb_checkpoints``, ``Thumbs.db``, the self-check bundle ``.grader``) is left
   out. At most :data:`MAX_FILES` files and :data:`MAX_TOTAL_BYTES` bytes, by the sizes the
   folder or zip declares; files more than :data:`MAX_DEPTH` folders down are skipped with a
   note (the walk that would reach them recurses once per folder). A zip's central directory
   is sized up from its end record before it is read (at most 4 x ``MAX_FILES`` entries).
2. **Choose the root**: the top level, or the one sub-folder that holds more of the required
   files than the top level and any other folder (``hw5/nn.py`` from zipping the folder).
3. **Copy** the files under the root, counting the bytes actually read against the cap (zip
   headers can lie), and hash each file as handed in.
   The course-provided files (``[submission] provided``) are written beside the code; a
   student's own copy that differs is replaced, with a note.
4. **Check** which required files are there. None of them: not gradable, with a hint for
   near misses like ``NN.py`` or ``nn (1).py``. Some: each one left out becomes a note and
   goes into ``missing``, and only the checks that use it fail (the run stage tells the
   worker to import only the modules handed in). Each ``.py`` file handed in must be UTF-8
   text and compile. ``compile`` only parses; nothing runs here. A UTF-8 byte-order mark is
   removed and CRLF line endings become LF in the copy.

``content_hash`` is a sha256 over the sorted (relative path, sha256 of bytes as handed in) of
*every* copied file, helpers included, then ``extra_hash``. When nothing could be copied it
covers the raw zip or file, or every regular file of the folder, so re-runs can skip
not-gradable submissions too.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
import shutil
import stat
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.errors import InstructorError
from grader.locate import module_locations
from grader.models import LoadedSubmission, Submission
from grader.notebook.attach import attach_notebook
from grader.spec import AssignmentSpec

__all__ = ["MAX_DEPTH", "MAX_FILES", "MAX_SOURCE_BYTES", "MAX_TOTAL_BYTES", "load", "unpack"]

MAX_FILES = 2_000
"""The most files one submission may hold."""
MAX_TOTAL_BYTES = 200 * 1024 * 1024
"""The most bytes one submission may unpack to."""
MAX_SOURCE_BYTES = 10 * 1024 * 1024
"""The largest required ``.py`` file that is parsed."""
MAX_DEPTH = 64
"""The most folders a submission's file may sit in, one inside the other (a virtual environment's deepest
files are about 15 folders down); deeper files are skipped with a note."""

_CHUNK = 1 << 20
_DEBRIS = frozenset(
    {"__MACOSX", ".DS_Store", "__pycache__", ".git", ".ipynb_checkpoints", "Thumbs.db", ".grader"}
)
_DRIVE = re.compile(r"^[A-Za-z]:")
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    OSError,
    ValueError,  # includes UnicodeDecodeError for a garbled member name
)
_HASH_TAG = b"dl-grader/load/v1\0"
_EOCD_SEARCH = 22 + 65535  # the end-of-directory record, after a comment of at most 64 KB
_MAX_DIRECTORY_BYTES = 8 * 2**20  # 4 x MAX_FILES entries with long names and extra fields


class _Refused(Exception):
    """A student fault found while loading; :func:`load` turns it into ``not_gradable``."""


@dataclass(frozen=True)
class _Member:
    """One file of a submission, not yet copied."""

    rel: str  # POSIX path inside the submission, e.g. "hw5/nn.py"
    size: int  # bytes, as the folder or the zip header declares
    chunks: Callable[[], Iterator[bytes]]  # the bytes as handed in; raises _Refused


def load(
    submission: Submission,
    spec: AssignmentSpec,
    scratch_root: Path,
    *,
    extra_hash: str = "",
    provided: Mapping[str, Path] | None = None,
) -> LoadedSubmission:
    """Materialise ``submission`` into ``scratch_root/<student>/`` and check it can be imported.

    ``extra_hash`` goes into ``content_hash``: pass a hash of the assignment's checks, spec
    and reference so that a change there invalidates earlier results. ``provided`` maps each
    course-provided file of the spec to the course's copy
    (:meth:`grader.course.Assignment.provided_files`); it is placed beside the code.
    """
    _require_provided(spec, provided or {})
    dest = _fresh_folder(scratch_root, submission.student)
    notes: list[str] = []
    try:
        with _members(submission, spec, notes) as members:
            root = _choose_root(members, spec.submission.files, notes)
            digests = _copy_all(members, root, dest, _shown(submission))
    except _Refused as exc:
        _fresh_folder(scratch_root, submission.student)  # no half-unpacked zip bomb left behind
        return LoadedSubmission(
            student=submission.student,
            source=submission.path,
            content_hash=_raw_hash(submission, extra_hash),
            not_gradable=str(exc),
            notes=notes,
        )
    files = sorted(digests)
    _place_provided(provided or {}, dest, files, notes)
    notebook, locations, problem = attach_notebook(
        spec.submission, dest, files, notes, named_by_file=submission.kind != "notebook"
    )
    required = spec.submission.files
    if notebook is not None:  # the notebook stands for the missing modules; its module is
        # built unit by unit, each parsed on its own, so it is not compiled here as a whole
        required = [f for f in required if f.removesuffix(".py") not in notebook.modules]
    present = [f for f in required if f in files]
    absent = [f for f in required if f not in files]
    if problem is None and not present and notebook is None:
        problem = _absent_message(absent, files)  # none of the files: nothing to grade
    elif problem is None:
        notes.extend(_absent_note(name, files) for name in absent)
    problem = problem or _check(present, dest, notes)
    if problem is None:
        plain = [f.removesuffix(".py") for f in present if f.endswith(".py")]
        locations = {**module_locations(dest, plain), **locations}
    return LoadedSubmission(
        student=submission.student,
        source=submission.path,
        workdir=None if problem else dest,
        files=files,
        content_hash=_combine(digests, extra_hash),
        not_gradable=problem,
        notes=notes,
        missing=absent if problem is None else [],
        notebook=notebook if problem is None else None,
        locations=locations if problem is None else {},
    )


def unpack(submission: Submission, spec: AssignmentSpec, dest: Path) -> str | None:
    """Copy the submission's files into ``dest`` (a new or empty folder) as grading reads
    them: the same caps and refusals, the same root folder (``hw5/`` of a zipped folder
    stripped), no symlink followed. None, or why it was refused. For people reading a
    submission (``grader serve``): nothing is checked or imported."""
    notes: list[str] = []
    dest.mkdir(parents=True, exist_ok=True)
    try:
        with _members(submission, spec, notes) as members:
            root = _choose_root(members, spec.submission.files, notes)
            _copy_all(members, root, dest, _shown(submission))
    except _Refused as exc:
        return str(exc)
    return None


# -- the scratch folder -------------------------------------------------------------------


def _fresh_folder(scratch_root: Path, student: str) -> Path:
    """An empty ``scratch_root/<student>/``, wiping what an earlier run left there."""
    if student in ("", ".", "..") or any(c in student for c in "/\0"):
        raise InstructorError(
            f"student name {student!r} cannot be a folder name; use the names discover() gives"
        )
    dest = scratch_root / student
    try:
        if dest.is_symlink() or dest.is_file():
            dest.unlink()
        elif dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
    except OSError as exc:
        raise InstructorError(
            f"cannot prepare the scratch folder {dest} ({exc.strerror or exc}); "
            "pass a scratch folder you can write to"
        ) from exc
    return dest


def _shown(submission: Submission) -> str:
    name = submission.path.name
    shown = {"directory": f"the submission folder {name}/", "notebook": f"the notebook {name}"}
    return shown.get(submission.kind, f"the zip {name}")


# -- step 1: list the members -------------------------------------------------------------


@contextmanager
def _members(sub: Submission, spec: AssignmentSpec, notes: list[str]) -> Iterator[list[_Member]]:
    """The submission's files; the zip, if any, stays open until the block ends."""
    if sub.kind == "other":
        raise _Refused(
            f"expected a folder or a .zip per student, found file {sub.path.name}; "
            "hand in a folder or a .zip named after the student"
        )
    if sub.kind == "notebook":  # one notebook as the whole hand-in
        members = [
            _Member(sub.path.name, sub.path.stat().st_size, _file_reader(sub.path, sub.path.name))
        ]
        _check_totals(members, _shown(sub), spec)
        yield members
        return
    if sub.kind == "directory":
        try:
            members = _folder_members(sub.path, notes)
        except OSError as exc:
            raise _Refused(_unreadable(exc)) from exc
        _check_totals(members, _shown(sub), spec)
        yield members
        return
    _check_zip_directory(sub.path)
    try:
        archive = zipfile.ZipFile(sub.path)
    except _ZIP_ERRORS as exc:
        raise _Refused(_unreadable_zip(sub.path.name, exc)) from exc
    with archive:
        members = _zip_members(archive, sub.path.name, notes)
        _check_totals(members, _shown(sub), spec)
        yield members


def _check_totals(members: list[_Member], shown: str, spec: AssignmentSpec) -> None:
    if not members:
        raise _Refused(f"{shown} is empty; hand in {_join(spec.submission.files)}")
    if len(members) > MAX_FILES:
        raise _Refused(
            f"{shown} holds {len(members):,} files, more than the limit of {MAX_FILES:,}; "
            "hand in only your own files"
        )
    if sum(m.size for m in members) > MAX_TOTAL_BYTES:
        raise _Refused(_too_big(shown))


def _too_big(shown: str) -> str:
    return (
        f"{shown} holds more than {_size(MAX_TOTAL_BYTES)} of files; hand in only your "
        "code (leave out datasets, checkpoints and virtual environments)"
    )


def _folder_members(top: Path, notes: list[str]) -> list[_Member]:
    """The regular files under ``top``; links and special files are skipped with a note."""
    members: list[_Member] = []

    def refuse(exc: OSError) -> None:
        raise _Refused(_unreadable(exc))

    for here, dirs, names in os.walk(top, onerror=refuse):
        base = PurePosixPath(Path(here).relative_to(top).as_posix())
        kept = [d for d in sorted(dirs) if _keep(Path(here, d), str(base / d), notes)]
        if kept and len(base.parts) + 1 > MAX_DEPTH:
            notes.append(_too_deep(str(base / kept[0])))
            kept = []  # os.walk recurses once per level: the depth is bounded before it does
        dirs[:] = kept
        for name in sorted(names):
            path, rel = Path(here, name), str(base / name)
            if _keep(path, rel, notes):
                members.append(_Member(rel, path.lstat().st_size, _file_reader(path, rel)))
        if len(members) > MAX_FILES:
            break  # enough to refuse; _check_totals says so
    return members


def _too_deep(folder: str) -> str:
    shown = folder if len(folder) <= 120 else f"{folder[:60]}...{folder[-40:]}"
    return (
        f"skipped the files in {shown}: it is {folder.count('/') + 1} folders deep, deeper than "
        f"the limit of {MAX_DEPTH}; keep your files near the top of your submission"
    )


def _unreadable(exc: OSError) -> str:
    """Names only the file, not where the grader keeps it."""
    return f"could not read {Path(str(exc.filename)).name} ({exc.strerror}); check its permissions"


def _keep(path: Path, rel: str, notes: list[str]) -> bool:
    if path.name in _DEBRIS:
        return False
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        notes.append(f"skipped the symbolic link {rel}; hand in the file itself, not a link")
        return False
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        notes.append(f"skipped {rel}: not a regular file")
        return False
    return True


def _file_reader(path: Path, rel: str) -> Callable[[], Iterator[bytes]]:
    def chunks() -> Iterator[bytes]:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            with os.fdopen(os.open(path, flags), "rb") as handle:
                while chunk := handle.read(_CHUNK):
                    yield chunk
        except OSError as exc:
            raise _Refused(f"could not read {rel} ({exc.strerror}); check its permissions") from exc

    return chunks


def _check_zip_directory(path: Path) -> None:
    """Refuse a zip whose central directory is too big to read, before zipfile reads it
    into memory (an object per entry: 300,000 empty entries, 26 MB of zip, cost 160 MB and
    12 s). The entry count and the directory's size come from the end-of-directory record;
    zipfile reads entries until the size is used up, so the size is what bounds it. A
    zip64 record (0xFFFF entries, 0xFFFFFFFF bytes) is more than any submission holds."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            handle.seek(max(0, size - _EOCD_SEARCH))
            tail = handle.read()
    except OSError as exc:
        raise _Refused(_unreadable(exc)) from exc
    if size > MAX_TOTAL_BYTES:
        raise _Refused(_too_big(f"the zip {path.name}"))
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return  # not a zip: zipfile says so, in its words
    entries = int.from_bytes(tail[at + 10 : at + 12], "little")
    directory = int.from_bytes(tail[at + 12 : at + 16], "little")
    if entries > 4 * MAX_FILES or directory > _MAX_DIRECTORY_BYTES:
        many = f"{entries:,}" if entries < 0xFFFF else "more than 65,000"
        raise _Refused(
            f"the zip {path.name} holds {many} entries ({directory:,} bytes of directory); "
            "hand in only your own files"
        )


def _zip_members(archive: zipfile.ZipFile, zip_name: str, notes: list[str]) -> list[_Member]:
    """The files of a zip, refusing anything that could write outside the scratch folder."""
    infos = archive.infolist()
    if len(infos) > 4 * MAX_FILES:
        raise _Refused(
            f"the zip {zip_name} holds {len(infos):,} entries; hand in only your own files"
        )
    members: dict[str, _Member] = {}
    for info in infos:
        rel = _member_path(info, zip_name, notes)
        if rel is None:
            continue
        if rel in members:
            raise _Refused(f"the zip {zip_name} contains {rel} twice; re-create it")
        members[rel] = _Member(rel, info.file_size, _zip_reader(archive, info, zip_name))
    folders = {str(p) for rel in members for p in PurePosixPath(rel).parents}
    if clash := sorted(folders & members.keys()):
        raise _Refused(
            f"the zip {zip_name} has both a file and a folder named {clash[0]}; re-create it"
        )
    return list(members.values())


def _member_path(info: zipfile.ZipInfo, zip_name: str, notes: list[str]) -> str | None:
    """The safe relative path of a zip member; None for folders and debris."""
    name = info.filename.replace("\\", "/")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if name.startswith("/") or _DRIVE.match(name) or ".." in parts:
        raise _Refused(
            f"the zip {zip_name} contains an unsafe path {info.filename}; "
            "zip only your files, with paths inside the zip"
        )
    if not parts or name.endswith("/") or any(p in _DEBRIS for p in parts):
        return None
    if len(parts) - 1 > MAX_DEPTH:
        notes.append(_too_deep("/".join(parts[:-1])))
        return None
    mode = info.external_attr >> 16 if info.create_system == 3 else 0  # 3: made on Unix
    if stat.S_ISLNK(mode):
        raise _Refused(
            f"the zip {zip_name} contains a symbolic link {info.filename}; "
            "zip the files themselves, not links"
        )
    if info.flag_bits & 0x1:
        raise _Refused(f"the zip {zip_name} is password-protected; re-create it without a password")
    return "/".join(parts)


def _zip_reader(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, zip_name: str
) -> Callable[[], Iterator[bytes]]:
    def chunks() -> Iterator[bytes]:
        try:
            with archive.open(info) as handle:
                while chunk := handle.read(_CHUNK):
                    yield chunk
        except _ZIP_ERRORS as exc:
            raise _Refused(_unreadable_zip(zip_name, exc)) from exc

    return chunks


def _unreadable_zip(zip_name: str, exc: Exception) -> str:
    reason = "it ends too early" if isinstance(exc, EOFError) else str(exc) or type(exc).__name__
    return (
        f"{zip_name} is not a readable zip file ({reason}); "
        "re-create it with your OS's 'compress' command"
    )


# -- step 2: choose the root --------------------------------------------------------------


def _choose_root(members: list[_Member], required: list[str], notes: list[str]) -> str:
    """The root: "" for the top level, else the one folder that holds more of the required
    files than the top level and than any other folder."""
    paths = {m.rel for m in members}
    top = sum(name in paths for name in required)
    if top == len(required):
        return ""
    folders = {str(p) for rel in paths for p in PurePosixPath(rel).parents} - {"."}
    held = {f: sum(f"{f}/{name}" in paths for name in required) for f in folders}
    most = max(held.values(), default=0)
    holders = [f for f, count in held.items() if count == most]
    if most <= top or len(holders) != 1:
        return ""
    root = holders[0]
    notes.append(f"used the files inside {root}/")
    outside = sorted(p for p in paths if not p.startswith(f"{root}/"))
    if outside:
        notes.append(f"ignored {len(outside)} file(s) outside {root}/: {_listing(outside)}")
    return root


# -- step 3: copy -------------------------------------------------------------------------


def _copy_all(members: list[_Member], root: str, dest: Path, shown: str) -> dict[str, bytes]:
    """Copy the members under ``root`` into ``dest``; the sha256 of each, by path from root."""
    prefix = f"{root}/" if root else ""
    budget = MAX_TOTAL_BYTES
    digests: dict[str, bytes] = {}
    for member in sorted(members, key=lambda m: m.rel):
        if member.rel.startswith(prefix):
            rel = member.rel.removeprefix(prefix)
            digests[rel], budget = _copy_one(member, dest / rel, budget, shown)
    return digests


def _copy_one(member: _Member, target: Path, budget: int, shown: str) -> tuple[bytes, int]:
    """Copy one member, counting the bytes actually read; (its sha256, the budget left)."""
    digest = hashlib.sha256()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("xb") as out:
            for chunk in member.chunks():
                budget -= len(chunk)
                if budget < 0:
                    raise _Refused(_too_big(shown))
                digest.update(chunk)
                out.write(chunk)
    except OSError as exc:
        if exc.errno in (errno.ENAMETOOLONG, errno.EILSEQ):
            raise _Refused(f"{shown} has a file name the disk cannot hold: {member.rel}") from exc
        raise InstructorError(
            f"cannot write {target} ({exc.strerror or exc}); check the scratch folder's disk space"
        ) from exc
    return digest.digest(), budget


def _require_provided(spec: AssignmentSpec, provided: Mapping[str, Path]) -> None:
    absent = [name for name in spec.submission.provided if name not in provided]
    if absent:
        raise InstructorError(
            f"the spec of {spec.id} provides {_join(absent)}, but load() was not given the "
            "course's copy; pass provided=assignment.provided_files()"
        )


def _place_provided(
    provided: Mapping[str, Path], dest: Path, files: list[str], notes: list[str]
) -> None:
    """Put the course's copy of each provided file beside the code; a student's own copy
    that differs is replaced, with a note."""
    for name, path in provided.items():
        data, target = path.read_bytes(), dest / name
        if target.is_dir():  # a folder of that name: it goes, like a differing copy
            shutil.rmtree(target)
            replaced = True
        else:
            replaced = name in files and target.read_bytes() != data
        if replaced:
            notes.append(
                f"{name} is provided by the course, so your copy was replaced by the course's: "
                f"your code ran with the original {name}; make your changes in your own files"
            )
        target.write_bytes(data)


# -- step 4: check ------------------------------------------------------------------------


def _check(present: list[str], workdir: Path, notes: list[str]) -> str | None:
    """Why the required files handed in cannot be imported, or None."""
    try:
        for name in present:
            if name.endswith(".py"):  # data files (weights, say) are the checks' business
                _check_source(workdir / name, name, notes)
    except _Refused as exc:
        return str(exc)
    return None


def _absent_message(absent: list[str], files: list[str]) -> str:
    """Why a submission holding none of the required files cannot be graded."""
    verb, what = ("is", "a file") if len(absent) == 1 else ("are", "files")
    hints = [hint for name in absent if (hint := _near_miss(name, files))]
    return " ".join(
        [
            f"{_join(absent)} {verb} missing; your submission contains: {_listing(files)}.",
            *hints,
            f"Hand in {what} named {_join(absent)} at the top level.",
        ]
    )


def _absent_note(name: str, files: list[str]) -> str:
    """The note for one required file left out of a submission that is graded without it."""
    hint = _near_miss(name, files)
    return (
        f"{name} was not handed in, so the checks that use it earn no points; the rest of "
        "your work was graded." + (f" {hint}" if hint else "")
    )


def _near_miss(required: str, files: list[str]) -> str | None:
    """A hint when ``required`` was handed in under a slightly wrong name or place."""
    stem = re.escape(required.removesuffix(".py"))
    copy = re.compile(
        rf"(?:copy of )?{stem}(?:[ _-]*(?:\(\d+\)|\d+|copy(?: ?\d+)?))?\.py(?:\.txt)?", re.I
    )
    for path in sorted(files, key=lambda f: (f.count("/"), f)):
        name = PurePosixPath(path).name
        move = "" if "/" not in path else " and move it to the top level"
        if name == required:
            return f"Found '{path}': move it to the top level."
        if copy.fullmatch(name):
            return f"Found '{path}': rename it to {required}{move}."
        if name.lower() == required.removesuffix(".py").lower() + ".ipynb":
            return f"Found '{path}': export it as a Python script named {required}."
    return None


def _check_source(path: Path, name: str, notes: list[str]) -> None:
    """Refuse a required file that is not UTF-8 Python; normalise its BOM and line endings."""
    if path.stat().st_size > MAX_SOURCE_BYTES:
        raise _Refused(
            f"{name} is larger than {_size(MAX_SOURCE_BYTES)}, too large for a source file; "
            "keep data and weights out of your code"
        )
    data = path.read_bytes()
    text = _decode(data, name)
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    changes = ["removed the UTF-8 byte-order mark"] if data.startswith(codecs.BOM_UTF8) else []
    changes += ["converted the line endings to LF"] if normalised != text else []
    if changes:
        path.write_bytes(normalised.encode("utf-8"))
        notes.append(f"{name}: {' and '.join(changes)}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning is not the grader's business
            compile(normalised, name, "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise _Refused(_syntax_message(name, exc)) from exc
    except (ValueError, RecursionError, MemoryError) as exc:
        raise _Refused(f"{name} cannot be compiled ({exc}); simplify it") from exc


def _decode(data: bytes, name: str) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _Refused(f"{name} is saved as UTF-16; save it as UTF-8 in your editor")
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        raise _Refused(
            f"{name} contains a null byte on line {line}, so it is not a text file; "
            "save it again as plain UTF-8 text"
        )
    try:
        return data.removeprefix(codecs.BOM_UTF8).decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.object[exc.start : exc.start + 1].hex()
        line = exc.object[: exc.start].count(b"\n") + 1
        raise _Refused(
            f"{name} is not UTF-8 text (byte 0x{bad} on line {line}); "
            "save it with UTF-8 encoding in your editor"
        ) from exc


def _syntax_message(name: str, exc: SyntaxError) -> str:
    code = (exc.text or "").strip()
    shown = f" ('{code[:80]}')" if code else ""
    module = name.removesuffix(".py")
    return (
        f"{name} line {exc.lineno}: {exc.msg}{shown}; the file must be valid Python 3 — "
        f"run `python -c 'import {module}'` to see the error"
    )


# -- hashing and wording ------------------------------------------------------------------


def _combine(digests: dict[str, bytes], extra_hash: str) -> str:
    outer = hashlib.sha256(_HASH_TAG)
    for rel in sorted(digests):
        outer.update(rel.encode("utf-8", "surrogateescape") + b"\0" + digests[rel])
    outer.update(b"extra\0" + extra_hash.encode("utf-8"))
    return outer.hexdigest()


def _raw_hash(submission: Submission, extra_hash: str) -> str:
    """The hash of a submission that could not be copied: its raw bytes, as far as readable."""
    path = submission.path
    if submission.kind != "directory":
        return _combine({path.name: _digest(path)}, extra_hash)
    digests: dict[str, bytes] = {}
    for here, dirs, names in os.walk(path):
        if len(Path(here).relative_to(path).parts) >= MAX_DEPTH:
            dirs[:] = []  # as deep as the copy goes: os.walk recurses once per level
        for name in names:
            file = Path(here, name)
            if file.is_file() and not file.is_symlink():
                digests[file.relative_to(path).as_posix()] = _digest(file)
        if len(digests) > MAX_FILES:
            break  # a re-run still recognises the submission by its first files
    return _combine(digests, extra_hash)


def _digest(path: Path) -> bytes:
    digest = hashlib.sha256()
    if not path.is_file():  # a FIFO would block forever
        return digest.digest()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError as exc:
        digest.update(f"unreadable: {exc.strerror}".encode())
    return digest.digest()


def _size(n: int) -> str:
    return f"{n // 2**20} MB" if n >= 2**20 else f"{n // 2**10} KB"


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _listing(files: list[str], most: int = 10) -> str:
    if not files:
        return "nothing"
    more = f" and {len(files) - most} more" if len(files) > most else ""
    return ", ".join(files[:most]) + more
