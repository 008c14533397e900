"""Attack 4: does patching the comparisons inside the worker fool the checks?"""

from __future__ import annotations

from tests.adversarial.conftest import Graded


def test_patched_comparisons_fool_no_check(shared_class: Graded) -> None:
    """It patches ``numpy.allclose``, ``numpy.testing``, ``torch.allclose``, ``builtins``,
    pytest and a fake ``grader.checks.expect`` to say "equal", then returns zeros from
    ``norm_rows``. Only ``scale``'s 3 points may count.

    The sandbox is not what stops this: the checks never run in the worker's process. It
    would score 6 if they did (or if the worker were trusted to judge its own answers).
    """
    shared_class.assert_earns("patcher", 3)
