"""A course folder and the material of one assignment in it.

A course is a folder holding ``assignments/<id>/`` (spec, checks, mutants, alternatives,
provided files), ``reference/<id>/`` (the solutions, between markers) and
``student_template/<id>/`` (generated). Every mistake here is the instructor's and fails fast, naming the file, the rule and the fix.
"""

from __future__ import annotations

import ast
import hashlib
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict

import grader
from grader.errors import InstructorError, MaterialError, UnknownAssignmentError
from grader.models import Visibility
from grader.spec import AssignmentSpec, load_spec
from grader.suggest import did_you_mean

__all__ = ["Assignment", "available", "find_course", "load_assignment"]


class Assignment(BaseModel):
    """Everything the grader needs to know about one assignment's material."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    course: Path
    spec: AssignmentSpec
    checks: dict[str, Visibility]

    @property
    def dir(self) -> Path:
        return self.course / "assignments" / self.id

    @property
    def reference_dir(self) -> Path:
        return self.course / "reference" / self.id

    @property
    def master_notebook(self) -> Path | None:
        """``reference/<id>/<id>.ipynb``, the master notebook the reference module and the
        template are generated from (:mod:`grader.notebook.master`), when there is one."""
        path = self.reference_dir / f"{self.id}.ipynb"
        return path if path.is_file() else None

    @property
    def template_dir(self) -> Path:
        return self.course / "student_template" / self.id

    @property
    def mutants_file(self) -> Path:
        return self.dir / "mutants" / "mutants.toml"

    @property
    def alternatives_dir(self) -> Path:
        """Correct submissions written differently; ``grader validate`` grades each."""
        return self.dir / "alternatives"

    @property
    def provided_dir(self) -> Path:
        """Course files placed beside every submission (``[submission] provided``)."""
        return self.dir / "provided"

    def provided_files(self) -> dict[str, Path]:
        """Name -> path of every course-provided file, in the spec's order."""
        return {name: self.provided_dir / name for name in self.spec.submission.provided}

    def checks_dir(self, visibility: Visibility) -> Path:
        return self.dir / "checks" / visibility

    @property
    def helpers_dir(self) -> Path:
        """Modules the checks share (``from helpers.<module> import ...``; see
        :mod:`grader.checks.helpers`)."""
        return self.dir / "checks" / "helpers"

    def helper_files(self) -> list[Path]:
        return sorted(self.helpers_dir.glob("*.py"))

    def check_files(self) -> list[Path]:
        return [
            p for v in ("public", "hidden") for p in sorted(self.checks_dir(v).glob("test_*.py"))
        ]

    def data_roots(self) -> dict[str, Path]:
        """The spec's ``[data] roots``, relative paths taken from the course folder."""
        return {
            name: (self.course / folder).resolve() for name, folder in self.spec.data.roots.items()
        }

    def material_hash(self) -> str:
        """Hash of everything that decides a grade besides the submission itself."""
        digest = hashlib.sha256(f"grader {grader.__version__}\n".encode())
        files = [
            self.dir / "assignment.toml",
            *self.check_files(),
            *self.helper_files(),
            *sorted(self.reference_dir.rglob("*.py")),
            *self.provided_files().values(),
        ]
        for path in files:
            digest.update(
                str(path.relative_to(self.course)).encode() + b"\0" + path.read_bytes() + b"\0"
            )
        return digest.hexdigest()


def find_course(start: Path | None = None) -> Path:
    """The course folder: ``$GRADER_COURSE``, else the nearest folder up from ``start`` with assignments/."""
    if env := os.environ.get("GRADER_COURSE"):
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "assignments").is_dir():
            return folder
    raise InstructorError(
        f"no course folder found from {here}: expected a folder with assignments/ in it here or above; "
        "run from the course folder, or pass --course DIR (or set GRADER_COURSE)"
    )


def available(course: Path) -> list[str]:
    root = course / "assignments"
    return (
        sorted(p.name for p in root.iterdir() if (p / "assignment.toml").is_file())
        if root.is_dir()
        else []
    )


def load_assignment(course: Path, assignment_id: str) -> Assignment:
    """Validate and load one assignment's material, or fail fast with the fix."""
    spec_path = course / "assignments" / assignment_id / "assignment.toml"
    if not spec_path.is_file():
        names = ", ".join(available(course)) or "none"
        raise UnknownAssignmentError(
            f"unknown assignment {assignment_id!r}: {spec_path} does not exist; assignments in {course}: {names}"
        )
    spec = load_spec(spec_path)
    _require_reference(course, spec)
    _require_provided(course, spec, spec_path)
    checks = _collect_checks(course / "assignments" / assignment_id / "checks")
    _match_spec(spec, checks, spec_path)
    return Assignment(id=assignment_id, course=course, spec=spec, checks=checks)


def _require_reference(course: Path, spec: AssignmentSpec) -> None:
    ref = course / "reference" / spec.id
    generated = (ref / f"{spec.id}.ipynb").is_file()  # `grader release` writes the .py files
    missing = [
        f
        for f in spec.submission.files
        if not (ref / f).is_file() and not (generated and f.endswith(".py"))
    ]
    if missing:
        there = _file_names(ref)
        raise MaterialError(
            f"{ref}: the reference solution is missing "
            f"{', '.join(f + did_you_mean(f, there) for f in missing)}; every file in "
            "[submission].files needs a reference with its solutions between # BEGIN/END SOLUTION"
        )


def _require_provided(course: Path, spec: AssignmentSpec, spec_path: Path) -> None:
    folder = course / "assignments" / spec.id / "provided"
    missing = [name for name in spec.submission.provided if not (folder / name).is_file()]
    if missing:
        there = _file_names(folder)
        raise MaterialError(
            f"{spec_path}: [submission] provided lists "
            f"{', '.join(n + did_you_mean(n, there) for n in missing)}, but "
            f"{', '.join(str(folder / n) for n in missing)} does not exist; put the course's "
            "copy there or remove the name from provided"
        )


def _file_names(folder: Path) -> list[str]:
    """The names of the files in ``folder`` ([] when there is no such folder)."""
    return [p.name for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []


def _collect_checks(checks_root: Path) -> dict[str, Visibility]:
    found: dict[str, Visibility] = {}
    where: dict[str, Path] = {}
    for visibility in ("public", "hidden"):
        for path in sorted((checks_root / visibility).glob("test_*.py")):
            for name in _test_names(path):
                if name in found:
                    raise MaterialError(
                        f"{path}: check {name} is also defined in {where[name]}; check names must be "
                        "unique across public and hidden checks"
                    )
                found[name], where[name] = visibility, path
    if not found:
        raise MaterialError(
            f"{checks_root}: no checks found; put test_*.py files in public/ and hidden/"
        )
    return found


def _test_names(path: Path) -> list[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as exc:
        raise MaterialError(
            f"{path}:{exc.lineno}: the check file is not valid Python ({exc.msg})"
        ) from exc
    return [
        n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")
    ]


def _match_spec(spec: AssignmentSpec, checks: dict[str, Visibility], spec_path: Path) -> None:
    listed = set(spec.check_names())
    unlisted = sorted(set(checks) - listed)
    ghosts = sorted(listed - set(checks))
    if ghosts:  # first: a misspelt name in the spec also leaves the real check unlisted
        named = ", ".join(g + did_you_mean(g, unlisted) for g in ghosts)
        raise MaterialError(
            f"{spec_path}: the spec lists checks that no test file defines: {named}; "
            "fix the names or remove them"
        )
    if unlisted:
        raise MaterialError(
            f"{spec_path}: checks with no points: {', '.join(unlisted)}; add each to a part's checks table"
        )
