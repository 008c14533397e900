"""The one small assignment the three tools grade: three numpy functions, six tests.

Each function has a public test worth 1 point and a hidden test worth 2, so a notebook is
worth 9 points in every tool. The tests are the same questions asked in each tool's own way:

- nbgrader and Otter run the asserts of :data:`TESTS` in the student's notebook, with an
  oracle written inline (a hidden test cannot import a reference there);
- ours runs :data:`CHECKS_PUBLIC` and :data:`CHECKS_HIDDEN`, which compare with the reference
  :data:`REFERENCE` at grade time through ``expect.close``.

A test fails for the same wrong answers in every form: :mod:`students` relies on that for
the expected scores.
"""

from __future__ import annotations

from dataclasses import dataclass

ASSIGNMENT = "activations"
MODULE = "activations"  # ours: the module a notebook stands in for (activations.py)
NOTEBOOK = f"{MODULE}.ipynb"
FUNCTIONS = ("softmax", "sigmoid_grad", "tanh_grad")
TIMEOUT_S = 10
"""Per-cell limit in nbgrader, per-check limit in ours; Otter has none without Docker (the
benchmark stops ``otter run`` after :data:`OTTER_SUBMISSION_S`)."""
OTTER_SUBMISSION_S = 3 * TIMEOUT_S

SETUP = "import numpy as np"
"""The notebook's first code cell, the student's like any other."""

SOLUTIONS = {
    "softmax": '''\
def softmax(x):
    """Row-wise softmax. x: (N, C) scores -> (N, C) probabilities, each row summing to 1."""
    z = x - x.max(axis=1, keepdims=True)  # (N, C); exp cannot overflow
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)  # (N, C) / (N, 1)
''',
    "sigmoid_grad": '''\
def sigmoid_grad(x):
    """Derivative of the logistic sigmoid, elementwise: s(x) * (1 - s(x)). Any shape."""
    s = 1.0 / (1.0 + np.exp(-x))
    return s * (1.0 - s)
''',
    "tanh_grad": '''\
def tanh_grad(x):
    """Derivative of tanh, elementwise: 1 - tanh(x)**2. Any shape."""
    return 1.0 - np.tanh(x) ** 2
''',
}


@dataclass(frozen=True)
class Test:
    """One test: the same name, points and visibility in every tool."""

    name: str
    function: str
    points: int
    hidden: bool
    body: str  # nbgrader and Otter: asserts run in the notebook's namespace


TESTS = (
    Test(
        "test_softmax_rows",
        "softmax",
        1,
        False,
        """\
x = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
p = softmax(x)
assert p.shape == (2, 3)
assert np.allclose(p.sum(axis=1), 1.0)
assert np.allclose(p, np.exp(x) / np.exp(x).sum(axis=1, keepdims=True))
""",
    ),
    Test(
        "test_softmax_large_scores",
        "softmax",
        2,
        True,
        """\
x = np.random.default_rng(0).normal(size=(4, 5)) * 1000.0
z = np.exp(x - x.max(axis=1, keepdims=True))
assert np.allclose(softmax(x), z / z.sum(axis=1, keepdims=True))
""",
    ),
    Test(
        "test_sigmoid_grad_values",
        "sigmoid_grad",
        1,
        False,
        """\
x = np.array([-1.0, 0.0, 2.0])
s = 1.0 / (1.0 + np.exp(-x))
assert np.allclose(sigmoid_grad(x), s * (1.0 - s))
""",
    ),
    Test(
        "test_sigmoid_grad_matrix",
        "sigmoid_grad",
        2,
        True,
        """\
x = np.random.default_rng(1).normal(size=(3, 4)) * 3.0
s = 1.0 / (1.0 + np.exp(-x))
assert np.allclose(sigmoid_grad(x), s * (1.0 - s))
""",
    ),
    Test(
        "test_tanh_grad_values",
        "tanh_grad",
        1,
        False,
        """\
x = np.array([-1.0, 0.0, 0.5])
assert np.allclose(tanh_grad(x), 1.0 - np.tanh(x) ** 2)
""",
    ),
    Test(
        "test_tanh_grad_matrix",
        "tanh_grad",
        2,
        True,
        """\
x = np.random.default_rng(2).normal(size=(3, 4)) * 2.0
assert np.allclose(tanh_grad(x), 1.0 - np.tanh(x) ** 2)
""",
    ),
)
MAX_POINTS = sum(t.points for t in TESTS)


