"""Validate: the checks can pass and can fail.

The reference must score 100%, with every check calling the submission's code (a check whose
``uses`` is empty would pass any student), the template 0%, every mutant must lose points on
each check it targets, and every alternative (a correct submission written differently, see
:mod:`grader.alternatives`) must score 100%. When the spec takes notebooks, the reference
and the template are also graded in notebook form (one cell per function), which must score
the same. All of them are graded in one run through the real pipeline (worker included), on
the device asked for (``--device``, else the spec's ``[device] policy``). Checks without a
docstring and draws from unseeded randomness are reported as warnings, which do not fail it
(:mod:`grader.checklint`).

Submitted ``.py`` files are built from the reference's solution text (markers removed, the
template's stubs, or a mutant's patch). Any other submitted file (a data file such as a
checkpoint) has no solution markers: it is copied byte for byte from the reference into all
three, so the template and the mutants differ from the reference only in their code.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from grader.alternatives import load_alternatives, write_alternative
from grader.checklint import CheckWarning, lint_checks
from grader.course import Assignment, load_assignment
from grader.errors import MaterialError
from grader.grade import grade
from grader.markers import solution_text
from grader.models import CheckResult, SubmissionResult
from grader.mutants import Mutant, load_mutants, mutated_source
from grader.notebook.write import notebook_from_modules, notebook_text
from grader.release import template_files
from grader.run import resolve_device

__all__ = ["keep_submissions", "validate"]

Kind = Literal["reference", "template", "mutant", "alternative"]

_PROBLEM_CHARS = 300  # each failing check's message, trimmed, in an alternative's row


class ValidationRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    kind: Kind
    score: float
    max_score: float
    expectation: str
    ok: bool
    problem: str = ""


class ValidationReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignment: str
    seed: int
    device: str
    rows: list[ValidationRow]
    duration_s: float = 0.0
    # Findings in the check files that do not fail validation (grader.checklint).
    warnings: list[CheckWarning] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)


def _is_source(file: str) -> bool:
    """Whether a submitted file is Python source, built from solution text (else: data)."""
    return file.endswith(".py")


def _copy_data_files(assignment: Assignment, dest: Path) -> None:
    """The reference's submitted data files (weights, say), copied byte for byte."""
    dest.mkdir(parents=True, exist_ok=True)
    for file in assignment.spec.submission.files:
        if not _is_source(file):
            (dest / file).write_bytes((assignment.reference_dir / file).read_bytes())


def _solutions(assignment: Assignment) -> dict[str, str]:
    """Each submitted ``.py`` file of the reference, markers removed."""
    texts = {}
    for file in assignment.spec.submission.files:
        if _is_source(file):
            path = assignment.reference_dir / file
            texts[file] = solution_text(path.read_text(encoding="utf-8"), str(path))
    return texts


def _write_reference(assignment: Assignment, dest: Path) -> None:
    _copy_data_files(assignment, dest)
    for file, text in _solutions(assignment).items():
        (dest / file).write_text(text, encoding="utf-8")


def _write_template(assignment: Assignment, dest: Path) -> None:
    _copy_data_files(assignment, dest)
    for rel, text in template_files(assignment).items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_text(text, encoding="utf-8")


def _write_notebooks(assignment: Assignment, subs: Path) -> list[str]:
    """The reference and the template as notebooks, when the spec takes notebooks: the
    notebook path must grade the same. Returns the names of the folders written."""
    nb = assignment.spec.submission.notebook
    if nb is None:
        return []
    name = f"{assignment.id}.ipynb"
    notebook = notebook_from_modules(
        _solutions(assignment), handout="# reference", assignment_id=assignment.id
    )
    for folder, text in [
        ("reference-notebook", notebook_text(notebook)),
        ("template-notebook", template_files(assignment)[name]),
    ]:
        _copy_data_files(assignment, subs / folder)
        (subs / folder / name).write_text(text, encoding="utf-8")
    return ["reference-notebook", "template-notebook"]


def _write_mutant(assignment: Assignment, mutant: Mutant, dest: Path) -> None:
    """The reference with ``mutant``'s replacements applied to its file."""
    _write_reference(assignment, dest)
    (dest / mutant.file).write_text(mutated_source(assignment, mutant), encoding="utf-8")


def keep_submissions(subs: Path, keep: Path) -> list[Path]:
    """Copy each submission folder validate wrote (``reference``, ``template``,
    ``mutant-<name>``, ``alternative-<name>``, the notebooks) into ``keep``, replacing a
    folder of the same name there, so an author can ``grader test --submission`` or ``grader
    grade`` them. Returns the folders written."""
    keep.mkdir(parents=True, exist_ok=True)
    written = []
    for folder in sorted(subs.iterdir()):
        dest = keep / folder.name
        if dest.is_dir():
            shutil.rmtree(dest)
        shutil.copytree(folder, dest)
        written.append(dest)
    return written


