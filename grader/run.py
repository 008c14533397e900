"""Run stage: an assignment's checks against one loaded submission, in this (trusted) process.

The checks are pytest tests. They run here, with the reference; the submission runs in its
worker, reached through the ``submission`` fixture. Returns one :class:`CheckOutcome` per
check in the spec, including those that never got to run.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import math
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from grader.checks.helpers import helpers_importable
from grader.checks.plugin import GraderPlugin, Slot
from grader.course import Assignment
from grader.errors import InstructorError, MaterialError
from grader.models import CheckOutcome, LoadedSubmission, NotebookSource, UnitProblem
from grader.remote import SubmissionSession
from grader.supervisor import WorkerConfig, prepare_runtime

__all__ = ["Job", "RunOutcome", "import_reference", "probe_isolation", "resolve_device", "run_many"]


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
    return WorkerConfig(
        workdir=workdir,
        memory_mb=limits.memory_mb,
        output_path=output_path,
        runtime_dir=prepare_runtime(workdir.parent / ".grader-runtime"),
        threads=threads,
        sandbox=sandbox,
        preload=tuple(assignment.spec.worker.preload),
        cpu_seconds=math.ceil(limits.submission_seconds * max(1, threads)) + 5,
        processes=limits.processes,
        open_files=limits.open_files,
        file_size_mb=limits.file_size_mb,
        disk_mb=limits.disk_mb,
        gpu_memory_fraction=gpu_memory_fraction,
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
    """Start one worker on an empty folder and return the sandbox it reports."""
    with tempfile.TemporaryDirectory(prefix="grader-probe-") as scratch:
        workdir = Path(scratch) / "probe"
        workdir.mkdir()
        config = worker_config(assignment, workdir, Path(scratch) / "out.txt", sandbox=sandbox)
        session = SubmissionSession(config, [], import_seconds=120, submission_seconds=120)
        try:
            session.module_free_start()
            return session.isolation
        finally:
            session.close()


# pytest plugins a grading run does not use; each costs time on every submission.
UNUSED_PLUGINS = (
    "cacheprovider",
    "stepwise",
    "unraisableexception",
    "threadexception",
    "faulthandler",
    "doctest",
    "junitxml",
    "pastebin",
    "legacypath",
    "logging",
    "setuponly",
    "setupplan",
    "debugging",
    "unittest",
    "warnings",
    "nose",
)


def pytest_args(assignment: Assignment) -> list[str]:
    """Command line for one in-process pytest run over the assignment's checks."""
    folders = [
        str(assignment.checks_dir(v))
        for v in ("public", "hidden")
        if assignment.checks_dir(v).is_dir()
    ]
    disabled = [arg for name in UNUSED_PLUGINS for arg in ("-p", f"no:{name}")]
    return [
        *folders,
        *disabled,
        "--rootdir",
        str(assignment.dir / "checks"),
        "--confcutdir",  # no conftest.py from above the checks (a planted /tmp/conftest.py)
        str(assignment.dir / "checks"),
        "-c",
        os.devnull,
        "--import-mode=importlib",
        "--assert=plain",
        "-q",
        "--no-header",
        "--tb=no",
    ]


@dataclass
class Job:
    """One gradable submission to run the checks on, with what the lane needs afterwards."""

    loaded: LoadedSubmission
    output_path: Path
    threads: int = 1
    sandbox: bool = True
    context: Any = None
    seed: int | None = None  # this submission's seed, when not the run's
    resumed: dict[str, CheckOutcome] = field(default_factory=dict)  # checks not to run again
    on_check: Callable[[CheckOutcome], None] | None = None  # each check's outcome, streamed
    gpu_memory_fraction: float | None = None  # the worker's share of the GPU (cuda runs)


def run_many(
    assignment: Assignment,
    seed: int,
    jobs: Iterable[Job],
    on_run: Callable[[Job, RunOutcome], None],
    device: str = "cpu",
    reference_for: Callable[[str], Any] | None = None,
    heldout_key: str | None = None,
) -> None:
    """Run the checks on each job in turn, in one pytest session (collection happens once).

    ``jobs`` may be a generator: each job is pulled just before its checks run, so its time
    limits start then. ``on_run`` receives each job's outcome as soon as it is known.
    ``reference_for(check)``, when given, is the ``reference`` fixture's value for a check
    (recorded or replayed answers, see :mod:`grader.selfcheck`) and nothing is imported.
    ``heldout_key`` is the secret behind the ``heldout_seed`` fixture (grader.checks.heldout).
    """
    errors: list[BaseException] = []
    sessions = _sessions(assignment, jobs, on_run, errors)
    reference = SimpleNamespace() if reference_for else import_reference(assignment)
    plugin = GraderPlugin(
        assignment,
        reference,
        seed,
        sessions,
        device=device,
        reference_for=reference_for,
        heldout_key=heldout_key,
    )
    with _quiet(), _no_plugin_autoload(), helpers_importable(assignment):
        pytest.main(pytest_args(assignment), plugins=[plugin])
    if plugin.instructor_errors:  # the checks are broken, not the submission: stop the run
        raise MaterialError("\n".join(plugin.instructor_errors))
    if errors:
        raise errors[0]


