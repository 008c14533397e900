"""Run stage: an assignment's checks against one loaded submission, in this (trusted) process.

The checks are pytest tests. They run here, with the reference; the submission runs in its
worker, reached through the ``submission`` fixture. :func:`check_session` starts pytest and
collects the checks once; its :meth:`CheckSession.run_checks` runs them on one submission and
returns a :class:`RunOutcome`: one :class:`CheckOutcome` per check in the spec, including those
that never got to run.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from grader.checks.driver import collected, pytest_args
from grader.checks.helpers import helpers_importable
from grader.checks.imports import submission_importable
from grader.checks.plugin import GraderPlugin
from grader.course import Assignment
from grader.errors import InstructorError, MaterialError
from grader.models import CheckOutcome, LoadedSubmission, NotebookSource, UnitProblem
from grader.protocol import NotebookPlan, UnitFailure, WorkerLimits
from grader.remote import SubmissionSession
from grader.supervisor import WorkerConfig, prepare_runtime

__all__ = [
    "CheckSession",
    "RunOutcome",
    "check_session",
    "checks_importable",
    "import_reference",
    "probe_isolation",
    "resolve_device",
]


class RunOutcome(BaseModel):
    """What running the checks on one submission produced."""

    model_config = ConfigDict(extra="forbid")

    outcomes: list[CheckOutcome]
    workers_started: int
    import_error: str | None = None
    import_problems: list[UnitProblem] = []
    isolation: list[str] = []


@contextlib.contextmanager
def _provided_importable(assignment: Assignment) -> Iterator[None]:
    """The reference imports the provided files as the submission does (``from util import
    *``): their folder is on ``sys.path`` while it is imported, and the modules are let go
    afterwards, so another assignment's ``util`` is never taken for this one's."""
    names = [
        n.removesuffix(".py") for n in assignment.spec.submission.provided if n.endswith(".py")
    ]
    if not names:
        yield
        return
    before = {n: sys.modules.get(n) for n in names}
    sys.path.insert(0, str(assignment.provided_dir))
    try:
        yield
    finally:
        sys.path.remove(str(assignment.provided_dir))
        for name, module in before.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def import_reference(assignment: Assignment) -> SimpleNamespace:
    """The reference modules, imported under private names (``reference.nn`` in checks)."""
    with _provided_importable(assignment):
        return _import_reference(assignment)


def _import_reference(assignment: Assignment) -> SimpleNamespace:
    modules: dict[str, ModuleType] = {}
    for name in assignment.spec.submission.modules:
        path = assignment.reference_dir / f"{name}.py"
        private = f"_grader_reference_{assignment.id}_{name}"
        if private in sys.modules:
            modules[name] = sys.modules[private]
            continue
        spec = importlib.util.spec_from_file_location(private, path)
        if spec is None or spec.loader is None:
            raise MaterialError(f"{path}: cannot be imported as the reference module {name}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[private] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[private]
            raise MaterialError(
                f"{path}: the reference fails to import ({type(exc).__name__}: {exc})"
            ) from exc
        modules[name] = module
    return SimpleNamespace(**modules)


def worker_config(
    assignment: Assignment,
    workdir: Path,
    output_path: Path,
    *,
    threads: int = 1,
    sandbox: bool = True,
    gpu_memory_fraction: float | None = None,
) -> WorkerConfig:
    """The worker settings of an assignment: its limits, its preload list, the sandbox switch,
    and on a GPU run the worker's share of the GPU's memory.

    The worker's ``RLIMIT_CPU`` is a backstop behind the trusted side's budgets: the whole
    submission's CPU time on all the threads it may use, plus a margin, so that the budget
    (with its plain message) stops a worker first."""
    limits = assignment.spec.limits
    policy = WorkerLimits(
        memory_mb=limits.memory_mb,
        cpu_seconds=math.ceil(limits.submission_seconds * max(1, threads)) + 5,
        processes=limits.processes,
        open_files=limits.open_files,
        file_size_mb=limits.file_size_mb,
        disk_mb=limits.disk_mb,
        gpu_memory_fraction=gpu_memory_fraction,
    )
    return WorkerConfig(
        workdir=workdir,
        output_path=output_path,
        runtime_dir=prepare_runtime(workdir.parent / ".grader-runtime"),
        limits=policy,
        threads=threads,
        sandbox=sandbox,
        preload=tuple(assignment.spec.worker.preload),
    )


def resolve_device(policy: str) -> str:
    """ "cpu", or "cuda" when asked for (or when "auto" finds a GPU); CUDA is checked here, in
    the trusted lane, never in the warm parent."""
    if policy not in ("cpu", "cuda", "auto"):
        raise InstructorError(f"--device must be cpu, cuda or auto, given: {policy!r}")
    if policy == "cpu":
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if policy == "cuda":
        raise InstructorError(
            '--device cuda (or [device] policy = "cuda") but no CUDA device is visible here; use --device cpu or auto'
        )
    return "cpu"


def probe_isolation(assignment: Assignment, *, sandbox: bool = True) -> list[str]:
    """Start one worker on an empty folder and return the sandbox it reports.

    Its warm parent preloads nothing: the sandbox does not depend on what is preloaded, and
    an assignment's torch would cost the probe seconds."""
    with tempfile.TemporaryDirectory(prefix="grader-probe-") as scratch:
        workdir = Path(scratch) / "probe"
        workdir.mkdir()
        config = worker_config(assignment, workdir, Path(scratch) / "out.txt", sandbox=sandbox)
        config.preload = ()
        session = SubmissionSession(config, [], import_seconds=120, submission_seconds=120)
        try:
            session.module_free_start()
            return session.isolation
        finally:
            session.close()


