"""``grader check``: the public checks, run on a student's own files, on the student's machine.

The bundle (``.grader/``, see :mod:`grader.selfcheck.bundle`) becomes a course-like folder in
a temporary directory; the student's folder is loaded as one submission with
:func:`grader.load.load` (``.py`` files or a notebook, as at hand-in) and the public checks run
in the sandboxed worker exactly as ``grader grade`` runs them, at the public seed, with the
reference's recorded answers standing in for the reference.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from grader.course import Assignment, find_course, load_assignment
from grader.errors import InstructorError
from grader.lane import output_tail, scored
from grader.load import load
from grader.models import SubmissionResult
from grader.run import check_session, resolve_device
from grader.selfcheck.bundle import (
    BUNDLE_DIR,
    MANIFEST,
    PUBLIC_SEED,
    read_bundle,
    recordings,
    write_course,
)
from grader.selfcheck.coverage import recorded_functions, uncovered, written_by_student
from grader.selfcheck.fresh import forget_check_modules
from grader.selfcheck.recording import Replayer

__all__ = [
    "SelfCheckReport",
    "find_bundle",
    "grade_folder",
    "self_check",
    "checked_files",
    "full_check",
]

STUDENT = "self-check"


class SelfCheckReport(BaseModel):
    """What ``grader check`` found: the result, and what exactly was checked."""

    model_config = ConfigDict(extra="forbid")

    assignment: str
    folder: Path
    mode: str  # "public checks" or "all checks"
    result: SubmissionResult
    checked: str  # "nn.py" or "the saved notebook hw.ipynb, saved 2 minutes ago"
    pass_percent: float = 0.0  # the spec's [ci] threshold
    bundle: Path | None = None
    uncovered: list[str] = []  # "nn.sgd_step": the student's functions no public check used


def find_bundle(folder: Path, assignment_id: str | None, bundle: Path | None = None) -> Path:
    """The public bundle: ``bundle``, else ``.grader/`` in ``folder`` or a parent, else
    ``student_template/<id>/.grader`` of the course found from the current folder."""
    if bundle is not None:
        found = bundle / BUNDLE_DIR if (bundle / BUNDLE_DIR / MANIFEST).is_file() else bundle
        if not (found / MANIFEST).is_file():
            raise InstructorError(
                f"--bundle {bundle}: no {MANIFEST} there; pass the .grader folder that "
                "`grader release` writes next to the student template"
            )
        return found
    for parent in (folder, *folder.parents):
        if (parent / BUNDLE_DIR / MANIFEST).is_file():
            return parent / BUNDLE_DIR
    where = f"no {BUNDLE_DIR}/ folder with the public checks in {folder} or above"
    if assignment_id is None:
        raise InstructorError(
            f"{where}; run from your assignment's folder, or pass --assignment ID from a course "
            "folder, or --bundle DIR"
        )
    try:
        course = find_course()
    except InstructorError:
        raise InstructorError(
            f"{where}, and no course folder here either; pass --bundle DIR"
        ) from None
    candidate = course / "student_template" / assignment_id / BUNDLE_DIR
    if not (candidate / MANIFEST).is_file():
        raise InstructorError(
            f"{where}, and {candidate} does not exist; run `grader release --assignment "
            f"{assignment_id}` in the course, or pass --bundle DIR"
        )
    return candidate


def self_check(
    path: Path = Path("."),
    assignment_id: str | None = None,
    *,
    bundle: Path | None = None,
    sandbox: bool = True,
) -> SelfCheckReport:
    """Run the bundle's public checks on the student's folder (or the folder of a file)."""
    folder = _folder(path)
    found = find_bundle(folder, assignment_id, bundle)
    files = read_bundle(found)
    bundled = str(json.loads(files[MANIFEST])["assignment"])
    if assignment_id is not None and assignment_id != bundled:
        raise InstructorError(
            f"{found} holds the public checks of {bundled!r}, not {assignment_id!r}; pass "
            "--bundle DIR for the right one, or leave out --assignment"
        )
    with tempfile.TemporaryDirectory(prefix="grader-check-") as scratch:
        assignment = write_course(Path(scratch) / "course", files)
        replayer = Replayer(assignment.spec.submission.modules, recordings(files))
        graded = _notebook_alone(path, Path(scratch) / "notebook")
        result, defined = _graded(
            assignment,
            graded or folder,
            seed=PUBLIC_SEED,
            sandbox=sandbox,
            reference_for=replayer.for_check,
        )
        checked = checked_files(graded or folder, assignment, result.notebook)
    digests = json.loads(files[MANIFEST]).get("written", [])
    functions = written_by_student(bundled, defined, digests)
    return SelfCheckReport(
        assignment=bundled,
        folder=folder,
        mode="public checks",
        result=result,
        checked=checked,
        pass_percent=assignment.spec.ci.pass_percent,
        bundle=found,
        uncovered=(
            uncovered(functions, result.checks, recorded_functions(recordings(files)))
            if result.gradable
            else []
        ),
    )


def full_check(
    path: Path, course: Path, assignment_id: str, *, seed: int | None = None, sandbox: bool = True
) -> SelfCheckReport:
    """Every check of a full course folder (the instructor's private bundle) on one folder."""
    from grader.datasets import require

    folder = _folder(path)
    assignment = load_assignment(course, assignment_id)
    require(assignment.spec.data.needs, assignment.data_roots())
    result = grade_folder(
        assignment, folder, seed=secrets.randbits(31) if seed is None else seed, sandbox=sandbox
    )
    return SelfCheckReport(
        assignment=assignment_id,
        folder=folder,
        mode="all checks",
        result=result,
        checked=checked_files(folder, assignment, result.notebook),
        pass_percent=assignment.spec.ci.pass_percent,
    )


def grade_folder(
    assignment: Assignment,
    folder: Path,
    *,
    seed: int,
    sandbox: bool = True,
    reference_for: Callable[[str], Any] | None = None,
) -> SubmissionResult:
    """Load ``folder`` as one submission and run ``assignment``'s checks on it."""
    return _graded(assignment, folder, seed=seed, sandbox=sandbox, reference_for=reference_for)[0]


def _graded(
    assignment: Assignment,
    folder: Path,
    *,
    seed: int,
    sandbox: bool = True,
    reference_for: Callable[[str], Any] | None = None,
) -> tuple[SubmissionResult, list[str]]:
    """:func:`grade_folder`'s result, and the top-level names the submission defines
    (``nn.softmax``), in its order."""
    from grader.models import Submission

    started = time.monotonic()
    device = resolve_device(assignment.spec.device.policy)
    with tempfile.TemporaryDirectory(prefix="grader-scratch-") as scratch:
        submission = Submission(student=STUDENT, path=folder, kind="directory")
        loaded = load(
            submission, assignment.spec, Path(scratch), provided=assignment.provided_files()
        )
        defined = list(loaded.locations)
        if loaded.workdir is None or not loaded.gradable:
            return scored(assignment, loaded, None, seed=seed, started=started), defined
        output = Path(scratch) / f"{STUDENT}.stdout"
        forget_check_modules()
        with check_session(
            assignment, seed=seed, device=device, reference_for=reference_for
        ) as checks:
            run = checks.run_checks(loaded, output_path=output, sandbox=sandbox)
        tail = output_tail(output)
        result = scored(assignment, loaded, run, seed=seed, started=started, stdout_tail=tail)
        return result, defined


def _notebook_alone(path: Path, scratch: Path) -> Path | None:
    """A folder holding only the notebook ``path`` names, so that it is what gets checked even
    beside ``.py`` files (the template folder has both); None when ``path`` is no notebook."""
    if not (path.is_file() and path.suffix.lower() == ".ipynb"):
        return None
    scratch.mkdir(parents=True)
    shutil.copy2(path, scratch / path.name)
    return scratch


def _folder(path: Path) -> Path:
    resolved = path.resolve()
    if resolved.is_file():
        return resolved.parent
    if not resolved.is_dir():
        raise InstructorError(
            f"{path} does not exist; pass your assignment's folder (the one with your .py "
            "files or notebook), or run from it"
        )
    return resolved


def checked_files(folder: Path, assignment: Assignment, notebook: str | None = None) -> str:
    """Which files were checked, in words: the ``.py`` files, or the saved notebook and its age.
    ``notebook`` is the one the load stage graded (``SubmissionResult.notebook``), when known."""
    if notebook is not None and (folder / notebook).is_file():
        return f"the saved notebook {notebook}, saved {_ago((folder / notebook).stat().st_mtime)}"
    files = assignment.spec.submission.files
    modules = [f for f in files if f.endswith(".py")]
    if all((folder / f).is_file() for f in modules):
        return ", ".join(modules)
    notebooks = sorted(
        (p for p in folder.glob("*.ipynb") if p.is_file()), key=lambda p: p.stat().st_mtime
    )
    if not notebooks:
        return ", ".join(f for f in modules if (folder / f).is_file()) or "no .py file or notebook"
    latest = notebooks[-1]
    return f"the saved notebook {latest.name}, saved {_ago(latest.stat().st_mtime)}"


def _ago(mtime: float) -> str:
    seconds = max(0, int(time.time() - mtime))
    if seconds < 60:
        return f"{seconds} second{'s' * (seconds != 1)} ago"
    if seconds < 3600:
        minutes = seconds // 60
        return f"{minutes} minute{'s' * (minutes != 1)} ago"
    hours = seconds // 3600
    if hours < 48:
        return f"{hours} hour{'s' * (hours != 1)} ago"
    return f"{hours // 24} days ago"
