"""The public bundle: what a student's machine needs to run the public checks, and no more.

``grader release`` writes it to ``student_template/<id>/.grader/``:

``assignment.toml``
    The public spec: only the public checks' parts and points; ``[params]`` only the keys the
    public checks read; ``[[forbidden]]`` only the patterns that match a public check; no
    dataset roots (they are the instructor's paths); no ``[[manual]]`` questions (their
    rubrics' comments hold the answers). Hidden check names never appear.
``checks/public/test_*.py``
    Copies of the public checks.
``checks/helpers/*.py``
    The helper modules the public checks import (:func:`grader.checks.helpers.helpers_used`);
    a helper module only hidden checks import is never shipped.
``provided/<file>``
    The course-provided files (``[submission] provided``), placed beside the student's code
    when ``grader check`` runs, as at grading.
``recordings/<check>.rec``
    The reference's answers to each public check's calls, at :data:`PUBLIC_SEED` (see
    :mod:`grader.selfcheck.recording`). Only public checks run while recording, so no hidden
    input is ever in one.
``bundle.json``
    The assignment id, the seed and the list of files.

:func:`write_course` turns a bundle back into a course-like folder that the ordinary run
stage can load, with placeholders where the reference would be.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import tempfile
from pathlib import Path
from typing import Any

from grader.checks.helpers import helpers_used
from grader.course import Assignment, load_assignment
from grader.errors import MaterialError
from grader.load import load
from grader.markers import solution_text
from grader.models import Submission
from grader.run import check_session, import_reference
from grader.selfcheck.coverage import name_digests, written_functions
from grader.selfcheck.fresh import forget_check_modules
from grader.selfcheck.recording import Recorder, recordings_close
from grader.selfcheck.toml import toml_text
from grader.spec import AssignmentSpec

__all__ = [
    "BUNDLE_DIR",
    "PUBLIC_SEED",
    "bundle_files",
    "public_spec",
    "read_bundle",
    "stale_bundle",
    "write_bundle",
    "write_course",
]

BUNDLE_DIR = ".grader"
PUBLIC_SEED = 2024
"""The seed of every public check's inputs, when recording and when a student checks."""
MANIFEST = "bundle.json"
_PLACEHOLDER = (
    "# The reference is not on this machine: public checks replay its recorded answers.\n"
)


# -- the public spec ---------------------------------------------------------------------------


def public_spec(assignment: Assignment, *, keep_roots: bool = False) -> dict[str, Any]:
    """The spec as plain data, cut down to what the public checks need (see the module doc)."""
    public = {n for n, v in assignment.checks.items() if v == "public"}
    data = assignment.spec.model_dump(mode="json", exclude_none=True)
    data["parts"] = [
        {**part, "checks": {n: _points(c) for n, c in part["checks"].items() if n in public}}
        for part in data["parts"]
        if any(n in public for n in part["checks"])
    ]
    forbidden = []
    for entry in data["forbidden"]:
        patterns = [p for p in entry["checks"] if any(fnmatch.fnmatchcase(n, p) for n in public)]
        if patterns:
            forbidden.append({**entry, "checks": patterns})
    data["forbidden"] = forbidden
    keys = _params_used(assignment.checks_dir("public"))
    if keys is not None:
        data["params"] = {k: v for k, v in data["params"].items() if k in keys}
    if not keep_roots:
        data["data"]["roots"] = {}
    if not data["submission"]["provided"]:
        del data["submission"]["provided"]  # the usual case: as short as before there were any
    # the questions graded by hand: their rubric's comments hold the answers, and no check
    # grades them (the handout asks them)
    del data["manual"]
    return data


def _points(check: dict[str, Any]) -> Any:
    """``{points = 2.0}`` as the shorthand ``2``; a check with its own seconds stays a table."""
    points = check["points"]
    short = int(points) if float(points).is_integer() else points
    return short if set(check) == {"points"} else {**check, "points": short}


