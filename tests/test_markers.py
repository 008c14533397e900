"""Solution markers: the template hides every solution, the solution text keeps it."""

from __future__ import annotations

import pytest

from grader.errors import MaterialError
from grader.markers import solution_text, template_text

SOURCE = '''import numpy as np


def softmax(x):
    """Row-wise softmax."""
    # BEGIN SOLUTION
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
    # END SOLUTION


class Net:
    def forward(self, x):
        # BEGIN SOLUTION
        return x
        # END SOLUTION
'''


def test_template_replaces_each_region_with_a_stub() -> None:
    """Is every solution line gone from the template, with a stub at the right indentation?"""
    out = template_text(SOURCE)
    assert "np.exp" not in out and "return x" not in out and "SOLUTION" not in out
    assert '    raise NotImplementedError("softmax: your code here")\n' in out
    assert '        raise NotImplementedError("forward: your code here")\n' in out
    compile(out, "template.py", "exec")


def test_solution_text_drops_only_marker_lines() -> None:
    out = solution_text(SOURCE)
    assert "SOLUTION" not in out and "np.exp" in out and "return x" in out
    assert len(out.splitlines()) == len(SOURCE.splitlines()) - 4


@pytest.mark.parametrize(
    "bad, words",
    [
        ("# BEGIN SOLUTION\nx = 1\n", "never closed"),
        ("x = 1\n# END SOLUTION\n", "no BEGIN"),
        ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION\n", "inside the region"),
    ],
)
def test_unbalanced_markers_fail_fast(bad: str, words: str) -> None:
    with pytest.raises(MaterialError, match=words):
        template_text(bad, "nn.py")