def validate(
    course: Path,
    assignment_id: str,
    *,
    jobs: int = 1,
    seed: int | None = None,
    device: str | None = None,
    on_result: Callable[[SubmissionResult], None] | None = None,
    keep: Path | None = None,
) -> ValidationReport:
    """Grade the reference, the template, every mutant and every alternative; one row each,
    saying if it is as expected. ``device`` is "cpu", "cuda" or "auto" (default: the spec's ``[device] policy``);
    "cuda" where no GPU is visible fails fast with a :class:`grader.errors.InstructorError`.
    The report's ``warnings`` (checks without a docstring, unseeded randomness) do not fail it.
    ``on_result`` sees each graded copy as it finishes (its student is "reference",
    "template", "mutant-<name>", "alternative-<name>", ...), so a long run shows progress."""
    assignment = load_assignment(course, assignment_id)
    device_name = resolve_device(device or assignment.spec.device.policy)
    mutants = load_mutants(assignment)
    if not mutants:
        raise MaterialError(
            f"{assignment.mutants_file}: no mutants; every assignment ships known-wrong versions of the "
            "reference that its checks must catch (see docs/authoring.md)"
        )
    alternatives = load_alternatives(assignment)
    work = Path(tempfile.mkdtemp(prefix="grader-validate-"))
    try:
        subs = work / "submissions"
        _write_reference(assignment, subs / "reference")
        _write_template(assignment, subs / "template")
        for mutant in mutants:
            _write_mutant(assignment, mutant, subs / f"mutant-{mutant.name}")
        for name, folder in alternatives.items():
            write_alternative(assignment, folder, subs / f"alternative-{name}")
        notebooks = _write_notebooks(assignment, subs)
        if keep is not None:
            keep_submissions(subs, keep)
        report = grade(
            course,
            assignment_id,
            subs,
            work / "out",
            jobs=jobs,
            seed=seed,
            force=True,
            device=device_name,
            on_result=None if on_result is None else lambda lane: on_result(lane.result),
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    by_student = {r.student: r for r in report.results}
    rows = [_reference_row(by_student["reference"]), _template_row(by_student["template"])]
    if notebooks:
        rows += [
            _reference_row(by_student["reference-notebook"], "reference (notebook)"),
            _template_row(by_student["template-notebook"], "template (notebook)"),
        ]
    rows += [_mutant_row(m, by_student[f"mutant-{m.name}"]) for m in mutants]
    rows += [_alternative_row(n, by_student[f"alternative-{n}"]) for n in alternatives]
    return ValidationReport(
        assignment=assignment_id,
        seed=report.seed,
        device=device_name,
        rows=rows,
        duration_s=report.duration_s,
        warnings=lint_checks(assignment.course, sorted((assignment.dir / "checks").rglob("*.py"))),
    )


def _not_gradable(result: SubmissionResult) -> str:
    return f"not gradable: {result.not_gradable_reason}" if not result.gradable else ""


def _failing(result: SubmissionResult) -> list[str]:
    return [c.name for c in result.checks if c.status != "passed"]


def _row(
    name: str, kind: Kind, result: SubmissionResult, expectation: str, problem: str
) -> ValidationRow:
    problem = _not_gradable(result) or problem
    return ValidationRow(
        name=name,
        kind=kind,
        score=result.score,
        max_score=result.max_score,
        expectation=expectation,
        ok=not problem,
        problem=problem,
    )


def _reference_row(result: SubmissionResult, name: str = "reference") -> ValidationRow:
    failing = [f"{c.name}: {c.message}" for c in result.checks if c.status != "passed"]
    problems = ["fails: " + "; ".join(failing)] if failing else []
    problems += [_never_called(c) for c in result.checks if c.status == "passed" and not c.uses]
    return _row(name, "reference", result, "100%", "; ".join(problems))


def _never_called(check: CheckResult) -> str:
    """A check that passed on the reference without reaching the submission: no call, no read
    and no checkpoint of the student's (its ``uses`` is empty), so it would pass any student's
    code: it reads the reference through some other door (a file on ``sys.path``, say)."""
    return (
        f"check {check.name} never called the submission's code: use the `submission` fixture "
        "or import the module by name (`from <module> import <function>` in the check file), "
        "and compare with the `reference` fixture"
    )


def _template_row(result: SubmissionResult, name: str = "template") -> ValidationRow:
    passing = [c.name for c in result.checks if c.status == "passed"]
    return _row(name, "template", result, "0%", "passes: " + ", ".join(passing) if passing else "")


def _mutant_row(mutant: Mutant, result: SubmissionResult) -> ValidationRow:
    failing = set(_failing(result))
    missed = [t for t in mutant.targets if t not in failing]
    expectation = "fails " + ", ".join(mutant.targets)
    return _row(
        mutant.name,
        "mutant",
        result,
        expectation,
        "still passes: " + ", ".join(missed) if missed else "",
    )


def _trimmed(text: str, most: int = _PROBLEM_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 3] + "..."


def _alternative_row(name: str, result: SubmissionResult) -> ValidationRow:
    """A correct submission written differently: every check it fails is unfair to it."""
    failing = [
        f"{c.name} ({c.status}): {_trimmed(c.message)}"
        for c in result.checks
        if c.status != "passed"
    ]
    return _row(
        name, "alternative", result, "100%", "fails: " + "; ".join(failing) if failing else ""
    )
