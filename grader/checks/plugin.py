"""The pytest plugin that runs an assignment's checks against one submission at a time.

:meth:`GraderPlugin.run` is one submission's turn with the collected checks, on its worker.
The plugin provides the fixtures check authors use (``submission``, ``reference``, ``rng``,
``seed``), keeps only the checks the spec gives points to, sets each check's time limit on the
submission's worker, and turns every outcome into a :class:`grader.models.CheckOutcome` with a
message a student can act on and the worker time the check used. Points are attached later,
from the spec.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import re
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from grader.budget import Spent
from grader.checks.expect import collecting_notes
from grader.checks.heldout import default_key
from grader.checks.heldout import heldout_seed as derive_heldout_seed
from grader.checks.imports import missing_module_hint
from grader.checks.redact import Redactor
from grader.course import Assignment
from grader.errors import (
    BadReply,
    ForbiddenUse,
    ImportFailed,
    InstructorError,
    PartialCredit,
    SubmissionFault,
    SubmissionRaised,
    WorkerDied,
    WorkerTimeout,
)
from grader.extras import EXTRAS, MissingExtra, missing_message
from grader.models import CheckOutcome, Status
from grader.remote import SubmissionHandle, SubmissionSession
from grader.selfcheck.recording import ReplayMiss

__all__ = ["GraderPlugin", "check_rng", "classify"]


def check_rng(seed: int, check: str) -> np.random.Generator:
    """The generator a check gets: fixed by the run's seed and the check's name, so each
    check's inputs are reproducible alone and do not depend on the order checks run in."""
    return np.random.default_rng([seed, zlib.crc32(check.encode())])


