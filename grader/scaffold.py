"""``grader new``: a new assignment that validates at once, for the author to grow.

It writes the spec (one part, one check, the default limits), one public check, an empty
hidden folder, one mutant the check catches, one alternative, and per submitted file a
reference module with one sample function between solution markers; then releases the
student template. The files come from ``grader/scaffold_templates/`` (``string.Template``
text, ``$name`` placeholders), so what an author gets is readable as it is.
"""

from __future__ import annotations

import keyword
import re
from importlib import resources
from pathlib import Path
from string import Template

from grader.errors import InstructorError

__all__ = ["SAMPLE_FUNCTION", "new_assignment"]

SAMPLE_FUNCTION = "scale"
"""The sample function each reference module starts with."""

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def new_assignment(
    course: Path, assignment_id: str, files: list[str], title: str = ""
) -> list[Path]:
    """Scaffold ``assignment_id`` in ``course`` (made if missing) with ``files`` as the
    submitted modules, release its template, and return the files written. Refuses a bad id
    or file name, and an assignment whose folders already exist, naming them and the fix."""
    _check_id(assignment_id)
    _check_files(files)
    _refuse_existing(course, assignment_id)
    written = [
        _write(course / rel, text) for rel, text in _files(assignment_id, files, title).items()
    ]
    (course / "assignments" / assignment_id / "checks" / "hidden").mkdir(exist_ok=True)

    from grader.course import load_assignment
    from grader.release import release

    return written + release(load_assignment(course, assignment_id))


def _check_id(assignment_id: str) -> None:
    if not _ID.fullmatch(assignment_id):
        raise InstructorError(
            f"{assignment_id!r} is not an assignment id: use lower_snake_case, a letter first "
            "(letters, digits and _), e.g. conv_numpy"
        )


def _check_files(files: list[str]) -> None:
    if not files:
        raise InstructorError("give at least one file the students write: --files conv.py")
    for file in files:
        stem = file.removesuffix(".py")
        if not file.endswith(".py") or not stem.isidentifier() or keyword.iskeyword(stem):
            raise InstructorError(
                f"{file!r} is not a submitted file name: give a plain file name ending in .py "
                "whose stem is a Python module name (no folder, no '-'), e.g. conv.py"
            )
    if len(set(files)) != len(files):
        raise InstructorError(f"--files names a file twice: {', '.join(files)}")


def _refuse_existing(course: Path, assignment_id: str) -> None:
    folders = [
        course / top / assignment_id for top in ("assignments", "reference", "student_template")
    ]
    existing = [str(f) for f in folders if f.exists()]
    if existing:
        raise InstructorError(
            f"assignment {assignment_id!r} already exists: {', '.join(existing)}; choose another "
            f"id, or remove {' and '.join(existing)} to start it again"
        )


def _files(assignment_id: str, files: list[str], title: str) -> dict[str, str]:
    """Course-relative path -> text, for every file of the new assignment."""
    first = files[0].removesuffix(".py")
    values = {
        "id": assignment_id,
        "title": title or assignment_id.replace("_", " ").capitalize(),
        "files": ", ".join(f'"{f}"' for f in files),
        "file": files[0],
        "module": first,
        "sample_function": SAMPLE_FUNCTION,
        "check": f"test_{SAMPLE_FUNCTION}_multiplies",
    }
    top = f"assignments/{assignment_id}"
    out = {
        f"{top}/assignment.toml": _render("assignment.toml.tmpl", values),
        f"{top}/checks/public/test_{first}.py": _render("check_public.py.tmpl", values),
        f"{top}/checks/hidden/README.md": _render("hidden_README.md.tmpl", values),
        f"{top}/mutants/mutants.toml": _render("mutants.toml.tmpl", values),
    }
    for file in files:
        each = {**values, "module": file.removesuffix(".py")}
        out[f"reference/{assignment_id}/{file}"] = _render("reference.py.tmpl", each)
        out[f"{top}/alternatives/sample/{file}"] = _render("alternative.py.tmpl", each)
    return out


def _render(name: str, values: dict[str, str]) -> str:
    text = resources.files("grader").joinpath(f"scaffold_templates/{name}").read_text("utf-8")
    return Template(text).substitute(values)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
