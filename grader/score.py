"""Score stage: attach the spec's points to check outcomes. The worker has no say in points."""

from __future__ import annotations

from grader.course import Assignment
from grader.models import (
    CheckOutcome,
    CheckResult,
    HandGraded,
    LoadedSubmission,
    PartResult,
    SubmissionResult,
)


def score(
    assignment: Assignment,
    loaded: LoadedSubmission,
    outcomes: list[CheckOutcome],
    *,
    seed: int,
    duration_s: float = 0.0,
    stdout_tail: str = "",
    isolation: str = "",
    grader_version: str = "",
) -> SubmissionResult:
    """A passed check earns its points from the spec; anything else earns none. The
    questions graded by hand are listed, ungraded: people grade them later."""
    spec = assignment.spec
    by_name = {o.name: o for o in outcomes}
    checks: list[CheckResult] = []
    parts: list[PartResult] = []
    for part in spec.parts:
        earned = 0.0
        for name, cfg in part.checks.items():
            outcome = by_name.get(name) or _not_run(assignment, name, loaded)
            points = cfg.points if outcome.status == "passed" else 0.0
            if outcome.status == "partial":
                points = round(cfg.points * outcome.fraction, 4)
            earned += points
            where = [loaded.locations[u] for u in outcome.uses if u in loaded.locations]
            checks.append(
                CheckResult(
                    part=part.name,
                    points=points,
                    max_points=cfg.points,
                    where=where,
                    **outcome.model_dump(),
                )
            )
        parts.append(PartResult(name=part.name, points=earned, max_points=part.max_points))
    return SubmissionResult(
        student=loaded.student,
        assignment=assignment.id,
        score=sum(p.points for p in parts),
        max_score=spec.max_points,
        gradable=loaded.gradable,
        not_gradable_reason=loaded.not_gradable,
        notes=loaded.notes,
        notebook=loaded.notebook.notebook if loaded.notebook is not None else None,
        parts=parts,
        checks=checks,
        seed=seed,
        content_hash=loaded.content_hash,
        duration_s=round(duration_s, 3),
        stdout_tail=stdout_tail,
        isolation=isolation,
        grader_version=grader_version,
        hand=[HandGraded(id=m.id, title=m.title, max_points=m.points) for m in spec.manual],
    )


def _not_run(assignment: Assignment, name: str, loaded: LoadedSubmission) -> CheckOutcome:
    message = "" if loaded.not_gradable else "this check did not run"  # the page says why once
    return CheckOutcome(
        name=name, visibility=assignment.checks[name], status="not_run", message=message
    )