class GraderPlugin:
    """Registered with the checks' pytest session (:func:`grader.checks.driver.collected`);
    :meth:`run` runs the collected checks on one submission, as often as asked, all within one
    pytest session (collection happens once)."""

    def __init__(
        self,
        assignment: Assignment,
        reference: SimpleNamespace,
        seed: int,
        device: str = "cpu",
        reference_for: Callable[[str], Any] | None = None,
        heldout_key: str | None = None,
    ) -> None:
        self.assignment = assignment
        # never leaves this process; none given: $GRADER_HELDOUT_KEY or a random one
        self.heldout_key = heldout_key or default_key()
        self.device_name = device
        self.reference_ns = reference
        self.reference_for = reference_for  # per check: a recorder or replayer (grader.selfcheck)
        self.run_seed = seed
        self.seed_now = seed  # the current submission's seed
        self.worker: SubmissionSession | None = None  # the current submission's worker
        self.in_check = False  # a check (its fixtures included) is running on self.worker
        self.outcomes: dict[str, CheckOutcome] = {}
        self.instructor_errors: list[str] = []
        self.uncollected: dict[str, CheckOutcome] = {}  # a check file that needs a missing extra
        self._started: dict[str, float] = {}
        self._spent: dict[str, Spent] = {}  # worker time, per check (its parameters summed)
        self._notes: dict[str, list[str]] = {}  # expect.note, per check
        self._redact = Redactor(assignment.dir)  # hidden checks' messages show no values

    def run(
        self,
        session: pytest.Session,
        worker: SubmissionSession,
        *,
        seed: int | None = None,
        resumed: Mapping[str, CheckOutcome] | None = None,
        on_check: Callable[[CheckOutcome], None] | None = None,
    ) -> dict[str, CheckOutcome]:
        """One submission's turn: each collected check not in ``resumed`` runs on ``worker``,
        with fresh fixtures, at ``seed`` (None: the run's). ``on_check`` gets each check's
        outcome once all its parameters have run. Returns the outcomes by check name,
        ``resumed``'s included. Stops at the first instructor error (:attr:`instructor_errors`);
        whatever way it stops, the fixtures of this turn are torn down."""
        kept = dict(resumed or {})
        outcomes = {**self.uncollected, **kept}
        self.worker, self.outcomes, self._started, self._spent = worker, outcomes, {}, {}
        self.seed_now = self.run_seed if seed is None else seed
        self._notes = {}
        items = [i for i in session.items if _name(i) not in kept]
        try:
            for index, item in enumerate(items):
                following = items[index + 1] if index + 1 < len(items) else None
                item.config.hook.pytest_runtest_protocol(item=item, nextitem=following)
                if self.instructor_errors:
                    break
                finished = following is None or _name(following) != _name(item)
                if finished and on_check is not None and _name(item) in self.outcomes:
                    on_check(self.outcomes[_name(item)])  # all its parameters have run
        finally:  # the last item tore everything down, unless the turn ended before it
            with contextlib.suppress(Exception):
                session._setupstate.teardown_exact(None)
        return self.outcomes

    def current_worker(self) -> SubmissionSession | None:
        """The worker of the submission under grading while one of its checks runs (fixtures
        included), else None: what ``import nn`` in a check file resolves against
        (:mod:`grader.checks.imports`)."""
        return self.worker if self.in_check else None

    # -- fixtures --------------------------------------------------------------------

    @pytest.fixture
    def submission(self) -> SubmissionHandle:
        """The student's code, in its worker process."""
        assert self.worker is not None
        return SubmissionHandle(self.worker)

    @pytest.fixture
    def reference(self, request: pytest.FixtureRequest) -> Any:
        """The reference modules, in the trusted process (or their recorded answers)."""
        if self.reference_for is not None:
            return self.reference_for(request.node.originalname)
        return self.reference_ns

    @pytest.fixture
    def rng(self, request: pytest.FixtureRequest) -> np.random.Generator:
        """A generator seeded by the run's seed and this check's name."""
        return check_rng(self.seed_now, request.node.originalname)

    @pytest.fixture
    def params(self) -> dict[str, Any]:
        """The spec's ``[params]`` table: thresholds, budgets, dataset sizes the checks use."""
        return dict(self.assignment.spec.params)

    @pytest.fixture
    def data_root(self) -> Callable[[str], Path]:
        """``data_root("cifar10")``: the folder of an on-disk dataset ([data] roots, then the
        environment), or a MaterialError naming the expected layout."""
        from grader.datasets import dataset_root

        roots = self.assignment.data_roots()
        return lambda name: dataset_root(name, configured=roots.get(name))

    @pytest.fixture
    def device(self) -> str:
        """Where tensors should run for this grading run: "cpu" or "cuda"."""
        return self.device_name

    @pytest.fixture
    def seed(self) -> int:
        """This submission's grading seed (recorded in its result)."""
        return self.seed_now

    @pytest.fixture
    def heldout_seed(self) -> Callable[[str], int]:
        """``heldout_seed("cifar10")``: the seed of held-out data, secret from the submission.

        Derived from the run's secret key, this submission's seed and the name (see
        :mod:`grader.checks.heldout`); a check scoring accuracy draws its data from it."""
        return lambda name: derive_heldout_seed(self.heldout_key, self.seed_now, name)

    # -- collection and timing ---------------------------------------------------------

    def pytest_configure(self, config: pytest.Config) -> None:
        """One run per submission: pytest's full garbage collection at exit costs ~30 ms a time."""
        try:
            from _pytest.unraisableexception import gc_collect_iterations_key
        except ImportError:  # a pytest without the knob: nothing to turn off
            return
        config.stash[gc_collect_iterations_key] = 0

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        keep = [i for i in items if _name(i) in self.assignment.checks]
        dropped = [i for i in items if i not in keep]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = keep

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Iterator[None]:
        name = _name(item)
        assert self.worker is not None
        spec = self.assignment.spec
        self.worker.begin_check(spec.seconds_for(name), spec.forbidden_for(name))
        self._started.setdefault(name, time.monotonic())
        self.in_check = True
        try:
            with collecting_notes(self._notes.setdefault(name, [])):
                yield
        finally:
            self.in_check = False
            self._charge(name, self._end_check(name))

    def _end_check(self, name: str) -> Spent:
        """End the check in the worker (its objects are released there) and return the worker
        time it used. A fault the session handles itself (a clean-up reply the codec refuses,
        a slow ``__del__``) only costs the worker. Anything that escapes it costs this check
        and nothing else: the worker is killed, the check becomes an error that says why, and
        the pytest session goes on to the next check and the next submission."""
        worker = self.worker
        assert worker is not None
        before = worker.check.used
        try:
            return worker.end_check()
        except InstructorError as exc:
            self.instructor_errors.append(f"{name}: {exc}")
        except Exception as exc:  # noqa: BLE001 - never ends the lane's session
            if worker.client is not None:
                worker.client.kill()
            self._fail_at_end(name, exc, "the grader could not clean up after it")
        return before

    def _fail_at_end(self, name: str, exc: Exception, what: str) -> None:
        """The check's outcome once ending it failed: an error, unless it already failed."""
        reason = str(exc) if isinstance(exc, SubmissionFault) else type(exc).__name__
        message = f"this check ran, but {what} ({reason}); it gets no points"
        outcome = self.outcomes.get(name)
        if outcome is not None and outcome.status not in ("passed", "partial"):
            return
        if outcome is None:
            outcome = CheckOutcome(
                name=name, visibility=self.assignment.checks[name], status="error"
            )
        self.outcomes[name] = outcome.model_copy(
            update={"status": "error", "fraction": 0.0, "message": message, "details": ""}
        )

    def _charge(self, name: str, spent: Spent) -> None:
        """Add one run of a check (one parameter set) to the worker time its outcome reports."""
        total = self._spent[name] = self._spent.get(name, Spent()) + spent
        outcome = self.outcomes.get(name)
        if outcome is not None:
            self.outcomes[name] = outcome.model_copy(
                update={"cpu_s": round(total.cpu_s, 3), "wall_s": round(total.wall_s, 3)}
            )

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Iterator[None]:
        yield
        if call.when == "call" or call.excinfo is not None:
            try:
                self._record(item, call)
            except Exception as exc:  # noqa: BLE001 - never ends the lane's session
                self._fail_at_end(_name(item), exc, "its outcome could not be recorded")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            text = report.longreprtext
            missing = _missing_extra(text)
            if missing is not None and self.reference_for is not None:  # a self-check: not run
                path = self.assignment.dir / "checks" / report.fspath  # relative to --rootdir
                for name in _check_names(path) & set(self.assignment.checks):
                    self.uncollected[name] = CheckOutcome(
                        name=name,
                        visibility=self.assignment.checks[name],
                        status="not_run",
                        message=missing,
                    )
                return
            hint = missing_module_hint(text, self.assignment.spec.submission.modules)
            hint += f"\n{missing}" if missing is not None else ""
            self.instructor_errors.append(
                f"{report.nodeid}: the check file cannot be collected:\n{text}{hint}"
            )

    def _record(self, item: pytest.Item, call: pytest.CallInfo[None]) -> None:
        exc_value = call.excinfo.value if call.excinfo is not None else None
        # A missing extra stops grading against the real reference (the instructor's machine);
        # in a self-check (a replayed reference) it only ends this check not run.
        missing_extra = isinstance(exc_value, MissingExtra) and self.reference_for is not None
        if isinstance(exc_value, InstructorError) and not missing_extra:
            self.instructor_errors.append(f"{item.nodeid}: {exc_value}")
        name = _name(item)
        previous = self.outcomes.get(name)
        if previous is not None and previous.status != "passed":
            return  # a parametrised check keeps its first failure
        hidden = self.assignment.checks[name] == "hidden"
        status, message, details, tb = classify(call.excinfo, self._redact if hidden else str)
        message = "; ".join(m for m in (message, *self._notes.get(name, [])) if m)
        exc = call.excinfo.value if call.excinfo is not None else None
        fraction = exc.fraction if isinstance(exc, PartialCredit) else float(status == "passed")
        if call.when == "teardown" and status == "passed":
            return
        self.outcomes[name] = CheckOutcome(
            name=name,
            visibility=self.assignment.checks[name],
            status=status,
            fraction=fraction,
            message=message,
            description=describe(getattr(item, "function", None)),
            details=details,
            student_traceback=tb,
            duration_s=round(time.monotonic() - self._started[name], 4),
            uses=sorted(self.worker.used) if self.worker is not None else [],
        )


