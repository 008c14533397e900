"""The late-policy rule: minutes late, percent off and the reason, never applied."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from grader.coursefile import Extension, LatePolicy
from grader.late import late_penalty

BERLIN = ZoneInfo("Europe/Berlin")
DUE = datetime(2026, 10, 5, 23, 59, tzinfo=BERLIN)
POLICY = LatePolicy(per_day=10, cap_percent=30)


def test_on_time() -> None:
    """Is a submission before (or at) the deadline on time, with nothing off?"""
    for at in (DUE - timedelta(hours=1), DUE):
        penalty = late_penalty(at, DUE, POLICY)
        assert (penalty.minutes_late, penalty.percent, penalty.reason) == (0, 0.0, "on time")


def test_within_grace() -> None:
    """Is a submission inside the grace period on time, though its minutes are shown?"""
    policy = LatePolicy(per_day=10, grace_minutes=15)
    penalty = late_penalty(DUE + timedelta(minutes=15), DUE, policy)
    assert (penalty.minutes_late, penalty.percent) == (15, 0.0)
    assert penalty.reason == "on time (grace period)"
    assert late_penalty(DUE + timedelta(minutes=16), DUE, policy).percent == 10


def test_grace_is_subtracted_first() -> None:
    """Is 24 hours and 10 minutes late, with 15 minutes' grace, one day late?"""
    policy = LatePolicy(per_day=10, grace_minutes=15)
    penalty = late_penalty(DUE + timedelta(days=1, minutes=10), DUE, policy)
    assert penalty.percent == 10 and penalty.reason.startswith("1 day late")


def test_one_minute_late_is_a_day() -> None:
    """Does one minute late count as a whole day?"""
    penalty = late_penalty(DUE + timedelta(minutes=1), DUE, POLICY)
    assert penalty.minutes_late == 1
    assert penalty.percent == 10
    assert penalty.reason == "1 day late: -10% (10% a day, capped at 30%)"


def test_exactly_one_day() -> None:
    """Is exactly 24 hours late one day, and one second more two?"""
    assert late_penalty(DUE + timedelta(days=1), DUE, POLICY).percent == 10
    penalty = late_penalty(DUE + timedelta(days=1, seconds=1), DUE, POLICY)
    assert penalty.percent == 20
    assert penalty.minutes_late == 24 * 60 + 1
    assert penalty.reason == "2 days late: -20% (10% a day, capped at 30%)"


def test_partial_days_round_up() -> None:
    """Is a day and a half late two days?"""
    penalty = late_penalty(DUE + timedelta(hours=36), DUE, LatePolicy(per_day=10))
    assert penalty.percent == 20
    assert penalty.reason == "2 days late: -20% (10% a day)"


def test_cap() -> None:
    """Does the penalty stop at the cap?"""
    penalty = late_penalty(DUE + timedelta(days=5), DUE, POLICY)
    assert penalty.percent == 30
    assert penalty.reason == "5 days late: -30% (10% a day, capped at 30%)"


def test_zero_after_days() -> None:
    """Is a submission more than zero_after days late given 0, and one just inside not?"""
    policy = LatePolicy(per_day=10, zero_after=3)
    assert late_penalty(DUE + timedelta(days=3), DUE, policy).percent == 30
    penalty = late_penalty(DUE + timedelta(days=3, minutes=1), DUE, policy)
    assert penalty.percent == 100
    assert penalty.reason == "late past the zero date: 0"


def test_zero_after_date() -> None:
    """Is a submission after an absolute zero date given 0?"""
    zero = datetime(2026, 10, 8, 0, 0, tzinfo=BERLIN)
    policy = LatePolicy(per_day=10, zero_after=zero)
    assert late_penalty(zero - timedelta(minutes=1), DUE, policy).percent == 20  # 2 days
    assert late_penalty(zero + timedelta(minutes=1), DUE, policy).percent == 100
    # an extension past the zero date moves it to the new deadline
    ext = Extension(student="bob", assignment="a", days=3)
    assert late_penalty(zero + timedelta(minutes=1), DUE, policy, ext).percent == 0
    assert late_penalty(DUE + timedelta(days=3, minutes=1), DUE, policy, ext).percent == 100


