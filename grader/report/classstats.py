"""The class in numbers: what the class report shows, computed from the students' results.

:func:`class_stats` is a pure function of the :class:`~grader.models.SubmissionResult` list
(and of the result files that could not be read); the page only lays the numbers out.

Two populations, on purpose:

* scores, the histogram and the per-part averages count **every readable result**, a
  submission that is not gradable scoring 0, as in the gradebook;
* the per-check pass rates count the **gradable** submissions only: a submission that could
  not be run says nothing about how hard a check is.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from grader.models import STATUS, CheckResult, Status, SubmissionResult, Visibility
from grader.report.gradebook import part_names

__all__ = ["RosterRow", "Unreadable", "class_stats", "roster_row"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Unreadable(_Model):
    """A ``result.json`` that could not be read back; the page lists it."""

    student: str
    path: Path
    problem: str


class CheckStat(_Model):
    """How one check went across the gradable submissions."""

    name: str
    part: str
    visibility: Visibility
    max_points: float
    pass_rate: float = Field(ge=0.0, le=1.0)
    """Mean credit: passed counts 1, partial its fraction, anything else 0."""
    counts: dict[Status, int]
    """Submissions per status, every status present (0 where none)."""
    mean_duration_s: float


class PartStat(_Model):
    """One part's average over the class (not-gradable submissions score 0)."""

    name: str
    mean_points: float
    max_points: float
    mean_percent: float


class NotGradable(_Model):
    student: str
    reason: str
    notes: list[str] = Field(default_factory=list)
    grader_fault: str | None = None  # the grader's own code failed on it: a bug to report


class Timing(_Model):
    """One submission's wall time, with its score to spot slow-and-wrong ones."""

    student: str
    duration_s: float
    score: float
    max_score: float
    percent: float
    gradable: bool


RosterStatus = Literal["graded", "zero", "not gradable"]
"""zero: graded, but no points; a not-gradable submission also scores 0."""


class RosterRow(_Model):
    """One student in the roster table: the score, the late penalty and the final score."""

    student: str
    score: float
    """The checks' points (0 when not gradable), before the late penalty."""
    max_score: float
    late_percent: float
    late_points: float
    final: float
    status: RosterStatus
    reason: str = ""
    """Why it could not be graded (not gradable only)."""
    feedback: str = ""
    """The link to the student's feedback page, relative to the page (empty: none)."""

    @property
    def percent(self) -> float:
        return 100.0 * self.final / self.max_score if self.max_score else 0.0


class ClassStats(_Model):
    """Everything the class report shows, in the order it shows it."""

    assignment: str
    count: int
    """Readable results (gradable or not)."""
    gradable_count: int
    max_score: float
    mean_percent: float
    median_percent: float
    max_percent: float
    min_percent: float
    percents: list[float]
    """Every readable result's percent (not gradable: 0), sorted by student."""
    checks: list[CheckStat]
    """Hardest first: lowest pass rate, ties in the spec's order."""
    parts: list[PartStat]
    not_gradable: list[NotGradable]
    timings: list[Timing]
    """Slowest first."""
    total_duration_s: float
    """The sum of every submission's grading time, across the lanes (not the run's wall time)."""
    unreadable: list[Unreadable]
    seeds: list[int]
    roster: list[RosterRow] = Field(default_factory=list)
    """Every readable result, by student."""

    @property
    def flagged(self) -> list[RosterRow]:
        """The students to call out: zero scores and submissions that were not gradable."""
        return [row for row in self.roster if row.status != "graded"]


