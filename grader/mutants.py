"""Mutants: known-wrong versions of the reference, each aimed at a check that must catch it.

``assignments/<id>/mutants/mutants.toml`` holds patches against the reference's solution text
(markers removed), so a mutant stays a few lines and can never drift silently: an ``old``
that no longer occurs exactly once (in the file, or in the definition ``within`` names) fails
fast::

    [[mutant]]
    name = "softmax_no_max_shift"
    file = "nn.py"
    description = "softmax without subtracting the row max overflows"
    targets = ["test_softmax_is_stable"]
    within = "softmax"   # optional: a function, class or Class.method; 'old' is unique there
    [[mutant.replace]]
    old = "x - x.max(axis=1, keepdims=True)"
    new = "x"
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from grader.course import Assignment
from grader.errors import MaterialError
from grader.markers import solution_text
from grader.mutantscope import definition_names, definition_span
from grader.specerrors import describe_validation_error
from grader.suggest import did_you_mean

__all__ = ["load_mutants", "write_mutant"]


class Replacement(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    old: str = Field(min_length=1)
    new: str


class Mutant(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    file: str
    description: str = Field(min_length=1)
    targets: list[str] = Field(min_length=1)
    replace: list[Replacement] = Field(min_length=1)
    # A function, class or Class.method of `file`: each `old` need only be unique in it.
    within: str | None = None

    @field_validator("within")
    @classmethod
    def _dotted_name(cls, within: str | None) -> str | None:
        if within is not None and not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", within):
            raise ValueError(
                "within names a function, a class or Class.method, like conv2d_forward or "
                f"Conv2d.forward, given: {within!r}"
            )
        return within


class MutantsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mutant: list[Mutant] = Field(default_factory=list)


def load_mutants(assignment: Assignment) -> list[Mutant]:
    """Read and check every mutant of ``assignment``; fail fast naming the mutant and the fix."""
    path = assignment.mutants_file
    if not path.is_file():
        return []
    try:
        parsed = MutantsFile.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise MaterialError(f"{path}: not valid TOML ({exc})") from exc
    except ValidationError as exc:
        raise MaterialError(
            describe_validation_error(path, exc, MutantsFile, what="mutants file")
        ) from exc
    names: set[str] = set()
    for mutant in parsed.mutant:
        if mutant.name in names:
            raise MaterialError(
                f"{path}: two mutants are named {mutant.name}; names must be unique"
            )
        names.add(mutant.name)
        _check_targets(path, mutant, assignment)
        mutated_source(assignment, mutant)  # every 'old' must apply
    return parsed.mutant


def _check_targets(path: Path, mutant: Mutant, assignment: Assignment) -> None:
    files = assignment.spec.submission.files
    if mutant.file not in files:
        raise MaterialError(
            f"{path}: mutant {mutant.name} patches {mutant.file}"
            f"{did_you_mean(mutant.file, files)}, which is not a submitted file"
        )
    unknown = [t for t in mutant.targets if t not in assignment.checks]
    if unknown:
        named = ", ".join(t + did_you_mean(t, assignment.checks) for t in unknown)
        raise MaterialError(f"{path}: mutant {mutant.name} targets unknown checks: {named}")


def reference_solution(assignment: Assignment, file: str) -> str:
    path = assignment.reference_dir / file
    return solution_text(path.read_text(encoding="utf-8"), str(path))


def mutated_source(assignment: Assignment, mutant: Mutant) -> str:
    """The reference's solution text with the mutant's replacements applied (inside the
    definition named by ``within``, when it names one)."""
    text = reference_solution(assignment, mutant.file)
    start, end = _scope(assignment, mutant, text)
    where = f"reference/{assignment.id}/{mutant.file} (markers removed)"
    if mutant.within:
        where = f"{mutant.within} in {where}"
    for number, rep in enumerate(mutant.replace, start=1):
        region = text[start:end]
        count = len(re.findall(re.escape(rep.old), region))
        if count != 1:
            raise MaterialError(
                f"{assignment.mutants_file}: mutant {mutant.name}, replacement {number}: its 'old' text occurs "
                f"{count} times in {where}; it must occur exactly once, so widen or fix it"
                + ("" if mutant.within else ', or scope it to a function with within = "<name>"')
            )
        changed = region.replace(rep.old, rep.new)
        text = text[:start] + changed + text[end:]
        end += len(changed) - len(region)
    return text


def _scope(assignment: Assignment, mutant: Mutant, text: str) -> tuple[int, int]:
    """The part of ``text`` the mutant may patch: the whole file, or its ``within``."""
    if mutant.within is None:
        return 0, len(text)
    where = f"reference/{assignment.id}/{mutant.file}"
    try:
        span = definition_span(text, mutant.within)
    except SyntaxError as exc:
        raise MaterialError(
            f"{where}: line {exc.lineno}: not valid Python ({exc.msg}), so mutant "
            f"{mutant.name}'s within = {mutant.within!r} cannot be found; fix the reference"
        ) from exc
    if span is None:
        hint = did_you_mean(mutant.within, definition_names(text))
        raise MaterialError(
            f"{assignment.mutants_file}: mutant {mutant.name}: within = {mutant.within!r}{hint} "
            f"names no function or class in {where}; give a top-level function, a class or "
            "Class.method"
        )
    return span


def write_mutant(assignment: Assignment, mutant: Mutant, dest: Path) -> None:
    """Write a complete submission for ``mutant`` into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for file in assignment.spec.submission.files:
        text = (
            mutated_source(assignment, mutant)
            if file == mutant.file
            else reference_solution(assignment, file)
        )
        (dest / file).write_text(text, encoding="utf-8")