def _checks_taking(fixture: str, folder: Path) -> set[str]:
    """Names of the checks in ``folder`` that take ``fixture`` as an argument."""
    names: set[str] = set()
    for path in sorted(folder.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and fixture in {a.arg for a in node.args.args}:
                names.add(node.name)
    return names


def _params_used(folder: Path) -> set[str] | None:
    """The ``[params]`` keys the checks in ``folder`` read as ``params["key"]``; None when a
    check uses the fixture in any other way (then every key is kept)."""
    keys: set[str] = set()
    for path in sorted(folder.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef) or "params" not in {
                a.arg for a in func.args.args
            }:
                continue
            parents = {
                id(child): node for node in ast.walk(func) for child in ast.iter_child_nodes(node)
            }
            for node in ast.walk(func):
                if not (isinstance(node, ast.Name) and node.id == "params"):
                    continue
                parent = parents.get(id(node))
                if (
                    isinstance(parent, ast.Subscript)
                    and isinstance(parent.slice, ast.Constant)
                    and isinstance(parent.slice.value, str)
                ):
                    keys.add(parent.slice.value)
                    continue
                return None
    return keys


# -- recording -------------------------------------------------------------------------------


def record(assignment: Assignment) -> dict[str, bytes]:
    """``<check>.rec`` files: the public checks that take the ``reference`` fixture, run on
    the reference at :data:`PUBLIC_SEED` (the others need no recording and do not run)."""
    using = _checks_taking("reference", assignment.checks_dir("public"))
    data = public_spec(assignment, keep_roots=True)
    data["parts"] = [
        {**part, "checks": {n: c for n, c in part["checks"].items() if n in using}}
        for part in data["parts"]
        if any(n in using for n in part["checks"])
    ]
    if not data["parts"]:
        return {}
    spec = AssignmentSpec.model_validate(data)
    public = assignment.model_copy(
        update={"spec": spec, "checks": {n: v for n, v in assignment.checks.items() if n in using}}
    )
    recorder = Recorder(import_reference(assignment))
    with tempfile.TemporaryDirectory(prefix="grader-record-") as scratch:
        folder = Path(scratch) / "reference"
        folder.mkdir()
        for name in spec.submission.files:
            path = assignment.reference_dir / name
            (folder / name).write_text(solution_text(path.read_text("utf-8"), str(path)), "utf-8")
        sub = Submission(student="reference", path=folder, kind="directory")
        loaded = load(sub, spec, Path(scratch) / "scratch", provided=assignment.provided_files())
        if loaded.workdir is None or not loaded.gradable:
            raise MaterialError(
                f"{assignment.reference_dir}: cannot be loaded: {loaded.not_gradable}"
            )
        forget_check_modules()
        with check_session(public, seed=PUBLIC_SEED, reference_for=recorder.for_check) as checks:
            run = checks.run_checks(loaded, output_path=Path(scratch) / "reference.stdout")
    failed = [o for o in run.outcomes if o.status != "passed"]
    if failed:
        listing = "; ".join(f"{o.name} ({o.status}: {o.message})" for o in failed)
        raise MaterialError(
            f"{assignment.checks_dir('public')}: the reference does not pass every public check "
            f"at the public seed {PUBLIC_SEED}: {listing}; fix the check or the reference, then "
            f"run `grader release --assignment {assignment.id}`"
        )
    return recorder.files()


# -- the bundle's files ----------------------------------------------------------------------


def bundle_files(assignment: Assignment) -> dict[str, bytes]:
    """Path relative to ``.grader/`` -> bytes, for every file of the public bundle."""
    files: dict[str, bytes] = {"assignment.toml": _spec_text(assignment).encode("utf-8")}
    public = sorted(assignment.checks_dir("public").glob("test_*.py"))
    for path in public:
        files[f"checks/public/{path.name}"] = path.read_bytes()
    for path in helpers_used(assignment, public):
        files[f"checks/helpers/{path.name}"] = path.read_bytes()
    for name, path in assignment.provided_files().items():
        files[f"provided/{name}"] = path.read_bytes()
    for name, data in record(assignment).items():
        files[f"recordings/{name}"] = data
    manifest = {
        "about": "Generated by `grader release`; read by `grader check`. Do not edit.",
        "assignment": assignment.id,
        "seed": PUBLIC_SEED,
        "files": sorted(files),
        # the template's functions, as digests: grader check names those no public check covers
        "written": name_digests(assignment.id, written_functions(assignment)),
    }
    files[MANIFEST] = (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
    return files


def _spec_text(assignment: Assignment) -> str:
    header = (
        f"# The public part of assignments/{assignment.id}/assignment.toml, written by\n"
        "# `grader release` for `grader check`. Hidden checks are graded when you hand in.\n"
    )
    return header + toml_text(public_spec(assignment))


def _on_disk(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*")) if p.is_file()}


def write_bundle(assignment: Assignment, files: dict[str, bytes] | None = None) -> list[Path]:
    """Write the bundle into the template (removing files it no longer has)."""
    from grader import atomic

    wanted = bundle_files(assignment) if files is None else files
    folder = assignment.template_dir / BUNDLE_DIR
    for rel, path in _on_disk(folder).items():
        if rel not in wanted:
            path.unlink()
    written = []
    for rel, data in wanted.items():
        atomic.write_bytes(folder / rel, data)
        written.append(folder / rel)
    return written


def stale_bundle(assignment: Assignment) -> list[str]:
    """Bundle files (as ``.grader/<path>``) that are missing, extra or differ from a fresh
    release: recordings compared with a tolerance (floats may differ in the last bits on
    another machine), everything else byte for byte."""
    wanted = bundle_files(assignment)
    found = _on_disk(assignment.template_dir / BUNDLE_DIR)
    stale = [rel for rel in found if rel not in wanted]
    for rel, data in wanted.items():
        path = found.get(rel)
        if path is None:
            stale.append(rel)
            continue
        have = path.read_bytes()
        same = recordings_close(have, data) if rel.endswith(".rec") else have == data
        if not same:
            stale.append(rel)
    return sorted(f"{BUNDLE_DIR}/{rel}" for rel in stale)


# -- reading a bundle back -------------------------------------------------------------------


def read_bundle(folder: Path) -> dict[str, bytes]:
    """The files of the bundle in ``folder`` (a ``.grader/`` folder)."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        raise MaterialError(
            f"{folder}: not a public checks bundle (no {MANIFEST}); `grader release` writes one "
            f"to student_template/<id>/{BUNDLE_DIR}/"
        )
    return {rel: path.read_bytes() for rel, path in _on_disk(folder).items()}


def write_course(root: Path, files: dict[str, bytes]) -> Assignment:
    """A course-like folder under ``root`` holding the bundle's assignment: its public spec
    and checks, and placeholders where the reference would be. Returns it loaded."""
    manifest = json.loads(files[MANIFEST])
    assignment_id = str(manifest["assignment"])
    folder = root / "assignments" / assignment_id
    for rel, data in files.items():
        if rel == "assignment.toml" or rel.startswith(
            ("checks/public/", "checks/helpers/", "provided/")
        ):
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(data)
    reference = root / "reference" / assignment_id
    reference.mkdir(parents=True, exist_ok=True)
    spec = AssignmentSpec.model_validate(_toml(folder / "assignment.toml"))
    for name in spec.submission.files:
        (reference / name).write_text(_PLACEHOLDER, encoding="utf-8")
    return load_assignment(root, assignment_id)


def _toml(path: Path) -> dict[str, Any]:
    import tomllib

    return tomllib.loads(path.read_text(encoding="utf-8"))


def recordings(files: dict[str, bytes]) -> dict[str, bytes]:
    """The bundle's recordings, by file name."""
    return {
        rel.removeprefix("recordings/"): data
        for rel, data in files.items()
        if rel.startswith("recordings/")
    }
