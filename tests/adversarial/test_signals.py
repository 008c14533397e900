"""Attack 6: can a submission stop or kill the grader?

Each variant is graded with ``jobs=1``, the adversary first and two controls after it in
the same lane, so a lane or warm parent it stopped or killed would be needed again. A
stopped grader would hang: the run is bounded and killed after 90 s.
"""

from __future__ import annotations

import pytest

from tests.adversarial.conftest import graded_class
from tests.adversarial.submissions.signals import SIGNALLER, VARIANTS

CONTROLS = ("control_1", "control_2")


@pytest.mark.slow
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_signals_reach_no_grader_process(variant: str) -> None:
    """``VARIANTS[variant]`` from inside ``norm_rows``: the run finishes, the adversary earns
    exactly ``scale``'s 3 points, the controls 6 each, and nothing is left behind.

    Without the sandbox: ``kill_all`` kills the grader (no report), ``stop_all`` freezes it
    (killed at the timeout), ``interrupt_all`` stops it as Ctrl-C would, ``stop_parent``
    freezes the warm parent so that the next worker never starts (the run fails after 30 s),
    and ``kill_parent`` kills the warm parent (the grader restarts it; the adversary says
    it got through). The two ``_group`` variants cost only the adversary's own check even
    then, since the worker leads its own process group: they guard against regressions.
    """
    with graded_class(
        {"a_signaller": SIGNALLER.replace("@VARIANT@", variant)}, CONTROLS, jobs=1, timeout=90
    ) as run:
        run.assert_finished()
        run.assert_earns("a_signaller", 3)
        run.assert_harmless()
