"""Attack 7: can a submission leave processes behind that outlive its grading?"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.adversarial.conftest import Graded, graded_class
from tests.adversarial.submissions.escape import ESCAPER

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def escaped() -> Iterator[Graded]:
    """Graded, then two seconds for anything left behind to act."""
    with graded_class({"a_escaper": ESCAPER}, settle=2.0) as run:
        yield run


def test_no_process_outlives_the_grading(escaped: Graded) -> None:
    """``sleep 300`` in its own session, a double-forked daemon and a forked child that
    ignores SIGTERM, SIGHUP and SIGINT: none is alive once grading is over.

    Without the sandbox all three survive the worker.
    """
    escaped.assert_finished()
    assert escaped.survivors == {}


def test_its_result_stays_as_graded(escaped: Graded) -> None:
    """3 points, and the result.json on disk is still what the grader wrote.

    Without the sandbox the daemon rewrites it to 6 points as soon as it appears.
    """
    escaped.assert_earns("a_escaper", 3)
    escaped.assert_harmless()


def test_a_rerun_keeps_the_graded_result(escaped: Graded) -> None:
    """Regrading the unchanged class skips the adversary and still reports 3 points.

    Without the sandbox the re-run trusts the result.json the daemon rewrote: 6 points.
    """
    again = escaped.arena.grade()
    again.assert_finished()
    assert again.report is not None and "a_escaper" in again.report.skipped_unchanged
    again.assert_earns("a_escaper", 3)
