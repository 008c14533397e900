"""``grader export gradescope``: the autograder zip Gradescope builds its grading image from.

The zip (https://gradescope-autograders.readthedocs.io/en/latest/specs/) holds, at its root:

* ``setup.sh``: run once, as root, when Gradescope builds the image; it installs Python 3.11+
  and the grader, with the extras the assignment needs (:func:`grader.needs.extras_for`), into
  ``/autograder/venv``;
* ``run_autograder``: run once per submission; it hands ``/autograder/submission`` to
  ``grader grade`` with every check and writes ``/autograder/results/results.json``
  (:mod:`grader.export.autograder`);
* ``course/``: what grading needs of the course, and nothing else: ``assignments/<id>/``
  (spec, public and hidden checks, helpers, provided files; no mutants or alternatives),
  ``reference/<id>/`` and the spec's ``[data] roots`` inside the course. Never
  ``student_template/``, ``.git`` or results. The image is the instructor's, so the hidden
  material may be in it; the sandbox keeps the submission from it (docs/gradescope.md);
* ``grader-src/``, when no ``--grader-source`` is given: this grader's own source, so the
  image grades with exactly the version the instructor tested.

The zip is written atomically: an interrupted export leaves no half-written file.
"""

from __future__ import annotations

import os
import shlex
import zipfile
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict

import grader
from grader.course import Assignment
from grader.errors import InstructorError
from grader.needs import TORCH_CPU_INDEX, extras_for

__all__ = [
    "GradescopeZip",
    "course_files",
    "export_gradescope",
    "grader_requirement",
]

SKIPPED_FOLDERS = frozenset(
    {".git", "__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".mypy_cache"}
)
SKIPPED_FILES = frozenset({".DS_Store", "Thumbs.db", ".heldout-key"})
SKIPPED_TOP = ("alternatives", "mutants")  # `grader validate`'s material, not grading's
EXECUTABLE = 0o755


class GradescopeZip(BaseModel):
    """What :func:`export_gradescope` wrote."""

    model_config = ConfigDict(extra="forbid")

    path: Path
    assignment: str
    requirement: str
    """What ``setup.sh`` pip-installs: the grader with its extras."""
    extras: list[str]
    index_options: list[str]
    """pip's index options in ``setup.sh`` (torch's CPU index for torch assignments)."""
    files: list[str]
    """Every name in the zip, in order."""
    size_bytes: int


def grader_requirement(source: str | None, extras: list[str], *, bundled: str) -> str:
    """The pip requirement for the grader with ``extras``: ``source`` (a requirement naming
    dl-grader) with the extras added, or the ``bundled`` source folder's path."""
    suffix = f"[{','.join(extras)}]" if extras else ""
    if source is None:
        return f"{bundled}{suffix}"
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        requirement = Requirement(source)
    except InvalidRequirement as exc:
        raise InstructorError(
            "--grader-source must be a pip requirement naming the grader, like "
            "'dl-grader @ git+https://github.com/my-course/dl-grader@v0.1.0' or "
            f"'dl-grader==0.1.0', given: {source!r} ({exc})"
        ) from exc
    requirement.extras |= set(extras)
    return str(requirement)


def course_files(material: Assignment) -> list[tuple[Path, str]]:
    """(file, name in the zip) for every course file grading needs, under ``course/``."""
    roots = [material.dir, material.reference_dir, *_data_roots(material)]
    found: list[tuple[Path, str]] = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(material.course)
            if path.is_file() and not path.is_symlink() and _shipped(path.relative_to(root)):
                found.append((path, f"course/{rel.as_posix()}"))
    return found


def export_gradescope(material: Assignment, out: Path, *, source: str | None) -> GradescopeZip:
    """Write the autograder zip for ``material`` to ``out``; ``source`` is what ``setup.sh``
    pip-installs (default: the grader's own source, bundled as ``grader-src/``)."""
    extras = extras_for(material)
    bundle = _grader_source_files() if source is None else []
    requirement = grader_requirement(source, extras, bundled="$SOURCE/grader-src")
    index = ["--extra-index-url", TORCH_CPU_INDEX] if "torch" in extras else []
    scripts = {
        "setup.sh": _template("setup.sh", material.id, requirement, index),
        "run_autograder": _template("run_autograder", material.id, requirement, index),
    }
    files = [*course_files(material), *bundle]
    _write_zip(out, scripts, files)
    return GradescopeZip(
        path=out,
        assignment=material.id,
        requirement=requirement,
        extras=extras,
        index_options=index,
        files=[*scripts, *(name for _, name in files)],
        size_bytes=out.stat().st_size,
    )


def _template(name: str, assignment: str, requirement: str, index: list[str]) -> str:
    text = resources.files("grader.export").joinpath(f"templates/{name}").read_text("utf-8")
    # "$SOURCE/..." must expand in setup.sh: double quotes; anything else is quoted whole
    quoted = f'"{requirement}"' if requirement.startswith("$SOURCE/") else shlex.quote(requirement)
    return (
        text.replace("{{assignment}}", shlex.quote(assignment))
        .replace("{{requirement}}", quoted)
        .replace("{{index_options}}", " ".join(shlex.quote(option) for option in index))
    )


def _write_zip(out: Path, scripts: dict[str, str], files: list[tuple[Path, str]]) -> None:
    """The zip at ``out``, written beside it first and then renamed into place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in scripts.items():
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                info.external_attr = (0o100000 | EXECUTABLE) << 16  # a regular file, rwxr-xr-x
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, text)
            for path, name in files:
                archive.write(path, name)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def _shipped(rel: Path) -> bool:
    """Whether a file at ``rel`` (inside an assignment's, reference's or data folder) goes in."""
    parts = rel.parts
    if parts and parts[0] in SKIPPED_TOP:
        return False
    if any(part in SKIPPED_FOLDERS for part in parts[:-1]):
        return False
    return rel.name not in SKIPPED_FILES and not rel.name.endswith(".pyc")


def _data_roots(material: Assignment) -> list[Path]:
    """The spec's ``[data] roots``, each of which must be inside the course to be shipped."""
    roots = []
    for name, root in material.data_roots().items():
        if material.course.resolve() not in root.parents:
            raise InstructorError(
                f"[data] roots gives {name} = {root}, outside the course {material.course}; "
                "the autograder zip holds only the course: move the data under the course "
                "folder and give its path relative to it"
            )
        roots.append(root)
    return roots


def _grader_source_files() -> list[tuple[Path, str]]:
    """This grader's source (``pyproject.toml``, ``README.md``, ``grader/``) under
    ``grader-src/``, or an error when it is installed without its source."""
    package = Path(grader.__file__).resolve().parent
    project = package.parent
    meta = [project / "pyproject.toml", project / "README.md"]
    if not all(path.is_file() for path in meta):
        raise InstructorError(
            f"the grader at {package} is installed without its source (no {meta[0]}), so it "
            "cannot be bundled; pass --grader-source, e.g. "
            "'dl-grader @ git+https://github.com/my-course/dl-grader@v0.1.0'"
        )
    files = [(path, f"grader-src/{path.name}") for path in meta]
    for path in sorted(package.rglob("*")):
        rel = path.relative_to(project)
        if path.is_file() and _shipped(path.relative_to(package)):
            files.append((path, f"grader-src/{rel.as_posix()}"))
    return files
