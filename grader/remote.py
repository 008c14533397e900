"""What a check holds: a handle to the student's worker, and proxies to objects inside it.

Check authors write the natural thing::

    probs = submission.nn.softmax(x)            # a numpy array comes back
    params = submission.put({})                 # a dict that lives in the worker
    submission.nn.initialize_weights(10, 5, params, "layer1")
    W = params["Wlayer1"]                       # read back by value

Arrays, tensors, numbers, strings and lists/tuples/dicts of those cross by value; any other
object stays in the worker and comes back as a :class:`Remote`.

A :class:`SubmissionSession` starts the worker lazily, imports the submission once per worker,
charges each request to the check's, the import's and the submission's time budgets (CPU time
with a wall-clock backstop, :mod:`grader.budget`), and replaces a worker that died or hung.
A failed import is remembered, so later checks fail at once with the same reason.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from grader.budget import Budget, Spent, allowance, exhausted
from grader.errors import (
    BadReply,
    CheckFailed,
    ForbiddenUse,
    ImportFailed,
    MaterialError,
    SubmissionFault,
    SubmissionRaised,
    WorkerDied,
    WorkerTimeout,
)
from grader.protocol import (
    Call,
    Define,
    Done,
    Failure,
    Fetch,
    GetItem,
    Greeting,
    Handle,
    Hello,
    Import,
    Imported,
    LoadWeights,
    Made,
    NotebookPlan,
    Put,
    Release,
    Reply,
    Request,
    SetAttr,
    SetItem,
    UnitFailure,
    Value,
    Weights,
)
from grader.supervisor import WorkerClient, WorkerConfig

R = TypeVar("R", bound=Reply)


class Remote(Handle):
    """A proxy for an object (or an attribute path from one) that lives in the worker."""

    __slots__ = ("_session", "_generation", "_root", "_path")
    _session: SubmissionSession
    _generation: int
    _root: int
    _path: tuple[str, ...]

    def __init__(
        self, session: SubmissionSession, generation: int, root: int, path: tuple[str, ...] = ()
    ) -> None:
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_generation", generation)
        object.__setattr__(self, "_root", root)
        object.__setattr__(self, "_path", path)

    @property
    def _label(self) -> str:
        return ".".join((self._session.root_label(self._root), *self._path))

    def __getattr__(self, name: str) -> Remote:
        if name.startswith("__"):
            raise AttributeError(name)
        return Remote(self._session, self._generation, self._root, (*self._path, name))

    def __setattr__(self, name: str, value: Any) -> None:
        self._session.request(SetAttr(self, name, value), f"setting {self._label}.{name}", Done)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._session.value(Call(self, list(args), kwargs), f"{self._label}(...)")

    def __getitem__(self, key: Any) -> Any:
        return self._session.value(GetItem(self, key), f"{self._label}[{key!r}]")

    def __setitem__(self, key: Any, value: Any) -> None:
        self._session.request(SetItem(self, key, value), f"setting {self._label}[{key!r}]", Done)

    def fetch(self) -> Any:
        """The object's value, by value where the codec allows (handles inside otherwise)."""
        return self._session.value(Fetch(self), self._label)

    def __repr__(self) -> str:
        return f"<Remote {self._label}>"

    def __bool__(self) -> bool:
        raise TypeError(
            f"{self._label} is an object in the student's process; call .fetch() to read it"
        )


