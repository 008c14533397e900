"""A results folder read back: every ``<out>/<student>/result.json`` that ``grader grade``
wrote, or the results ``grader grade`` just made, as the class writers
(:data:`grader.outputs.CLASS_OUTPUTS`) are given them."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from grader.errors import InstructorError
from grader.models import SubmissionResult
from grader.report.classstats import Unreadable

__all__ = ["RESULT_FILE", "LoadedResult", "ReportError", "ResultsFolder", "read_results"]

RESULT_FILE = "result.json"


class ReportError(InstructorError):
    """A results folder the class report cannot be made from. Exit code 2."""


class LoadedResult(BaseModel):
    """One student's result, with the folder its files are in."""

    model_config = ConfigDict(extra="forbid")

    folder: Path
    result: SubmissionResult


class ResultsFolder(BaseModel):
    """A results folder: its readable results, and the files that were not."""

    model_config = ConfigDict(extra="forbid")

    path: Path
    loaded: list[LoadedResult]
    unreadable: list[Unreadable]

    @property
    def results(self) -> list[SubmissionResult]:
        return [item.result for item in self.loaded]

    @classmethod
    def graded(cls, path: Path, results: list[SubmissionResult]) -> ResultsFolder:
        """The results a run just wrote into ``path``, each in ``<path>/<student>/``."""
        loaded = [LoadedResult(folder=path / r.student, result=r) for r in results]
        return cls(path=path, loaded=loaded, unreadable=[])


def read_results(results_dir: Path) -> ResultsFolder:
    """Every ``<results_dir>/*/result.json``; an unreadable one is listed, not fatal.

    Raises :class:`ReportError` when the folder is missing, holds no readable result, or
    holds results of more than one assignment.
    """
    if not results_dir.is_dir():
        raise ReportError(
            f"RESULTS_DIR must be a folder written by `grader grade --out DIR`, given: {results_dir}"
        )
    loaded: list[LoadedResult] = []
    unreadable: list[Unreadable] = []
    for path in sorted(results_dir.glob(f"*/{RESULT_FILE}")):
        try:
            result = SubmissionResult.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValidationError) as exc:
            unreadable.append(
                Unreadable(student=path.parent.name, path=path, problem=_first_line(exc))
            )
            continue
        loaded.append(LoadedResult(folder=path.parent, result=result))
    if not loaded:
        raise ReportError(_no_results_message(results_dir, unreadable))
    _require_one_assignment(results_dir, loaded)
    return ResultsFolder(path=results_dir, loaded=loaded, unreadable=unreadable)


def _first_line(exc: Exception) -> str:
    """A short reason: pydantic's first error, or the exception's first line."""
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        where = ".".join(str(x) for x in error["loc"]) or "the file"
        return f"{where}: {error['msg']} ({exc.error_count()} problem(s) in all)"
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def _no_results_message(results_dir: Path, unreadable: list[Unreadable]) -> str:
    if unreadable:
        names = ", ".join(u.student for u in unreadable)
        return (
            f"no readable results in {results_dir}: every <student>/{RESULT_FILE} failed to load "
            f"({names}); re-run `grader grade SUBMISSIONS -a ID --out {results_dir}`, which "
            "re-grades a student whose result.json cannot be read"
        )
    return (
        f"no results in {results_dir}: expected <student>/{RESULT_FILE} files written by "
        f"`grader grade`; grade first (`grader grade SUBMISSIONS -a ID --out {results_dir}`), "
        "or pass the folder that was given to --out"
    )


def _require_one_assignment(results_dir: Path, loaded: list[LoadedResult]) -> None:
    by_assignment: dict[str, list[str]] = {}
    for item in loaded:
        by_assignment.setdefault(item.result.assignment, []).append(item.folder.name)
    if len(by_assignment) > 1:
        found = "; ".join(
            f"{name}: {len(students)} ({', '.join(students[:3])}{', ...' if len(students) > 3 else ''})"
            for name, students in sorted(by_assignment.items())
        )
        raise ReportError(
            f"{results_dir} mixes results of {len(by_assignment)} assignments ({found}); "
            "a class report covers one assignment: grade each into its own --out folder"
        )
