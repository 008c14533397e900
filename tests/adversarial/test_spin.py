"""Attack 10: does code that never finishes cost more than its own checks?

The check and import deadlines, not the sandbox, handle these; the function that spins
blocks every signal and spins inside C code, so only killing the process stops it.
"""

from __future__ import annotations

from tests.adversarial.conftest import Graded


def test_spin_at_import_earns_nothing_and_names_the_limit(shared_class: Graded) -> None:
    """An endless loop at import: every check fails, saying the import ran past 5 s."""
    shared_class.assert_earns("spin_at_import", 0, passed=set())
    for status, message in shared_class.checks("spin_at_import").values():
        assert status != "passed" and "5 s" in message, shared_class.describe("spin_at_import")


def test_spin_in_one_function_costs_only_its_check(shared_class: Graded) -> None:
    """An endless loop in ``norm_rows`` only: ``scale``'s 3 points, and norm's check timed
    out with the time limit named."""
    shared_class.assert_earns("spin_in_norm", 3)
    status, message = shared_class.checks("spin_in_norm")["test_norm_rows"]
    assert status == "timeout" and "time limit" in message and "2 s" in message, message