class SubmissionSession:
    """The grader's side of one submission: a (replaceable) worker plus its time budgets."""

    def __init__(
        self,
        config: WorkerConfig,
        modules: list[str],
        *,
        import_seconds: float,
        submission_seconds: float,
        wall_factor: float = 3.0,
        forbidden: list[str] | None = None,
        notebook: NotebookPlan | None = None,
        missing: dict[str, str] | None = None,
    ) -> None:
        self.config = config
        self.modules = modules
        self.missing = missing or {}  # module -> why a check that uses it fails ("not handed in")
        self.notebook = notebook  # how to build the module from a notebook, unit by unit
        self.import_problems: list[UnitFailure] = []  # units of a notebook that failed
        self.used: set[str] = set()  # "module.name" (or a checkpoint file) the check reached
        self.import_seconds = import_seconds
        self.wall_factor = wall_factor
        self.submission = self._budget(submission_seconds, "its", "the whole submission")
        self.check = self._budget(float("inf"))  # between checks: the submission's only
        self.forbidden = forbidden or []
        self.check_forbids: list[str] = []
        self.client: WorkerClient | None = None
        self.generation = 0
        self.roots: dict[str, int] = {}
        self.labels: dict[int, str] = {}
        self._naming = ""
        self.import_failure: SubmissionFault | None = None
        self.workers_started = 0
        self.isolation: list[str] = []
        self.made: list[int] = []  # handles the current check received (released after it)
        self.released: set[int] = set()  # handles of earlier checks, gone from the worker

    # -- time budgets, set by the pytest plugin around each check ------------------------

    def _budget(self, seconds: float, whose: str = "this check's", subject: str = "it") -> Budget:
        return Budget(seconds, self.config.threads, self.wall_factor, whose, subject)

    def begin_check(self, seconds: float, forbids: list[str] | None = None) -> None:
        """A check starts: ``seconds`` of the worker's CPU time (per thread it may use), and
        ``wall_factor`` times that of wall-clock time waiting for it."""
        self.check = self._budget(seconds)
        self.check_forbids = forbids or []
        self.used = set()

    def end_check(self) -> Spent:
        """The check is over: the objects it made in the worker are let go, so a submission's
        worker does not grow with every check (handles live for one check). Returns the
        worker time the check used."""
        client = self.client
        if client is not None and client.alive:  # CPU time not read yet is the check's
            late = Spent(cpu_s=client.settle())
            self.check.charge(late)
            self.submission.charge(late)
        spent, self.check = self.check.used, self._budget(float("inf"))
        self.check_forbids = []
        made, self.made = self.made, []
        if not made or client is None or not client.alive:
            return spent
        self.released.update(made)
        try:  # a student's __del__ runs here: it gets a few seconds, then the worker goes
            cleanup = self._budget(5, "the clean-up's")
            self._send(Release(made), [cleanup, self.submission], "cleaning up", Done)
        except SubmissionFault:
            client.kill()
        return spent

    # -- the worker ----------------------------------------------------------------------

    def _worker(self) -> WorkerClient:
        if self.import_failure is not None:
            failure = self.import_failure
            raise ImportFailed(
                str(failure), student_traceback=getattr(failure, "student_traceback", "")
            )
        kind = self.submission.spent_by()
        if kind is not None:
            raise WorkerTimeout(f"not run: the whole submission {self.submission.words(kind)}")
        if self.client is not None and self.client.alive:
            return self.client
        self._start()
        assert self.client is not None
        return self.client

    def _start(self) -> None:
        """Start a worker and import the submission. The time this takes is not the check's:
        a cold warm parent importing torch is charged to nobody, the import to its own budget
        (and the submission's)."""
        if self.client is not None:
            self.client.close()
        self.client = WorkerClient(self.config)
        self.workers_started += 1
        self.generation += 1
        self.made, self.released = [], set()  # the old worker's objects went with it
        budgets = [self._budget(self.import_seconds, "the import's"), self.submission]
        names = ", ".join(f"{m}.py" for m in self.modules)
        if self.notebook is not None:
            names = self.notebook.notebook
        try:
            hello = self._send(Hello(), budgets, "starting your code's process", Greeting)
            self.isolation = hello.isolation
            plan = Import(self.modules, self.forbidden, self.notebook)
            reply = self._send(plan, budgets, f"importing {names}", Imported)
        except WorkerTimeout as exc:
            fix = (
                "every cell you keep runs at grading, so leave long training out or load saved weights"
                if self.notebook is not None
                else 'move slow work (training, loops, downloads) under `if __name__ == "__main__":`'
            )
            self.import_failure = ImportFailed(f"{exc}; {fix}")
            raise self.import_failure from exc
        except WorkerDied as exc:
            self.import_failure = ImportFailed(f"{exc} while importing {names}")
            raise self.import_failure from exc
        except SubmissionRaised as exc:
            self.import_failure = ImportFailed(
                f"{str(exc).rstrip('.')}. Code at the top level of your file runs when it is imported, "
                "so it must not need files, input or anything else that exists only on your computer",
                student_traceback=exc.student_traceback,
            )
            raise self.import_failure from exc
        if self.generation == 1:  # a restarted worker fails the same units again: said once
            self.import_problems = reply.problems
        self.roots = {name: cast(Remote, handle)._root for name, handle in reply.modules.items()}
        self.made = [h for h in self.made if h not in self.roots.values()]  # modules stay
        self.labels = {v: k for k, v in self.roots.items()}

    def module_free_start(self) -> None:
        """Start the worker without importing anything (to read its sandbox report)."""
        self._worker()

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def root_label(self, root: int) -> str:
        return self.labels.get(root, f"<object {root}>")

    def module(self, name: str) -> Remote:
        """The remote module ``name`` (one of the submission's modules). A module the student
        did not hand in fails the check that uses it, and only that check."""
        if name in self.missing:
            raise CheckFailed(f"{self.missing[name]}; this check uses it")
        if name not in self.modules:
            raise MaterialError(
                f"checks asked for module {name!r}; the spec's submission files give {self.modules}"
            )
        self._worker()
        return Remote(self, self.generation, self.roots[name])

    # -- requests --------------------------------------------------------------------------

    def request(self, request: Request, what: str, expect: type[R], name: str = "") -> R:
        """One request of the current check, charged to its budget and the submission's;
        the reply, which :func:`grader.protocol.parse_reply` has made an ``expect``."""
        self._worker()
        budgets = [self.check, self.submission]
        return self._send(request, budgets, what, expect, name, self.check_forbids)

    def value(self, request: Call | Fetch | GetItem, what: str) -> Any:
        """The value a call, a fetch or an item sends back."""
        return self.request(request, what, Value).value

    def _send(
        self,
        request: Request,
        budgets: list[Budget],
        what: str,
        expect: type[R],
        name: str = "",
        forbid: list[str] | None = None,
    ) -> R:
        """One request, charged to every budget in ``budgets`` and stopped by the first spent,
        with the APIs in ``forbid`` gated while it runs."""
        self._naming = name or what
        client = self.client
        assert client is not None
        try:
            try:
                reply = client.request(
                    request,
                    allowance(budgets),
                    self._encode_other,
                    self._decode_handle,
                    what,
                    forbid or (),
                )
            finally:
                for budget in budgets:
                    budget.charge(client.spent)
        except WorkerTimeout as exc:
            budget = exhausted(budgets, client.stopped_by or "wall")
            words = budget.words(client.stopped_by or "wall")
            raise WorkerTimeout(f"{what} was stopped: {budget.subject} {words}") from exc
        if isinstance(reply, Failure):
            raise _fault(reply, what)
        if not isinstance(reply, expect):  # parse_reply gives each request its reply type
            client.kill()
            raise BadReply(f"{what}: the worker's reply was malformed")
        return reply

    def _encode_other(self, value: Any) -> Any:
        if isinstance(value, Remote):
            if value._session is not self or value._generation != self.generation:
                raise WorkerDied(
                    "an object from before your code's process was restarted is no longer available"
                )
            if value._root in self.released:
                raise MaterialError(
                    f"a check used {value._label}, an object made by an earlier check; objects "
                    "in the worker live for one check, so make it again in this one"
                )
            if value._path and value._root in self.roots.values():
                self.used.add(f"{self.labels[value._root]}.{value._path[0]}")
            return {"$ref": [value._root, list(value._path)]}
        raise MaterialError(
            f"a check tried to send a {type(value).__name__} to the worker; only arrays, tensors, "
            "numbers, strings, lists, tuples, dicts and Remote handles can cross"
        )

    def _decode_handle(self, body: Any) -> Remote:
        if type(body) is not int:
            raise BadReply("malformed handle")
        self.labels.setdefault(body, self._naming)  # named after the call that made it
        if body not in self.roots.values():
            self.made.append(body)
        return Remote(self, self.generation, body)

    # -- helpers for check authors ----------------------------------------------------------

    def put(self, value: Any, label: str = "the check's object") -> Remote:
        """Create ``value`` inside the worker and return a handle to it (``label`` names it in messages)."""
        what = "creating an object in your code's process"
        return cast(Remote, self.request(Put(value), what, Made, name=label).handle)

    def load_weights(self, file: str, missing_ok: bool = False) -> Remote | None:
        """A submitted checkpoint, loaded in the worker with ``torch.load(weights_only=True)``;
        None if ``missing_ok`` and the file was not handed in."""
        what = f"loading {file}"
        reply = self.request(LoadWeights(file, missing_ok), what, Weights, f"the weights in {file}")
        if reply.handle is None and not missing_ok:
            raise BadReply(f"{what}: the worker's reply was not a handle to the weights")
        if reply.handle is not None:
            self.used.add(file)  # a check that scores the student's checkpoint reached it
        return cast(Remote | None, reply.handle)

    def define(self, source: str, name: str) -> Remote:
        """Run a few lines of instructor helper code in the worker; return a handle to ``name``."""
        reply = self.request(
            Define(source, name), f"defining helper {name}", Made, f"the check's helper {name}"
        )
        return cast(Remote, reply.handle)


