"""``grader ci``: grade a student's repository on push, in one command.

Runs the public checks (as ``grader check``), or every check when the instructor provides a
full course folder (``--course`` or ``$GRADER_COURSE``, the private checks bundle). With the
private course the student's folder is only read as a submission: its ``.grader/`` bundle is
not used, nothing in it is imported or run on this side, and the submission runs only in a
sandbox that cannot read the course (see :mod:`grader.ci.guard`). With the public
checks, the bundle's checks are the student's own copies, so there is nothing to keep. Then it
writes the JUnit XML, appends a Markdown summary to ``$GITHUB_STEP_SUMMARY`` when that is
set (with the sandbox's mode: full, or weaker and why), and returns the annotations to print
when running under CI. The job fails (exit 1) when the score is below the threshold:
``--threshold``, else the spec's ``[ci] pass_percent``; with none (0) it never fails on the
score, and the summary says "no threshold set" beside a neutral icon. With ``classroom50``
it also writes Classroom 50's ``result.json`` there (:mod:`grader.ci.classroom50`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from grader import atomic
from grader.ci.classroom50 import write_result
from grader.ci.guard import private_course_allowed, sandbox_mode
from grader.ci.outputs import annotation_lines, junit_xml, markdown_summary
from grader.errors import InstructorError
from grader.selfcheck.run import SelfCheckReport, full_check, self_check

__all__ = ["CiOutcome", "ci_percent", "run_ci"]


class CiOutcome(BaseModel):
    """What one ``grader ci`` run found and wrote."""

    model_config = ConfigDict(extra="forbid")

    report: SelfCheckReport
    percent: float
    threshold: float
    passed: bool
    junit: Path
    summary: Path | None = None
    annotations: list[str] = []
    sandbox: str = ""
    result_json: Path | None = None


def ci_percent(report: SelfCheckReport) -> float:
    """The score the threshold applies to. With the public checks only, a check that cannot
    run on this machine (``not_run``: it needs the instructor's solution on the student's
    outputs) counts neither for nor against; with every check, it counts against."""
    r = report.result
    if report.mode != "public checks":
        return r.percent
    most = sum(c.max_points for c in r.checks if c.status != "not_run")
    return 100.0 * r.awarded / most if most else 0.0


def run_ci(
    path: Path,
    assignment_id: str | None,
    *,
    env: Mapping[str, str],
    course: Path | None = None,
    bundle: Path | None = None,
    threshold: float | None = None,
    junit: Path = Path("grader-junit.xml"),
    seed: int | None = None,
    sandbox: bool = True,
    classroom50: Path | None = None,
) -> CiOutcome:
    """Grade ``path`` and write the CI outputs; ``env`` is the process environment."""
    if threshold is not None and not 0 <= threshold <= 100:
        raise InstructorError(
            f"--threshold must be a percentage from 0 to 100, given: {threshold:g}"
        )
    course = course or (Path(env["GRADER_COURSE"]) if env.get("GRADER_COURSE") else None)
    if course is not None:
        if assignment_id is None:
            raise InstructorError("grading with a course folder needs --assignment ID")
        course = course.resolve()
        private_course_allowed(path.resolve(), course, sandbox=sandbox, env=env)
        report = full_check(path, course, assignment_id, seed=seed, sandbox=sandbox)
    else:
        report = self_check(path, assignment_id, bundle=bundle, sandbox=sandbox)
    limit = report.pass_percent if threshold is None else threshold
    percent = ci_percent(report)
    passed = percent >= limit
    atomic.write_bytes(junit, junit_xml(report))
    if classroom50 is not None:
        write_result(report, env, classroom50)
    summary = Path(env["GITHUB_STEP_SUMMARY"]) if env.get("GITHUB_STEP_SUMMARY") else None
    mode = sandbox_mode(sandbox)
    if summary is not None:
        with summary.open("a", encoding="utf-8") as handle:
            handle.write(markdown_summary(report, percent, limit, mode) + "\n")
    under_ci = env.get("GITHUB_ACTIONS") == "true" or env.get("CI") == "true"
    workspace = Path(env.get("GITHUB_WORKSPACE") or Path.cwd())
    return CiOutcome(
        report=report,
        percent=percent,
        threshold=limit,
        passed=passed,
        junit=junit,
        summary=summary,
        annotations=annotation_lines(report, workspace) if under_ci else [],
        sandbox=mode,
        result_json=classroom50,
    )