def tests_of(function: str) -> list[Test]:
    """The tests of one function, public first."""
    return [t for t in TESTS if t.function == function]


# -- ours: spec, reference, checks -----------------------------------------------------------

SPEC = f"""\
id = "{ASSIGNMENT}"
title = "Activations and their derivatives (benchmark against nbgrader and Otter)"

[submission]
files = ["{MODULE}.py"]

[submission.notebook]
accept = ["{NOTEBOOK}"]
mode = "execute"  # every cell runs, as in nbgrader and Otter
cell_seconds = {{timeout}}
seconds = {{notebook}}

[limits]
check_seconds = {{timeout}}
import_seconds = {{notebook}}

[worker]
preload = ["numpy"]

{{parts}}"""


def spec_text(timeout_s: float = TIMEOUT_S) -> str:
    """``assignment.toml``: one part per function, the tests' points; ``timeout_s`` per check
    and per cell, three times that for the whole notebook."""
    parts = []
    for function in FUNCTIONS:
        checks = ", ".join(f"{t.name} = {t.points}" for t in tests_of(function))
        parts.append(f'[[parts]]\nname = "{function}"\nchecks = {{ {checks} }}\n')
    return SPEC.format(parts="\n".join(parts), timeout=timeout_s, notebook=3 * timeout_s)


def reference_text() -> str:
    """``reference/activations/activations.py``: the solutions between solution markers."""
    blocks = []
    for function in FUNCTIONS:
        head, *body = SOLUTIONS[function].splitlines()
        doc, code = body[0], body[1:]
        blocks.append(
            "\n".join([head, doc, "    # BEGIN SOLUTION", *code, "    # END SOLUTION"]) + "\n"
        )
    return '"""Activations and their derivatives."""\n\nimport numpy as np\n\n\n' + "\n\n".join(
        blocks
    )


CHECKS_PUBLIC = '''\
"""Public checks: small fixed inputs (the same as nbgrader's and Otter's public tests)."""

import numpy as np

from grader.checks import expect


def test_softmax_rows(submission, reference):
    """softmax(x) must turn each row of scores into probabilities that sum to 1."""
    x = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])  # (2, 3)
    expect.close(submission.activations.softmax(x), reference.activations.softmax(x),
                 what="softmax(x)")


def test_sigmoid_grad_values(submission, reference):
    """sigmoid_grad(x) must be s(x) * (1 - s(x)) elementwise."""
    x = np.array([-1.0, 0.0, 2.0])
    expect.close(submission.activations.sigmoid_grad(x), reference.activations.sigmoid_grad(x),
                 what="sigmoid_grad(x)")


def test_tanh_grad_values(submission, reference):
    """tanh_grad(x) must be 1 - tanh(x)**2 elementwise."""
    x = np.array([-1.0, 0.0, 0.5])
    expect.close(submission.activations.tanh_grad(x), reference.activations.tanh_grad(x),
                 what="tanh_grad(x)")
'''

CHECKS_HIDDEN = '''\
"""Hidden checks: random matrices, and scores large enough to overflow a naive softmax."""

from grader.checks import expect


def test_softmax_large_scores(submission, reference, rng):
    """softmax(x) must stay finite and right for scores in the thousands (subtract the row max)."""
    x = rng.normal(size=(4, 5)) * 1000.0  # (N, C)
    expect.close(submission.activations.softmax(x), reference.activations.softmax(x),
                 what="softmax(x)")


def test_sigmoid_grad_matrix(submission, reference, rng):
    """sigmoid_grad(x) must work elementwise on a matrix."""
    x = rng.normal(size=(3, 4)) * 3.0
    expect.close(submission.activations.sigmoid_grad(x), reference.activations.sigmoid_grad(x),
                 what="sigmoid_grad(x)")


def test_tanh_grad_matrix(submission, reference, rng):
    """tanh_grad(x) must work elementwise on a matrix."""
    x = rng.normal(size=(3, 4)) * 2.0
    expect.close(submission.activations.tanh_grad(x), reference.activations.tanh_grad(x),
                 what="tanh_grad(x)")
'''
