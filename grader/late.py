"""The late-policy rule: how much a submission loses for being late, shown, never applied.

:func:`late_penalty` is pure: it returns a :class:`LatePenalty` (minutes late, percent off,
a sentence saying why); applying the percent to a score is the caller's job, and the reason
goes into the feedback and the gradebook beside it.

The rule, in order:

1. The deadline is the assignment's due date, moved by an extension (``until`` a new
   deadline, read in the due date's time zone when it has no offset; or ``days`` more, which
   keeps the wall-clock time of the deadline across a DST change).
2. Lateness is elapsed time (UTC), so a DST change neither adds nor removes an hour.
3. Late by no more than ``grace_minutes``: on time. Otherwise the grace is subtracted first.
4. What remains is counted in days of 24 hours (or hours), and any part of one counts as a
   whole one: one minute late is one day late, exactly 24 hours is one day, 24 hours and one
   second is two.
5. The percent is that count times ``per_day`` (or ``per_hour``), at most ``cap_percent``.
6. After ``zero_after`` (a date, never earlier than the deadline; or days after the
   deadline) the penalty is 100%: the score is 0.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict

from grader.coursefile import Extension, LatePolicy

__all__ = ["LatePenalty", "deadline", "late_penalty"]

_DAY = 86400.0
_HOUR = 3600.0


class LatePenalty(BaseModel):
    """The penalty for one submission: ``percent`` of the score off, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    minutes_late: int
    """Whole minutes after the deadline (rounded up; 0 when on time), before the grace."""
    percent: float
    """Percent of the score taken off: 0 on time, 100 past the zero date."""
    reason: str
    deadline: datetime


def deadline(due: datetime, extension: Extension | None = None) -> datetime:
    """The deadline ``due`` moved by ``extension``, aware."""
    _aware("due", due)
    if extension is None:
        return due
    if extension.until is not None:
        until = extension.until
        return until if until.tzinfo is not None else until.replace(tzinfo=due.tzinfo)
    assert extension.days is not None  # the model holds exactly one of until and days
    return due + timedelta(days=extension.days)


def late_penalty(
    submitted_at: datetime,
    due: datetime,
    policy: LatePolicy,
    extension: Extension | None = None,
) -> LatePenalty:
    """The penalty for a submission at ``submitted_at`` on work due at ``due`` (both aware)."""
    _aware("submitted_at", submitted_at)
    end = deadline(due, extension)
    late_s = (submitted_at.astimezone(UTC) - end.astimezone(UTC)).total_seconds()
    note = " with the extension" if extension is not None else ""
    if late_s <= 0:
        return LatePenalty(minutes_late=0, percent=0.0, reason=f"on time{note}", deadline=end)
    minutes = math.ceil(late_s / 60)
    counted_s = late_s - policy.grace_minutes * 60
    if counted_s <= 0:
        return LatePenalty(
            minutes_late=minutes, percent=0.0, reason="on time (grace period)", deadline=end
        )
    if _past_zero(submitted_at, end, policy, late_s):
        return LatePenalty(
            minutes_late=minutes, percent=100.0, reason="late past the zero date: 0", deadline=end
        )
    return LatePenalty(
        minutes_late=minutes,
        percent=_percent(counted_s, policy),
        reason=_reason(counted_s, policy),
        deadline=end,
    )


def _past_zero(submitted_at: datetime, end: datetime, policy: LatePolicy, late_s: float) -> bool:
    zero = policy.zero_after
    if zero is None:
        return False
    if isinstance(zero, datetime):
        return submitted_at.astimezone(UTC) > max(zero, end).astimezone(UTC)
    return late_s > zero * _DAY


def _units(counted_s: float, policy: LatePolicy) -> tuple[int, float, str]:
    """(days or hours late, rounded up; percent per unit; unit name)."""
    if policy.per_hour is not None:
        return math.ceil(counted_s / _HOUR), policy.per_hour, "hour"
    return math.ceil(counted_s / _DAY), policy.per_day or 0.0, "day"


def _percent(counted_s: float, policy: LatePolicy) -> float:
    count, rate, _ = _units(counted_s, policy)
    return min(count * rate, policy.cap_percent)


def _reason(counted_s: float, policy: LatePolicy) -> str:
    """``2 days late: -20% (10% a day, capped at 30%)``."""
    count, rate, unit = _units(counted_s, policy)
    late = f"{count} {unit}{'' if count == 1 else 's'} late"
    if policy.per_day is None and policy.per_hour is None:
        return f"{late}: no penalty before the zero date"
    rule = f"{rate:g}% {'an' if unit == 'hour' else 'a'} {unit}"
    if policy.cap_percent < 100:
        rule += f", capped at {policy.cap_percent:g}%"
    return f"{late}: -{_percent(counted_s, policy):g}% ({rule})"


def _aware(name: str, when: datetime) -> None:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(
            f"{name} is a naive datetime ({when.isoformat()}), so the time zone is unknown; "
            f"give it one, e.g. {name}.replace(tzinfo=ZoneInfo('Europe/Berlin'))"
        )