def _fault(failure: Failure, what: str) -> SubmissionFault:
    """The fault a check sees for a request that did not finish in the worker."""
    message, exc_type, tb = failure.message, failure.type, failure.traceback
    if failure.kind == "limit":
        return SubmissionRaised(f"{what} {message}", exc_type=exc_type, student_traceback=tb)
    if failure.kind == "exit":
        return SubmissionRaised(f"{what} {message}", exc_type="SystemExit", student_traceback=tb)
    if failure.kind == "forbidden":
        return ForbiddenUse(f"{what}: {message}")
    if failure.kind == "codec":
        return BadReply(f"{what}: {message}")
    return SubmissionRaised(
        f"{what} raised {exc_type}: {message}", exc_type=exc_type, student_traceback=tb
    )


class SubmissionHandle:
    """The ``submission`` fixture: ``submission.<module>`` plus :meth:`put` and :meth:`define`."""

    def __init__(self, session: SubmissionSession) -> None:
        self._session = session

    def __getattr__(self, name: str) -> Remote:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._session.module(name)

    def put(self, value: Any, label: str = "the check's object") -> Remote:
        return self._session.put(value, label)

    def define(self, source: str, name: str) -> Remote:
        return self._session.define(source, name)

    def load_weights(self, file: str, missing_ok: bool = False) -> Remote | None:
        """The student's checkpoint ``file`` as a state dict inside the worker (for
        ``load_state_dict``). A missing file fails the check naming it, or with ``missing_ok``
        (an optional checkpoint) is None."""
        return self._session.load_weights(file, missing_ok)


__all__ = ["Remote", "SubmissionHandle", "SubmissionSession", "WorkerDied", "WorkerTimeout"]
