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

_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


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
    """The outcomes with their tracebacks pointed at notebook cells."""
    return [
        o.model_copy(update={"student_traceback": in_cells(o.student_traceback, notebook)})
        if o.student_traceback
        else o
        for o in outcomes
    ]
