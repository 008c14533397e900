"""Inside Gradescope's image: grade ``<root>/submission`` and write ``<root>/results/results.json``.

``run_autograder`` runs ``python -m grader.export.autograder --root /autograder --assignment ID``.
The steps, top to bottom (:func:`run_autograder`):

1. **stage**: ``<root>/grading/submissions/submission`` links to ``<root>/submission``, a
   class of one for ``grader grade`` (its loader finds the files in a zipped sub-folder too);
2. **grade**: ``grader grade`` in a child process, with every check, public and hidden, on the
   CPU (Gradescope has no GPU), into ``<root>/grading/results`` (outside ``/tmp``, which a
   weaker sandbox lets the submission write). Its log is Gradescope's ``stdout``, which only
   instructors see;
3. **collect**: the student's ``results.json`` (:mod:`grader.report.gradescope`: visibility
   per check, per-check output, no leaderboard) and the sandbox ``result.json`` reports;
4. **record**: ``submission_metadata.json``'s submission time and due dates, and the
   sandbox's isolation, go into ``extra_data``; a late submission says so in ``output``;
5. **write** ``<root>/results/results.json`` atomically.

A submission that cannot be graded (a syntax error, no files) is a result with a plain
reason, as in any class. Should the grader itself stop without a result, the student still
gets a valid ``results.json`` that says the problem is not theirs, and the log has the cause.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, JsonValue, ValidationError

from grader import atomic
from grader.report.gradescope import RESULTS_FILE, GradescopeResults

__all__ = ["AutograderResults", "SubmissionMetadata", "main", "run_autograder"]

STUDENT = "submission"
"""The one student's name in the class of one (and in the feedback's heading)."""
GRADE_CODES = (0, 3)  # grader grade wrote a result: all went well, or its own fault is in it


class AutograderResults(GradescopeResults):
    """Gradescope's ``results.json`` with ``extra_data``, which Gradescope stores for the
    instructor and does not show."""

    extra_data: dict[str, JsonValue] = {}


class GradescopeAssignment(BaseModel):
    # Gradescope's file: its other fields are ignored, not refused, so a new one is no error
    model_config = ConfigDict(extra="ignore")

    due_date: str | None = None
    late_due_date: str | None = None
    title: str | None = None


class SubmissionMetadata(BaseModel):
    """What we use of ``submission_metadata.json``."""

    model_config = ConfigDict(extra="ignore")

    id: int | str | None = None
    created_at: str | None = None
    assignment: GradescopeAssignment = GradescopeAssignment()


def run_autograder(root: Path, assignment: str, *, python: str = sys.executable) -> Path:
    """Grade ``root/submission`` with the course in ``root/source/course``; return the path
    of the ``results.json`` written."""
    metadata = read_metadata(root / "submission_metadata.json")
    submissions, out = stage(root)
    code = grade(python, root / "source" / "course", assignment, submissions, out)
    results = collect(out / STUDENT, code)
    results = record(results, metadata, _isolation(out / STUDENT))
    path = root / "results" / RESULTS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, results.model_dump_json(indent=2, exclude_none=True) + "\n")
    return path


def read_metadata(path: Path) -> SubmissionMetadata:
    """Gradescope's metadata, or an empty one when the file is missing or unreadable."""
    try:
        return SubmissionMetadata.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as exc:
        print(f"note: {path} not used ({type(exc).__name__})", flush=True)
        return SubmissionMetadata()


def stage(root: Path) -> tuple[Path, Path]:
    """A fresh ``root/grading/`` with the class of one; return (submissions, results)."""
    work = root / "grading"
    shutil.rmtree(work, ignore_errors=True)
    submissions = work / "submissions"
    submissions.mkdir(parents=True)
    (submissions / STUDENT).symlink_to((root / "submission").resolve(), target_is_directory=True)
    return submissions, work / "results"


def grade(python: str, course: Path, assignment: str, submissions: Path, out: Path) -> int:
    """``grader grade`` on the class of one, its log on our stdout; its exit code."""
    command = [python, "-c", "from grader.cli import main; main()", "grade", str(submissions)]
    command += ["--assignment", assignment, "--out", str(out), "--course", str(course)]
    command += ["--device", "cpu", "--jobs", "1"]
    print("$ grader " + " ".join(command[3:]), flush=True)
    return subprocess.run(command, check=False).returncode  # noqa: S603 - our own command


def collect(student_dir: Path, code: int) -> AutograderResults:
    """The student's ``results.json``, or one saying the grader stopped without it."""
    path = student_dir / RESULTS_FILE
    try:
        return AutograderResults.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as exc:
        why = f"exit code {code}" if code not in GRADE_CODES else type(exc).__name__
        print(f"error: no usable {path} ({why}); see the log above", flush=True)
        return AutograderResults(
            score=0.0,
            output=(
                "The autograder could not grade this submission: the grader stopped before "
                "it wrote a result. This is a problem on the course's side, not in your code; "
                "your instructor can see the log and regrade it."
            ),
            output_format="text",
            stdout_visibility="hidden",
            extra_data={"grader_error": why},
        )


def record(
    results: AutograderResults, metadata: SubmissionMetadata, isolation: str
) -> AutograderResults:
    """``results`` with the submission's times and the sandbox's isolation in ``extra_data``,
    and a line in ``output`` when the submission came after its due date."""
    due = metadata.assignment.due_date
    late = _after(metadata.created_at, due)
    extra: dict[str, JsonValue] = {
        "submitted_at": metadata.created_at,
        "due_date": due,
        "late_due_date": metadata.assignment.late_due_date,
        "late": late,
        "isolation": isolation,
    }
    output = results.output
    if late:
        output = f"{output}\n\nSubmitted {metadata.created_at}, after the due date ({due})."
    return results.model_copy(
        update={"output": output, "extra_data": {**results.extra_data, **extra}}
    )


def _after(submitted: str | None, due: str | None) -> bool | None:
    """Whether ``submitted`` is later than ``due`` (ISO 8601); None when either is unknown."""
    if not submitted or not due:
        return None
    try:
        return datetime.fromisoformat(submitted) > datetime.fromisoformat(due)
    except (TypeError, ValueError):  # unparsable, or one with a time zone and one without
        return None


def _isolation(student_dir: Path) -> str:
    """How the submission was confined, as its ``result.json`` reports ("" when unknown)."""
    from grader.models import SubmissionResult

    try:
        result = SubmissionResult.model_validate_json((student_dir / "result.json").read_bytes())
    except (OSError, ValidationError):
        return ""
    if "WEAKER" in result.isolation or "NO SANDBOX" in result.isolation:
        print(f"warning: the sandbox was weaker than full isolation: {result.isolation}")
    return result.isolation


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.export.autograder")
    parser.add_argument("--root", type=Path, default=Path("/autograder"))
    parser.add_argument("--assignment", required=True)
    args = parser.parse_args(argv)
    path = run_autograder(args.root.resolve(), args.assignment)
    print(f"wrote {path}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