@contextlib.contextmanager
def check_session(
    assignment: Assignment,
    *,
    seed: int,
    device: str = "cpu",
    reference_for: Callable[[str], Any] | None = None,
    heldout_key: str | None = None,
) -> Iterator[CheckSession]:
    """The assignment's checks, collected once, ready to run on one submission after another.

    ``seed`` is the run's (a submission may be given its own). ``reference_for(check)``, when
    given, is the ``reference`` fixture's value for a check (recorded or replayed answers, see
    :mod:`grader.selfcheck`) and nothing is imported. ``heldout_key`` is the secret behind the
    ``heldout_seed`` fixture (:mod:`grader.checks.heldout`). A check file that cannot be
    collected raises :class:`MaterialError` here, before any submission runs. While the
    session is open, ``import nn`` in a check gives the module ``nn`` of the submission whose
    check is running, never a file on ``sys.path`` (:mod:`grader.checks.imports`).
    """
    reference = SimpleNamespace() if reference_for else import_reference(assignment)
    plugin = GraderPlugin(
        assignment,
        reference,
        seed,
        device=device,
        reference_for=reference_for,
        heldout_key=heldout_key,
    )
    with (
        checks_importable(assignment, plugin),
        collected(pytest_args(assignment), plugin) as session,
    ):
        _stop_on_instructor_errors(plugin)
        yield CheckSession(assignment, plugin, session)


@contextlib.contextmanager
def checks_importable(assignment: Assignment, plugin: GraderPlugin) -> Iterator[None]:
    """What a check file may import while its session is open: the assignment's own
    ``helpers`` package, and each submitted module by its name (``import nn`` gives the
    module of the submission whose check is running, never a file on ``sys.path``)."""
    modules = assignment.spec.submission.modules
    with helpers_importable(assignment), submission_importable(modules, plugin.current_worker):
        yield


class CheckSession:
    """One pytest session over an assignment's checks (made by :func:`check_session`)."""

    def __init__(
        self, assignment: Assignment, plugin: GraderPlugin, session: pytest.Session
    ) -> None:
        self.assignment = assignment
        self._plugin = plugin
        self._session = session

    def run_checks(
        self,
        loaded: LoadedSubmission,
        *,
        output_path: Path,
        seed: int | None = None,
        resumed: Mapping[str, CheckOutcome] | None = None,
        on_check: Callable[[CheckOutcome], None] | None = None,
        threads: int = 1,
        sandbox: bool = True,
        gpu_memory_fraction: float | None = None,
    ) -> RunOutcome:
        """Run every check on one gradable submission, in its own worker, and return what came
        of it: one outcome per check in the spec, a check that never got to run as ``not_run``.

        ``seed``: this submission's, when not the run's (a resumed run's). ``resumed``: checks an
        interrupted run finished, kept and not run again. ``on_check``: each check's outcome as
        soon as it is known. The worker writes its output to ``output_path``, uses ``threads``
        threads and, on a GPU run, ``gpu_memory_fraction`` of the GPU's memory; it is closed
        before this returns or raises. An instructor's mistake in a check raises
        :class:`MaterialError` (the same for every submission).
        """
        _stop_on_instructor_errors(self._plugin)
        worker = _worker(
            self.assignment,
            loaded,
            worker_config(
                self.assignment,
                _workdir(loaded),
                output_path,
                threads=threads,
                sandbox=sandbox,
                gpu_memory_fraction=gpu_memory_fraction,
            ),
            threads,
        )
        try:
            ran = self._plugin.run(
                self._session, worker, seed=seed, resumed=resumed, on_check=on_check
            )
        finally:
            worker.close()
        _stop_on_instructor_errors(self._plugin)
        return _outcome(self.assignment, ran, worker)