def test_zero_only_policy() -> None:
    """With only a zero date, is late work before it shown late but not penalised?"""
    policy = LatePolicy(zero_after=2)
    penalty = late_penalty(DUE + timedelta(hours=5), DUE, policy)
    assert penalty.percent == 0
    assert penalty.reason == "1 day late: no penalty before the zero date"
    assert late_penalty(DUE + timedelta(days=3), DUE, policy).percent == 100


def test_extension_days_moves_the_deadline() -> None:
    """Does a two-day extension make a submission a day after the due date on time?"""
    ext = Extension(student="bob", assignment="nn_numpy", days=2)
    penalty = late_penalty(DUE + timedelta(days=1), DUE, POLICY, ext)
    assert penalty.percent == 0
    assert penalty.reason == "on time with the extension"
    assert penalty.deadline == DUE + timedelta(days=2)
    late = late_penalty(DUE + timedelta(days=2, hours=1), DUE, POLICY, ext)
    assert late.percent == 10 and late.minutes_late == 60


def test_extension_until_in_the_due_date_zone() -> None:
    """Is an extension's until without an offset read in the due date's time zone?"""
    ext = Extension(student="bob", assignment="a", until=datetime(2026, 10, 7, 12, 0))
    penalty = late_penalty(datetime(2026, 10, 7, 10, 30, tzinfo=UTC), DUE, POLICY, ext)
    # 10:30 UTC is 12:30 in Berlin (CEST, +2): half an hour past the new deadline
    assert penalty.minutes_late == 30 and penalty.percent == 10
    assert penalty.deadline == datetime(2026, 10, 7, 12, 0, tzinfo=BERLIN)


def test_per_hour_policy() -> None:
    """Does a per-hour policy count started hours?"""
    policy = LatePolicy(per_hour=5, cap_percent=50)
    penalty = late_penalty(DUE + timedelta(hours=2, minutes=1), DUE, policy)
    assert penalty.percent == 15
    assert penalty.reason == "3 hours late: -15% (5% an hour, capped at 50%)"
    assert late_penalty(DUE + timedelta(hours=20), DUE, policy).percent == 50


def test_dst_boundary_counts_elapsed_time() -> None:
    """Across Berlin's spring-forward night, is lateness real elapsed time, not wall time?"""
    due = datetime(2026, 3, 28, 23, 59, tzinfo=BERLIN)  # CET, +1
    at = datetime(2026, 3, 29, 23, 59, tzinfo=BERLIN)  # CEST, +2: same wall time, 23 h later
    penalty = late_penalty(at, due, LatePolicy(per_hour=1))
    assert penalty.minutes_late == 23 * 60
    assert penalty.percent == 23
    # a one-day extension keeps the 23:59 wall-clock deadline
    ext = Extension(student="bob", assignment="a", days=1)
    assert late_penalty(at, due, LatePolicy(per_hour=1), ext).percent == 0
    assert late_penalty(at + timedelta(minutes=1), due, LatePolicy(per_hour=1), ext).percent == 1


def test_naive_datetimes_refused() -> None:
    """Is a naive submission time or due date refused with a message saying how to fix it?"""
    with pytest.raises(ValueError, match=r"submitted_at is a naive datetime .* give it one"):
        late_penalty(datetime(2026, 10, 6, 12, 0), DUE, POLICY)
    with pytest.raises(ValueError, match="due is a naive datetime"):
        late_penalty(DUE, datetime(2026, 10, 5, 23, 59), POLICY)


def test_penalty_is_not_applied() -> None:
    """Does the result carry the percent and reason only, for the caller to apply and show?"""
    penalty = late_penalty(DUE + timedelta(days=2), DUE, POLICY)
    assert set(penalty.model_dump()) == {"minutes_late", "percent", "reason", "deadline"}
