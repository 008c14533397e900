"""Attack 5: does leaving instead of answering cost more (or less) than the checks it skips?

The sandbox is not what handles these: the worker is a separate process, so an exit can end
only the worker. They guard that every way of leaving is a result, never a crash of the run.
"""

from __future__ import annotations

import pytest

from tests.adversarial.conftest import Graded

SCALE_CHECKS = {"test_scale_public", "test_scale_matches_reference"}
TRUSTING = {"test_scale_trusting_eq", "test_scale_trusting_allclose"}


@pytest.mark.parametrize("student", ["exit_at_import", "exit_os_at_import"])
def test_exit_at_import_earns_nothing(shared_class: Graded, student: str) -> None:
    """``sys.exit(0)`` or ``os._exit(0)`` at import: nothing can run, so nothing is earned,
    and every check says the import failed."""
    shared_class.assert_earns(student, 0, passed=set())
    for status, message in shared_class.checks(student).values():
        assert status != "passed" and "import" in message, shared_class.describe(student)


@pytest.mark.parametrize(
    "student, points, passed",
    [
        ("exit_in_scale", 3, {"test_norm_rows"}),
        ("exit_interrupt_in_scale", 3, {"test_norm_rows"}),
        ("exit_os_in_norm", 3, SCALE_CHECKS | TRUSTING),
    ],
)
def test_exit_in_a_function_costs_only_its_checks(
    shared_class: Graded, student: str, points: float, passed: set[str]
) -> None:
    """``sys.exit(0)``, ``KeyboardInterrupt`` or ``os._exit(0)`` inside one function: that
    function's checks fail, the other function's checks still pass."""
    shared_class.assert_earns(student, points, passed=passed)