def _workdir(loaded: LoadedSubmission) -> Path:
    if loaded.workdir is None:
        raise ValueError(f"{loaded.student}: only a gradable submission's checks are run")
    return loaded.workdir


def _worker(
    assignment: Assignment, loaded: LoadedSubmission, config: WorkerConfig, threads: int
) -> SubmissionSession:
    """The submission's worker session (started when the first check needs it)."""
    limits = assignment.spec.limits
    notebook = loaded.notebook
    missing = [f.removesuffix(".py") for f in loaded.missing if f.endswith(".py")]
    return SubmissionSession(
        config,
        [m for m in assignment.spec.submission.modules if m not in missing],
        missing={m: f"{m}.py was not handed in" for m in missing},
        import_seconds=limits.import_seconds if notebook is None else notebook.seconds,
        submission_seconds=limits.submission_seconds,
        wall_factor=limits.wall_factor,
        forbidden=sorted({api for f in assignment.spec.forbidden for api in f.apis}),
        notebook=None
        if notebook is None
        else _notebook_request(notebook, threads, limits.wall_factor),
    )


def _stop_on_instructor_errors(plugin: GraderPlugin) -> None:
    """The checks are broken, not the submission: stop the run."""
    if plugin.instructor_errors:
        raise MaterialError("\n".join(plugin.instructor_errors))


def _notebook_request(
    notebook: NotebookSource, threads: int = 1, wall_factor: float = 3.0
) -> NotebookPlan:
    """What the worker needs to build the module from a notebook (no cell text: it is in
    the module file the load stage wrote). Each unit's limit counts CPU time, as a check's
    does, with the same wall-clock backstop (the worker keeps both timers itself: a cell
    limit only spares the student the rest of the notebook; the notebook's own limit is
    the trusted side's)."""
    return NotebookPlan(
        notebook=notebook.notebook,
        file=notebook.file,
        modules=list(notebook.modules),
        units=[(u.first, u.last, u.label) for u in notebook.units],
        unit_seconds=notebook.unit_seconds,
        threads=max(1, threads),
        wall_factor=wall_factor,
    )


def _outcome(
    assignment: Assignment, ran: Mapping[str, CheckOutcome], worker: SubmissionSession
) -> RunOutcome:
    """One outcome per check in the spec, in its order; the worker's account of the import."""
    failure = worker.import_failure
    return RunOutcome(
        outcomes=[
            _outcome_or_not_run(assignment, ran, name) for name in assignment.spec.check_names()
        ],
        workers_started=worker.workers_started,
        import_error=str(failure) if failure is not None else None,
        import_problems=[_problem(p) for p in worker.import_problems],
        isolation=worker.isolation,
    )


def _problem(problem: UnitFailure) -> UnitProblem:
    """One failed notebook unit, as the worker described it (parse_reply cut it to size)."""
    failure = problem.failure
    return UnitProblem(
        label=problem.label,
        type=failure.type,
        message=failure.message,
        traceback=failure.traceback,
    )


def _outcome_or_not_run(
    assignment: Assignment, ran: Mapping[str, CheckOutcome], name: str
) -> CheckOutcome:
    found = ran.get(name)
    if found is not None:
        return found
    return CheckOutcome(
        name=name,
        visibility=assignment.checks[name],
        status="not_run",
        message="this check did not run; the grader stopped before reaching it",
    )
