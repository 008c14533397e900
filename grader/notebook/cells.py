"""Say notebook cells, not module lines, in what a student reads.

The worker ran ``nn.py``, the module built from the notebook; a student knows only the
notebook. Tracebacks are rewritten (``File "nn.py", line 42`` becomes
``File "hw5.ipynb", cell 5, line 3``) and the units that failed while the module was built
become notes that name their cell.
"""

from __future__ import annotations

import re

from grader.models import CheckOutcome, NotebookSource, UnitProblem

__all__ = ["in_cells", "outcomes_in_cells", "unit_notes"]

# A line number has at most 9 digits: a student's message can hold any text, and int() of
# thousands of digits raises (Python's limit on int-from-string conversion).
_FRAME = re.compile(r'File "(?P<file>[^"\n]{1,500})", line (?P<line>\d{1,9})(?!\d)')
_NO_ATTRIBUTE = re.compile(
    r"raised AttributeError: module '(?P<module>\w+)' has no attribute '(?P<name>\w+)'"
)


def in_cells(traceback: str, notebook: NotebookSource) -> str:
    """``traceback`` with each frame in the notebook's module pointed at its cell."""

    def cell_frame(match: re.Match[str]) -> str:
        if match["file"] != notebook.file:
            return match[0]
        found = notebook.cell_of(int(match["line"]))
        if found is None:
            return match[0]
        cell, line = found
        return f'File "{notebook.notebook}", cell {cell}, line {line}'

    return _FRAME.sub(cell_frame, traceback)


def unit_notes(problems: list[UnitProblem], notebook: NotebookSource) -> list[str]:
    """One note per unit that failed while the notebook's module was built."""
    notes = []
    for problem in problems:
        what = (
            f"{problem.type}: {problem.message}" if problem.type != "Timeout" else problem.message
        )
        notes.append(
            f"{notebook.notebook}, {problem.label} failed and was skipped ({what}); "
            "the rest of the notebook was still graded, but what this code defines is missing"
        )
    return notes


def outcomes_in_cells(outcomes: list[CheckOutcome], notebook: NotebookSource) -> list[CheckOutcome]:
    """The outcomes with their tracebacks pointed at notebook cells, and a check that reached
    for a function the notebook does not define failed with that said plainly."""
    out = []
    for outcome in outcomes:
        if outcome.student_traceback:
            traceback = in_cells(outcome.student_traceback, notebook)
            outcome = outcome.model_copy(update={"student_traceback": traceback})
        out.append(_not_defined(outcome, notebook) or outcome)
    return out


def _not_defined(outcome: CheckOutcome, notebook: NotebookSource) -> CheckOutcome | None:
    """A check that erred because the notebook lacks a top-level name it looks up (the
    notebook stands for a module the student did not hand in as a .py file): failed, not an
    error, naming the function and the module it stands for."""
    found = _NO_ATTRIBUTE.search(outcome.message) if outcome.status == "error" else None
    if found is None or found["module"] not in notebook.modules + [notebook.file[:-3]]:
        return None
    name = found["name"]
    wanted = next((u for u in outcome.uses if u.endswith(f".{name}")), name)
    module = wanted.split(".", 1)[0] if "." in wanted else found["module"]
    return outcome.model_copy(
        update={
            "status": "failed",
            "message": f"{name} is not defined in your notebook {notebook.notebook}: this check "
            f"uses {wanted}, which would be in {module}.py; define {name} in a cell of the "
            f"notebook (or hand in {module}.py)",
            "student_traceback": "",
        }
    )
