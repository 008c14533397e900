"""``from grader import check``: the self-check from Python, for a notebook cell.

It prints plain text and never exits the interpreter; a problem finding the checks is printed
as one line, not raised, so a notebook shows the fix rather than a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

from grader.errors import InstructorError
from grader.selfcheck.run import self_check
from grader.selfcheck.show import details as details_text
from grader.selfcheck.show import plain

__all__ = ["check"]


def check(
    assignment_id: str | None = None, path: str | Path = ".", *, details: bool = False
) -> None:
    """Run the public checks on the files saved in ``path`` and print a per-check table.

    In a notebook, the saved ``.ipynb`` is what gets checked (unless the ``.py`` files are
    there): save first. ``details=True`` also prints each check that did not pass in full.
    """
    target = Path(path)
    if target.is_dir() and "ipykernel" in sys.modules:  # called from a notebook cell
        target = _this_notebook(target, assignment_id) or target
    try:
        report = self_check(target, assignment_id)
    except InstructorError as exc:
        print(f"error: {exc}")
        return
    print(plain(report, f"check({report.assignment!r}, details=True) shows each check in full"))
    notebooks = sorted(p.name for p in report.folder.glob("*.ipynb"))
    if report.checked.startswith("the saved notebook"):
        print(f"checked {report.checked}: save the notebook first to check your latest edits")
    elif notebooks:
        print(
            f"checked {report.checked}, not {', '.join(notebooks)}: when the .py files are there "
            "they are what gets checked and handed in; to check a notebook, keep it in a "
            "folder without them"
        )
    if details:
        print()
        print(details_text(report))


def _this_notebook(folder: Path, assignment_id: str | None) -> Path | None:
    """In a notebook, the notebook to check: the one named after the assignment, else the
    only one in the folder, else None (then the folder's files are checked)."""
    notebooks = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    named = [p for p in notebooks if assignment_id and p.stem == assignment_id]
    if named:
        return named[0]
    return notebooks[0] if len(notebooks) == 1 else None