def class_stats(
    results: list[SubmissionResult],
    unreadable: list[Unreadable] | None = None,
    links: dict[str, str] | None = None,
) -> ClassStats:
    """The numbers of the class report, from one assignment's results.

    ``results`` must be non-empty and of one assignment; the caller
    (:func:`grader.report.results.read_results`) guarantees both. ``links``: each student's
    feedback page, relative to where the page goes (a student without one is not linked).
    """
    ordered = sorted(results, key=lambda r: r.student)
    percents = [r.percent for r in ordered]  # the score to report: not gradable is 0
    return ClassStats(
        assignment=ordered[0].assignment,
        count=len(ordered),
        gradable_count=sum(r.gradable for r in ordered),
        max_score=max(r.max_score for r in ordered),
        mean_percent=statistics.fmean(percents),
        median_percent=statistics.median(percents),
        max_percent=max(percents),
        min_percent=min(percents),
        percents=percents,
        checks=check_stats(ordered),
        parts=part_stats(ordered),
        not_gradable=[
            NotGradable(
                student=r.student,
                reason=r.not_gradable_reason or "No reason was recorded.",
                notes=list(r.notes),
                grader_fault=r.grader_fault,
            )
            for r in ordered
            if not r.gradable
        ],
        timings=timings(ordered),
        total_duration_s=sum(r.duration_s for r in ordered),
        unreadable=sorted(unreadable or [], key=lambda u: u.student),
        seeds=sorted({r.seed for r in ordered}),
        roster=[roster_row(r, (links or {}).get(r.student, "")) for r in ordered],
    )


def roster_row(result: SubmissionResult, feedback: str = "") -> RosterRow:
    """One student's line in the roster; a zero is a gradable result with no points."""
    status: RosterStatus = "not gradable" if not result.gradable else "graded"
    if result.gradable and result.awarded == 0:
        status = "zero"
    return RosterRow(
        student=result.student,
        score=result.awarded,
        max_score=result.max_score,
        late_percent=result.late_percent,
        late_points=result.late_points,
        final=result.final,
        status=status,
        reason="" if result.gradable else result.not_gradable_reason or "No reason was recorded.",
        feedback=feedback,
    )


def check_stats(results: list[SubmissionResult]) -> list[CheckStat]:
    """Per-check pass rates over the gradable results, hardest first."""
    by_name: dict[str, list[CheckResult]] = {}
    for result in results:
        if result.gradable:
            for check in result.checks:
                by_name.setdefault(check.name, []).append(check)
    stats = [_check_stat(checks) for checks in by_name.values()]
    order = {name: i for i, name in enumerate(by_name)}
    return sorted(stats, key=lambda s: (s.pass_rate, order[s.name]))


def _check_stat(checks: list[CheckResult]) -> CheckStat:
    first = checks[0]
    counts = dict.fromkeys(STATUS, 0)
    for check in checks:
        counts[check.status] += 1
    return CheckStat(
        name=first.name,
        part=first.part,
        visibility=first.visibility,
        max_points=max(c.max_points for c in checks),
        pass_rate=min(statistics.fmean(c.credit for c in checks), 1.0),
        counts=counts,
        mean_duration_s=statistics.fmean(c.duration_s for c in checks),
    )


def part_stats(results: list[SubmissionResult]) -> list[PartStat]:
    """Per-part mean points over every result (not gradable: 0), parts in spec order."""
    stats = []
    for name in part_names(results):
        earned = [r.awarded_in(name) for r in results]
        max_points = max(_part_max(r, name) for r in results)
        mean = statistics.fmean(earned)
        stats.append(
            PartStat(
                name=name,
                mean_points=mean,
                max_points=max_points,
                mean_percent=100.0 * mean / max_points if max_points else 0.0,
            )
        )
    return stats


def _part_max(result: SubmissionResult, name: str) -> float:
    for part in result.parts:
        if part.name == name:
            return part.max_points
    return sum(c.max_points for c in result.checks if c.part == name)


def timings(results: list[SubmissionResult]) -> list[Timing]:
    """Each submission's wall time, slowest first (ties by student)."""
    rows = [
        Timing(
            student=r.student,
            duration_s=r.duration_s,
            score=r.awarded,
            max_score=r.max_score,
            percent=r.percent,
            gradable=r.gradable,
        )
        for r in results
    ]
    return sorted(rows, key=lambda t: (-t.duration_s, t.student))
