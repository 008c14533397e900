"""Course grades in each LMS's own import format: ``grader export canvas|moodle|blackboard|csv``.

One module per format, each one class with the :class:`~grader.lmsexport.base.LmsExport`
interface, listed once in :data:`EXPORTS`; :func:`export_grades` is what the CLI calls. The
input is :class:`~grader.coursebook.models.CourseGrades` only: grades after late penalties and
overrides, on the course file's scale. See ``docs/lms-exports.md``.
"""

from __future__ import annotations

from pathlib import Path

from grader.coursebook.models import CourseGrades
from grader.lmsexport.base import LmsExport, LmsExportError, check_assignments
from grader.lmsexport.blackboard import BlackboardExport
from grader.lmsexport.canvas import CanvasExport
from grader.lmsexport.moodle import MoodleExport
from grader.lmsexport.plain import PlainExport
from grader.suggest import did_you_mean

__all__ = ["EXPORTS", "LmsExport", "LmsExportError", "export_grades", "export_path"]

EXPORTS: dict[str, LmsExport] = {
    e.name: e for e in (CanvasExport(), MoodleExport(), BlackboardExport(), PlainExport())
}
"""Each export by its name on the command line."""


def export_grades(
    kind: str, grades: CourseGrades, out: Path, assignments: list[str] | None = None
) -> Path:
    """Write ``grades`` in the ``kind`` format (a key of :data:`EXPORTS`) to ``out`` and
    return the file written.

    ``assignments`` are the columns, in order (None: the whole course,
    ``grades.assignment_ids()``). ``out`` is the file, or an existing folder to write
    :func:`export_path`'s name into. An unknown ``kind`` or assignment raises
    :class:`LmsExportError` naming the close ones.
    """
    export = EXPORTS.get(kind)
    if export is None:
        raise LmsExportError(
            f"no export format {kind!r}{did_you_mean(kind, EXPORTS)}; "
            f"choose one of {', '.join(EXPORTS)}"
        )
    ids = grades.assignment_ids() if assignments is None else list(assignments)
    check_assignments(grades, ids)
    path = out / export_path(export, ids) if out.is_dir() else out
    return export.write(grades, ids, path)


def export_path(export: LmsExport, assignments: list[str]) -> str:
    """The file name for a folder: ``canvas.csv`` for the course, ``canvas-<id>.csv`` for
    one assignment."""
    one = f"-{assignments[0]}" if len(assignments) == 1 else ""
    return f"{export.name}{one}{export.suffix}"
