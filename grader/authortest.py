"""``grader test``: an author's loop, the assignment's checks run in the foreground.

The checks (public and hidden) run against the reference (the default), a submission folder
or a mutant, through the same machinery as grading (:class:`grader.run.CheckSession`, the
worker, the sandbox), but with pytest's own terminal output and options: ``-k``, ``-x``,
``--pdb``, ``-v``, ``--tb=long``. A failure shows its traceback in the check, and ``--pdb``
stops there, in the trusted process, with the check's variables at hand.

The reference and a mutant are written out as submission folders first, as ``grader
validate`` writes them, so what runs is what validate grades.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict

from grader.checks.driver import collected, foreground_args
from grader.checks.plugin import GraderPlugin
from grader.course import Assignment
from grader.errors import InstructorError, MaterialError
from grader.load import load
from grader.models import LoadedSubmission, Submission
from grader.run import CheckSession, checks_importable, import_reference

__all__ = ["Target", "run_author_checks"]

PUBLIC_SEED = 0
"""The seed ``grader test`` uses unless given one: the same inputs run after run."""


class Target(BaseModel):
    """What the checks run against: the reference, a submission folder, or a mutant."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["reference", "submission", "mutant"] = "reference"
    folder: Path | None = None  # kind "submission"
    mutant: str | None = None  # kind "mutant"

    @property
    def label(self) -> str:
        if self.kind == "submission":
            return str(self.folder)
        return f"mutant {self.mutant}" if self.kind == "mutant" else "the reference"


def run_author_checks(
    assignment: Assignment,
    target: Target,
    pytest_options: list[str],
    *,
    seed: int = PUBLIC_SEED,
    device: str = "cpu",
    sandbox: bool = True,
) -> int:
    """Run every check of ``assignment`` on ``target`` with ``pytest_options`` (``-k``,
    ``-x``, ``--pdb``, ...) and pytest's own output; return pytest's exit code (0 all passed,
    1 some failed, 5 none selected). A submission that cannot be graded raises
    :class:`InstructorError` with the reason, as does an unknown mutant."""
    with tempfile.TemporaryDirectory(prefix="grader-test-") as scratch:
        loaded = _loaded(assignment, target, Path(scratch))
        with _foreground_session(assignment, pytest_options, seed, device) as (checks, session):
            try:
                checks.run_checks(loaded, output_path=Path(scratch) / "output.txt", sandbox=sandbox)
                session.exitstatus = _exit_status(session)
            except (KeyboardInterrupt, pytest.exit.Exception):  # `q` in --pdb, Ctrl-C
                session.exitstatus = _interrupted(session)
            return int(session.exitstatus)


def _loaded(assignment: Assignment, target: Target, scratch: Path) -> LoadedSubmission:
    """The target as a loaded submission (a folder written for the reference or a mutant)."""
    if target.kind == "submission":
        folder = target.folder
        if folder is None or not folder.is_dir():
            raise InstructorError(
                f"{folder}: no such submission folder; --submission takes a folder holding "
                f"{', '.join(assignment.spec.submission.files)}"
            )
        student = folder.name
    else:
        folder = scratch / "submission"
        _write_target(assignment, target, folder)
        student = "reference" if target.kind == "reference" else f"mutant-{target.mutant}"
    loaded = load(
        Submission(student=student, path=folder, kind="directory"),
        assignment.spec,
        scratch / "loaded",
        provided=assignment.provided_files(),
    )
    if loaded.not_gradable:
        raise InstructorError(f"{target.label} cannot be graded: {loaded.not_gradable}")
    return loaded


def _write_target(assignment: Assignment, target: Target, folder: Path) -> None:
    """The reference or a mutant, written as validate writes it."""
    from grader.mutants import load_mutants
    from grader.suggest import did_you_mean
    from grader.validate import _write_mutant, _write_reference

    if target.kind == "reference":
        _write_reference(assignment, folder)
        return
    mutants = {m.name: m for m in load_mutants(assignment)}
    mutant = mutants.get(target.mutant or "")
    if mutant is None:
        raise InstructorError(
            f"{assignment.mutants_file}: no mutant named {target.mutant!r}"
            f"{did_you_mean(target.mutant or '', mutants)}; "
            f"the mutants are: {', '.join(sorted(mutants)) or 'none'}"
        )
    _write_mutant(assignment, mutant, folder)


@contextlib.contextmanager
def _foreground_session(
    assignment: Assignment, options: list[str], seed: int, device: str
) -> Iterator[tuple[CheckSession, pytest.Session]]:
    """:func:`grader.run.check_session`, in the foreground: pytest's output and options."""
    plugin = GraderPlugin(assignment, import_reference(assignment), seed, device=device)
    args = [*foreground_args(assignment), *options]
    with checks_importable(assignment, plugin), collected(args, plugin, quiet=False) as session:
        session.config.pluginmanager.register(_StopWhenAsked(session), "grader-author-stop")
        if plugin.instructor_errors:
            raise MaterialError("\n".join(plugin.instructor_errors))
        yield CheckSession(assignment, plugin, session), session


class _StopWhenAsked:
    """``-x`` and ``--maxfail``: once pytest says stop, the remaining checks do not run (the
    grading loop runs every check; pytest's own loop would stop here)."""

    def __init__(self, session: pytest.Session) -> None:
        self.session = session

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> bool | None:
        return True if self.session.shouldfail or self.session.shouldstop else None


def _interrupted(session: pytest.Session) -> int | pytest.ExitCode:
    """What pytest's own session does when stopped: report it, and exit 2 (or as asked)."""
    excinfo = pytest.ExceptionInfo.from_current()
    session.config.hook.pytest_keyboard_interrupt(excinfo=excinfo)
    stop = excinfo.value
    if isinstance(stop, pytest.exit.Exception) and stop.returncode is not None:
        return stop.returncode
    return pytest.ExitCode.INTERRUPTED


def _exit_status(session: pytest.Session) -> pytest.ExitCode:
    if session.testsfailed:
        return pytest.ExitCode.TESTS_FAILED
    if not session.items:
        return pytest.ExitCode.NO_TESTS_COLLECTED
    return pytest.ExitCode.OK
