"""dl-grader: auto-grading for deep-learning courses.

Kept import-light on purpose: the worker process imports this package too (its grader
modules are listed by ``grader.worker.manifest.worker_modules()``), so nothing here may pull
in pytest, pydantic or the checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

__version__ = "0.1.0"
__all__ = ["__version__", "check"]


def check(
    assignment_id: str | None = None, path: str | Path = ".", *, details: bool = False
) -> None:
    """Run the public checks on your saved files in ``path`` and print a table of results.

    In a notebook: ``from grader import check; check("nn_numpy")``. The saved ``.ipynb`` is
    what gets checked, so save first. Hidden checks run when you hand in.
    """
    # imported here, so that `import grader` stays light
    from grader.selfcheck.api import check as run_check

    run_check(assignment_id, path, details=details)
