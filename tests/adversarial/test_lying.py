"""Attack 9: do objects that lie about themselves fool a check?

The two 0-point "trusting" checks of the shared class compare the way a careless check
would (``got == want``, ``np.allclose(got, want)``); each liar passes both when it is handed
to them in the checks' own process. Only plain data may cross from the worker, so none of
them may pass anything. This is the codec's guarantee, not the sandbox's.
"""

from __future__ import annotations

import pytest

from tests.adversarial.conftest import Graded, graded_class
from tests.adversarial.submissions.lying import LIE_TENSOR


def assert_returned(run: Graded, student: str) -> None:
    """The liar's functions did run and return (so its checks failed on what came back)."""
    for status, message in run.checks(student).values():
        assert status == "failed" and "import" not in message, run.describe(student)


@pytest.mark.parametrize("student", ["lie_objects", "lie_subclass"])
def test_lying_objects_pass_no_check(shared_class: Graded, student: str) -> None:
    """``Liar`` (``__eq__``, ``__array__``, ``__array_function__``, ``__float__`` all lie),
    an ndarray subclass that compares equal to anything, and an object array of liars: no
    check passes, the trusting ones included, and nothing was ever unpickled."""
    shared_class.assert_earns(student, 0, passed=set())
    assert_returned(shared_class, student)
    assert not list(shared_class.arena.root.glob("unpickled-*"))


def test_forged_frames_on_its_own_channel_earn_nothing(shared_class: Graded) -> None:
    """``norm_rows`` writes a forged reply (a handle to nothing) and a frame claiming to be a
    terabyte long onto its channel: its check fails, the grader goes on, ``scale`` earns 3."""
    shared_class.assert_earns("lie_protocol", 3)
    checks = shared_class.checks("lie_protocol")
    assert checks["test_norm_rows"][0] != "passed"
    messages = [message for _, message in checks.values()]
    assert not any("Errno" in m for m in messages), shared_class.describe("lie_protocol")


@pytest.mark.slow
def test_tensor_subclass_passes_no_check() -> None:
    """A ``torch.Tensor`` subclass of zeros whose ``==`` says equal (torch preloaded, so the
    worker can import it under the memory limit): no check passes, trusting ones included."""
    # The first check on a fresh lane also waits for the warm parent to import torch.
    edits = {
        'preload = ["numpy"]': 'preload = ["numpy", "torch"]',
        "check_seconds = 3": "check_seconds = 20",
    }
    with graded_class({"lie_tensor": LIE_TENSOR}, spec_edits=edits, trusting_checks=True) as run:
        run.assert_earns("lie_tensor", 0, passed=set())
        assert_returned(run, "lie_tensor")
        run.assert_harmless()
