"""Attack 4: patch every comparison the checks might use, inside the worker.

numpy's and torch's comparisons and testing helpers, ``builtins``, pytest, and a fake
``grader.checks.expect`` all say "equal" from the import on. ``norm_rows`` returns zeros, so
it passes only if a check compares with one of the patched functions in this process;
``scale`` is honest: 3 points.
"""

from tests.adversarial.submissions.prelude import HONEST_SCALE, PRELUDE, WRONG_NORM

PATCHER = (
    PRELUDE
    + r"""
import builtins
import types

import numpy.testing


def _yes(*args, **kwargs):
    return True


def _quiet(*args, **kwargs):
    return None


class _Anything:
    def __eq__(self, other):
        return True


np.allclose = np.array_equal = np.array_equiv = _yes
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
for _name in ("assert_allclose", "assert_array_equal", "assert_array_almost_equal",
              "assert_equal", "assert_almost_equal"):
    setattr(np.testing, _name, _quiet)
builtins.abs = lambda value: 0 * value
builtins.all = _yes
builtins.round = lambda value, *args: value
builtins.AssertionError = type("AssertionError", (Exception,), {})
try:
    import _pytest.outcomes
    import pytest

    pytest.approx = lambda expected, *args, **kwargs: _Anything()
    pytest.fail = pytest.skip = _pytest.outcomes.fail = _quiet
except Exception:
    pass
try:
    import torch

    torch.allclose = torch.equal = _yes
    torch.testing.assert_close = _quiet
except Exception:
    pass
_expect = types.ModuleType("grader.checks.expect")
for _name in ("close", "equal", "shape", "rel_error_below", "dtype_kind", "that"):
    setattr(_expect, _name, _quiet)
sys.modules["grader.checks.expect"] = _expect
sys.modules.setdefault("grader.checks", types.ModuleType("grader.checks")).expect = _expect
"""
    + HONEST_SCALE
    + WRONG_NORM
)

STUDENTS = {"patcher": PATCHER}
