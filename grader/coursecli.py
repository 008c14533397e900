"""The course commands: ``grader regrade``, ``grader override``, ``grader course-page`` and
``grader export canvas|moodle|blackboard|csv``; all read the course file and its gradebook.

:func:`register` adds them to the ``grader`` app (:mod:`grader.cli`). The course file is
``--course-file``, else ``course.toml`` in the course folder; the gradebook is
``--gradebook``, else the course file's ``gradebook`` entry (see :mod:`grader.courserun`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from grader.errors import InstructorError
from grader.safetext import printable

if TYPE_CHECKING:  # each command imports what it runs: `grader --help` stays quick
    from grader.coursebook.models import CourseGrades
    from grader.courserun import CourseRun
    from grader.models import HandGraded

__all__ = [
    "LMS_EXPORTS",
    "CourseFileOpt",
    "GradebookOpt",
    "SubmittedAtOpt",
    "course_grades",
    "hand_grades_for",
    "open_course",
    "register",
]

CourseFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--course-file",
        help="The course file: roster, due dates, late policy (default: course.toml in the "
        "course folder, when there is one).",
    ),
]
GradebookOpt = Annotated[
    Path | None,
    typer.Option(
        "--gradebook",
        help="The course gradebook (SQLite; default: the course file's `gradebook` entry).",
    ),
]
SubmittedAtOpt = Annotated[
    Path | None,
    typer.Option(
        "--submitted-at",
        help="A CSV of submission times (student, submitted_at), e.g. from the LMS's download.",
    ),
]
_CourseOpt = Annotated[
    Path | None,
    typer.Option(
        "--course", help="Course folder with assignments/ and reference/ (default: found from cwd)."
    ),
]

LMS_EXPORTS = {
    "canvas": "Canvas",
    "moodle": "Moodle",
    "blackboard": "Blackboard",
    "csv": "plain CSV",
}
"""``grader export KIND``: the kinds of :data:`grader.lmsexport.EXPORTS` and how the help
names them (a test keeps the two the same; the registry itself is imported only when used)."""

_out = Console(soft_wrap=True)


def _say(text: str) -> None:
    _out.print(printable(text), markup=False, highlight=False)


def _root(course: Path | None) -> Path:
    from grader.course import find_course

    return course.resolve() if course is not None else find_course()


def open_course(
    course: Path | None, course_file: Path | None, gradebook: Path | None
) -> tuple[Path, CourseRun]:
    """The course folder and its course run; fails fast when there is no course file."""
    from grader.courserun import COURSE_FILE, course_run

    root = _root(course)
    run = course_run(root, course_file, gradebook)
    if run is None:
        raise InstructorError(
            f"no course file: {root / COURSE_FILE} does not exist; give one with --course-file "
            "(see examples/course.toml and docs/course.md)"
        )
    return root, run


def course_grades(
    course: Path | None, course_file: Path | None, gradebook: Path | None
) -> CourseGrades:
    """Every grade of the course, from its gradebook (which must exist)."""
    from grader.coursebook.store import Coursebook

    _, run = open_course(course, course_file, gradebook)
    with Coursebook.open(run.gradebook, create=False) as book:
        return book.grades(run.course)


def hand_grades_for(
    results_dir: Path, course: Path | None, course_file: Path | None, gradebook: Path | None
) -> dict[str, list[HandGraded]]:
    """The grades given by hand of the assignment graded into ``results_dir``, by student,
    from the course gradebook; empty without a course file or gradebook (an error when one
    was asked for by an option) or when the assignment has no questions graded by hand."""
    from grader.coursebook.handback import hand_graded
    from grader.coursebook.store import Coursebook
    from grader.courserun import course_run

    asked = course is not None or course_file is not None or gradebook is not None
    try:
        run = course_run(_root(course), course_file, gradebook)
    except InstructorError:
        if asked:
            raise
        return {}
    if run is None or (not asked and not run.gradebook.is_file()):
        return {}
    assignment = _graded_assignment(results_dir)
    if assignment is None:
        return {}
    with Coursebook.open(run.gradebook, create=False) as book:
        return hand_graded(book, assignment)


def _graded_assignment(results_dir: Path) -> str | None:
    """The assignment a results folder holds: its ``run.json``, else a ``result.json``."""
    from pydantic import ValidationError

    from grader.models import RunInfo, SubmissionResult

    try:
        return RunInfo.model_validate_json((results_dir / "run.json").read_bytes()).assignment
    except (OSError, ValidationError):
        pass
    for path in sorted(results_dir.glob("*/result.json")):
        try:
            return SubmissionResult.model_validate_json(path.read_bytes()).assignment
        except (OSError, ValidationError):
            continue
    return None


def regrade_cmd(
    assignment: Annotated[str, typer.Option("--assignment", "-a", help="Assignment id.")],
    student: Annotated[
        list[str] | None,
        typer.Option("--student", "-s", help="Only this student (repeat for more)."),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Lanes in parallel.")] = 1,
    seed: Annotated[
        int | None,
        typer.Option("--seed", help="Seed for the checks (default: the one graded with before)."),
    ] = None,
    sandbox: Annotated[bool, typer.Option("--sandbox/--no-sandbox")] = True,
    course: _CourseOpt = None,
    course_file: CourseFileOpt = None,
    gradebook: GradebookOpt = None,
) -> None:
    """Grade an assignment again where it was last graded; log and print what changed."""
    from grader.coursebook.store import Coursebook, summarize
    from grader.grade import grade
    from grader.lane import previous_result

    root, run = open_course(course, course_file, gradebook)
    with Coursebook.open(run.gradebook, create=False) as book:
        last = book.last_run(assignment)
        recorded = book.grades(run.course, assignment).rows
    if last is None:
        raise InstructorError(
            f"{run.gradebook}: no grading of {assignment!r} is recorded; grade it first with "
            f"`grader grade SUBMISSIONS -a {assignment}` (with this course file)"
        )
    # the times a manifest gave last time are the record; a regrade keeps them
    kept = {
        r.student: r.submitted_at
        for r in recorded
        if r.submitted_source == "manifest" and r.submitted_at is not None
    }
    run = run.model_copy(update={"times": kept})
    if seed is None:
        before = [previous_result(last.out_dir, r.student) for r in recorded]
        seeds = [b.seed for b in before if b is not None]
        seed = max(set(seeds), key=seeds.count) if seeds else None
    report = grade(
        root,
        assignment,
        last.submissions_dir,
        last.out_dir,
        jobs=jobs,
        seed=seed,
        force=True,
        sandbox=sandbox,
        course_run=run,
        only=student,
        reason="regrade",
    )
    _say(f"regraded {len(report.results)} submissions of {assignment} (seed {report.seed})")
    _say(summarize(report.changes))
    _say(f"results: {last.out_dir}; audit log: {run.gradebook}")


def override_cmd(
    assignment: Annotated[str, typer.Option("--assignment", "-a", help="Assignment id.")],
    student: Annotated[str, typer.Option("--student", "-s", help="The student.")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why; it goes in the audit log and the exports.")
    ],
    points: Annotated[
        float | None,
        typer.Option("--points", help="The score that counts, in the assignment's points."),
    ] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Remove the override: the computed score counts.")
    ] = False,
    course: _CourseOpt = None,
    course_file: CourseFileOpt = None,
    gradebook: GradebookOpt = None,
) -> None:
    """Set (or --clear) a manual score that replaces the computed one and survives regrades."""
    import getpass

    from grader.coursebook.store import Coursebook

    if (points is None) == (not clear):
        raise InstructorError("give --points P to set an override, or --clear to remove it")
    _, run = open_course(course, course_file, gradebook)
    with Coursebook.open(run.gradebook, create=False) as book:
        if clear:
            entry = book.clear_override(student, assignment, reason, getpass.getuser())
        else:
            assert points is not None
            entry = book.set_override(student, assignment, points, reason, getpass.getuser())
    old = "-" if entry.old is None else f"{entry.old:g}"
    new = "-" if entry.new is None else f"{entry.new:g}"
    _say(f"{student} on {assignment}: {old} -> {new} ({entry.reason}); logged in {run.gradebook}")


def course_page_cmd(
    page: Annotated[Path, typer.Option("--out", "-o", help="Where the course page goes.")] = Path(
        "course.html"
    ),
    course: _CourseOpt = None,
    course_file: CourseFileOpt = None,
    gradebook: GradebookOpt = None,
) -> None:
    """Write the course page: each student's totals, each assignment's distribution."""
    from grader import atomic
    from grader.report.coursepage import render_course_page

    grades = course_grades(course, course_file, gradebook)
    html = render_course_page(grades, generated=datetime.now(), page=page.resolve())
    atomic.write_text(page, html)
    _say(f"course page: {page}")


def _lms_command(kind: str, label: str) -> Callable[..., None]:
    def export_cmd(
        out: Annotated[
            Path | None, typer.Option("--out", "-o", help="The file (default: KIND.csv here).")
        ] = None,
        assignment: Annotated[
            list[str] | None,
            typer.Option("--assignment", "-a", help="Only this assignment (repeat for more)."),
        ] = None,
        course: _CourseOpt = None,
        course_file: CourseFileOpt = None,
        gradebook: GradebookOpt = None,
    ) -> None:
        from grader.lmsexport import export_grades

        grades = course_grades(course, course_file, gradebook)
        target = out if out is not None else Path(f"{kind}.csv")
        written = export_grades(kind, grades, target, assignment)
        _say(f"wrote {written}: {kind} import, after late penalties and overrides")

    export_cmd.__doc__ = f"The course's grades for a {label} import (docs/lms-exports.md)."
    return export_cmd


def register(app: typer.Typer, export_app: typer.Typer) -> None:
    """Add the course commands to ``grader`` and ``grader export``."""
    app.command("regrade")(regrade_cmd)
    app.command("override")(override_cmd)
    app.command("course-page")(course_page_cmd)
    for kind, label in LMS_EXPORTS.items():
        export_app.command(kind)(_lms_command(kind, label))
