"""pytest, driven by hand: configured and collected once, its items run when the caller asks.

:func:`collected` does what ``pytest.main`` does (``_pytest.main.wrap_session``) up to the end
of collection, hands the session over, and finishes and unconfigures it on the way out, whatever
raised. The caller runs the collected items itself, with ``pytest_runtest_protocol``, as
pytest's own run loop does (:meth:`grader.checks.plugin.GraderPlugin.run`). While the session
is open, ``sys.stdout`` and ``sys.stderr`` go to a sink, as they did around ``pytest.main``
(pytest's terminal output is not ours to show: the report is), and third-party plugins
installed beside us are not loaded.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from typing import Any

import pytest
from _pytest.config import ConftestImportFailure, _prepareconfig

from grader.course import Assignment
from grader.errors import MaterialError

__all__ = ["UNUSED_PLUGINS", "collected", "foreground_args", "pytest_args"]

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
    """Command line for one in-process pytest session over the assignment's checks."""
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
        "--assert=rewrite",  # a failed assert shows its values (redacted in hidden checks)
        "-q",
        "--no-header",
        "--tb=no",
    ]


# -- the author's foreground run (grader test) ---------------------------------------------

# What an author at the terminal uses: --pdb, faulthandler, log capture, warnings summary.
FOREGROUND_PLUGINS = ("debugging", "faulthandler", "logging", "warnings")
# The grading run's quiet output options; pytest's own output is what an author wants.
QUIET_ARGS = ("-q", "--no-header", "--tb=no")


def foreground_args(assignment: Assignment) -> list[str]:
    """:func:`pytest_args` for an author's run in the foreground (``grader test``): the same
    checks and settings, with pytest's normal output and the plugins an author debugs with."""
    args, kept = pytest_args(assignment), []
    for index, arg in enumerate(args):
        wanted = args[index + 1] if arg == "-p" and index + 1 < len(args) else arg
        if arg in QUIET_ARGS or wanted.removeprefix("no:") in FOREGROUND_PLUGINS:
            continue
        kept.append(arg)
    return kept


@contextlib.contextmanager
def collected(args: list[str], plugin: Any, *, quiet: bool = True) -> Iterator[pytest.Session]:
    """A pytest session over ``args`` with ``plugin`` registered, its items collected (a
    collection error reaches the plugin's ``pytest_collectreport``, as in any pytest run).
    ``quiet=False`` (``grader test``) lets pytest's terminal output through."""
    with _quiet() if quiet else contextlib.nullcontext(), _environment():
        config = _config(args, plugin)
        try:
            session = pytest.Session.from_config(config)
            session.exitstatus = pytest.ExitCode.OK
            config._do_configure()
            config.hook.pytest_sessionstart(session=session)
            try:
                config.hook.pytest_collection(session=session)
                yield session
            finally:
                os.chdir(session.startpath)
                config.hook.pytest_sessionfinish(session=session, exitstatus=session.exitstatus)
        finally:
            config._ensure_unconfigure()


def _config(args: list[str], plugin: Any) -> pytest.Config:
    """pytest's configuration, as ``pytest.main(args, plugins=[plugin])`` makes it."""
    try:
        return _prepareconfig(args, [plugin])
    except ConftestImportFailure as exc:  # the checks' own conftest.py: the instructor's
        raise MaterialError(f"a conftest.py of the checks cannot be imported: {exc}") from exc


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """pytest's terminal output is not ours to show: the report is."""
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        yield


@contextlib.contextmanager
def _environment() -> Iterator[None]:
    """What ``pytest.main`` sets (``PYTEST_VERSION``), and only our plugin: third-party plugins
    installed beside us must not change how checks run."""
    names = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTEST_VERSION": pytest.__version__}
    old = {name: os.environ.get(name) for name in names}
    os.environ.update(names)
    try:
        yield
    finally:
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