def _sessions(
    assignment: Assignment,
    jobs: Iterable[Job],
    on_run: Callable[[Job, RunOutcome], None],
    errors: list[BaseException],
) -> Iterator[Slot]:
    """A slot (session, done, ...) for each job; an error from the caller's side ends the loop
    and is kept."""
    limits = assignment.spec.limits
    try:
        for job in jobs:
            assert job.loaded.workdir is not None, "only gradable submissions are run"
            config = worker_config(
                assignment,
                job.loaded.workdir,
                job.output_path,
                threads=job.threads,
                sandbox=job.sandbox,
                gpu_memory_fraction=job.gpu_memory_fraction,
            )
            notebook = job.loaded.notebook
            missing = [f.removesuffix(".py") for f in job.loaded.missing if f.endswith(".py")]
            session = SubmissionSession(
                config,
                [m for m in assignment.spec.submission.modules if m not in missing],
                missing={m: f"{m}.py was not handed in" for m in missing},
                import_seconds=limits.import_seconds if notebook is None else notebook.seconds,
                submission_seconds=limits.submission_seconds,
                wall_factor=limits.wall_factor,
                forbidden=sorted({api for f in assignment.spec.forbidden for api in f.apis}),
                notebook=None
                if notebook is None
                else _notebook_request(notebook, job.threads, limits.wall_factor),
            )

            def done(
                plugin: GraderPlugin, job: Job = job, session: SubmissionSession = session
            ) -> None:
                session.close()
                try:
                    on_run(job, _outcome(assignment, plugin, session))
                except Exception as exc:  # noqa: BLE001 - re-raised by run_many
                    errors.append(exc)

            try:
                yield Slot(session, done, job.seed, job.resumed, job.on_check)
            finally:
                session.close()
            if errors:
                return
    except Exception as exc:  # noqa: BLE001 - re-raised by run_many once pytest has returned
        errors.append(exc)


def _notebook_request(
    notebook: NotebookSource, threads: int = 1, wall_factor: float = 3.0
) -> dict[str, Any]:
    """What the worker needs to build the module from a notebook (no cell text: it is in
    the module file the load stage wrote). Each unit's limit counts CPU time, as a check's
    does, with the same wall-clock backstop (the worker keeps both timers itself: a cell
    limit only spares the student the rest of the notebook; the notebook's own limit is
    the trusted side's)."""
    return {
        "notebook": notebook.notebook,
        "file": notebook.file,
        "modules": notebook.modules,
        "units": [[u.first, u.last, u.label] for u in notebook.units],
        "unit_seconds": notebook.unit_seconds,
        "threads": max(1, threads),
        "wall_factor": wall_factor,
    }


def _outcome(
    assignment: Assignment, plugin: GraderPlugin, session: SubmissionSession
) -> RunOutcome:
    failure = session.import_failure
    return RunOutcome(
        outcomes=[
            _outcome_or_not_run(assignment, plugin, name) for name in assignment.spec.check_names()
        ],
        workers_started=session.workers_started,
        import_error=str(failure) if failure is not None else None,
        import_problems=[_problem(p) for p in session.import_problems],
        isolation=session.isolation,
    )


def _problem(problem: dict[str, Any]) -> UnitProblem:
    """One failed notebook unit, as the worker described it (strings, cut to size)."""
    return UnitProblem(
        label=str(problem.get("label", ""))[:200],
        type=str(problem.get("type", "Exception"))[:200],
        message=str(problem.get("message", ""))[:2000],
        traceback=str(problem.get("traceback", ""))[:8000],
    )


def _outcome_or_not_run(assignment: Assignment, plugin: GraderPlugin, name: str) -> CheckOutcome:
    found = plugin.outcomes.get(name)
    if found is not None:
        return found
    return CheckOutcome(
        name=name,
        visibility=assignment.checks[name],
        status="not_run",
        message="this check did not run; the grader stopped before reaching it",
    )


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """pytest's terminal output is not ours to show: the report is."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        yield


@contextlib.contextmanager
def _no_plugin_autoload() -> Iterator[None]:
    """Only our plugin: third-party plugins installed beside us must not change how checks run."""
    old = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = old
