"""Plain ``pytest assignments/<id>/checks``: a message that says how to run the checks.

The checks' fixtures (``submission``, ``reference``) exist only inside a grader run, so plain
pytest stopped with "fixture 'submission' not found". Installed as a pytest plugin (the
``pytest11`` entry point), this module defines both, each failing with the command that runs
the checks: ``grader test -a <id>``. Any conftest's own fixtures of the same names win over
these, and a grading run loads no installed plugins, so nothing else changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import pytest

__all__ = ["reference", "submission"]


def _refuse(request: pytest.FixtureRequest) -> NoReturn:
    path = Path(str(request.node.path)).resolve()
    found = [
        p.parent.name
        for p in path.parents
        if p.name == "checks" and p.parent.parent.name == "assignments"
    ]
    name = found[0] if found else "ID"
    pytest.fail(
        f"these are grader checks: the fixtures submission and reference exist only in a "
        f"grader run; run them with `grader test -a {name}` (the reference; --submission DIR "
        f"or --mutant NAME for others), not with plain pytest",
        pytrace=False,
    )


@pytest.fixture
def submission(request: pytest.FixtureRequest) -> NoReturn:
    """Only in a grader run (``grader test -a ID``)."""
    _refuse(request)


@pytest.fixture
def reference(request: pytest.FixtureRequest) -> NoReturn:
    """Only in a grader run (``grader test -a ID``)."""
    _refuse(request)
