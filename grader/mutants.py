"""Mutants: known-wrong versions of the reference, each aimed at a check that must catch it.

``assignments/<id>/mutants/mutants.toml`` holds patches against the reference's solution text
(markers removed), so a mutant stays a few lines and can never drift silently: an ``old``
that no longer occurs exactly once fails fast::

    [[mutant]]
    name = "softmax_no_max_shift"
    file = "nn.py"
    description = "softmax without subtracting the row max overflows"
    targets = ["test_softmax_is_stable"]
    [[mutant.replace]]
    old = "x - x.max(axis=1, keepdims=True)"
    new = "x"
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grader.course import Assignment
from grader.errors import MaterialError
from grader.markers import solution_text
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
    """The reference's solution text with the mutant's replacements applied."""
    text = reference_solution(assignment, mutant.file)
    for number, rep in enumerate(mutant.replace, start=1):
        count = len(re.findall(re.escape(rep.old), text))
        if count != 1:
            raise MaterialError(
                f"{assignment.mutants_file}: mutant {mutant.name}, replacement {number}: its 'old' text occurs "
                f"{count} times in reference/{assignment.id}/{mutant.file} (markers removed); it must occur "
                "exactly once, so widen or fix it"
            )
        text = text.replace(rep.old, rep.new)
    return text


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