def _name(item: pytest.Item) -> str:
    """A check's name: parametrised items share their function's."""
    return str(getattr(item, "originalname", item.name))


def describe(item_function: Any) -> str:
    """A check's docstring: the sentence a student reads when it fails."""
    return inspect.cleandoc(item_function.__doc__ or "").strip()


def _missing_extra(text: str) -> str | None:
    """The message naming the extra, when a check file failed on importing an extra's package."""
    found = re.search(r"ModuleNotFoundError: (?:No module named '|import of )([\w.]+)", text)
    if found is None or found.group(1).split(".")[0] not in EXTRAS:
        return None
    return missing_message(found.group(1))


def _check_names(path: Path) -> set[str]:
    """The checks a file defines (top-level ``test_*`` functions), read without importing it."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return set()
    return {
        n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")
    }


def classify(
    excinfo: pytest.ExceptionInfo[BaseException] | None,
    text: Callable[[BaseException], str] = str,
) -> tuple[Status, str, str, str]:
    """(status, message, details, student traceback) for a check's exception, if any.

    ``text`` words the message of a failed comparison or of an error in the check's own code:
    ``str`` for a public check, a :class:`grader.checks.redact.Redactor` for a hidden one."""
    if excinfo is None:
        return "passed", "", "", ""
    exc = excinfo.value
    if isinstance(exc, pytest.skip.Exception):
        return "not_run", f"skipped: {exc.msg}", "", ""
    if isinstance(exc, ReplayMiss):  # a self-check that needs the instructor's solution
        return "not_run", str(exc), "", ""
    if isinstance(exc, MissingExtra):  # the grader's environment lacks an extra, not the student
        return "not_run", str(exc), "", ""
    if isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] in EXTRAS:
        return "not_run", missing_message(exc.name or ""), "", ""  # a check's own plain import
    if isinstance(exc, WorkerTimeout):
        return "timeout", str(exc), "", ""
    if isinstance(exc, WorkerDied):
        return "crashed", str(exc), "", ""
    if isinstance(exc, ImportFailed):
        return "error", str(exc), "", exc.student_traceback
    if isinstance(exc, PartialCredit):
        return "partial", str(exc), "", ""
    if isinstance(exc, ForbiddenUse):
        return "failed", str(exc), "", ""
    if isinstance(exc, SubmissionRaised):
        return "error", str(exc), "", exc.student_traceback
    if isinstance(exc, AssertionError):  # CheckFailed included: a comparison that failed
        return "failed", text(exc) or "the result is not what this check expects", "", ""
    if isinstance(exc, BadReply | SubmissionFault):
        return "error", str(exc), "", ""
    said = text(exc) or "…"
    return (
        "failed",
        f"the check could not use what your code returned ({type(exc).__name__}: {said})",
        "",
        "",
    )
