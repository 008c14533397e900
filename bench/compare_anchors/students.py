"""The class: deterministic student answers, each with the score it must get by construction.

A student is the code of four cells: the setup cell (``import numpy as np``) and one cell per
function. Each tool's notebook puts the same code in its own cells (see :mod:`forms`), so
the three tools grade the same answers. :func:`make_class` cycles through :data:`KINDS`: the
first twelve students are one of each kind, so a short class still has every kind, and a
class of 50 has 30 correct notebooks (in three correct styles) and 20 faulty ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.compare_anchors.assignment import FUNCTIONS, SETUP, SOLUTIONS, TESTS

STUB = '''\
def {name}(x):
    """To do."""
    raise NotImplementedError()
'''

ALTERNATIVES = {  # correct, written differently: a grader must not care
    "softmax": """\
def softmax(x):
    # shift by the max for stability
    shifted = x - np.max(x, axis=-1, keepdims=True)
    exps = np.exp(shifted)
    out = exps / np.sum(exps, axis=-1, keepdims=True)
    return out
""",
    "sigmoid_grad": """\
def sigmoid_grad(x):
    s = 0.5 * (1.0 + np.tanh(0.5 * x))  # the same sigmoid, without overflow warnings
    return s - s * s
""",
    "tanh_grad": """\
def tanh_grad(x):
    return 1.0 / np.cosh(x) ** 2
""",
}

FAULTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # kind: (function, its code, the tests it fails)
    "softmax_unstable": (
        "softmax",
        "def softmax(x):\n    e = np.exp(x)\n    return e / e.sum(axis=1, keepdims=True)\n",
        ("test_softmax_large_scores",),
    ),
    "softmax_wrong_axis": (
        "softmax",
        "def softmax(x):\n    z = x - x.max(axis=0)\n    e = np.exp(z)\n    return e / e.sum(axis=0)\n",
        ("test_softmax_rows", "test_softmax_large_scores"),
    ),
    "softmax_syntax_error": (
        "softmax",
        "def softmax(x)\n    e = np.exp(x - x.max(axis=1, keepdims=True))\n"
        "    return e / e.sum(axis=1, keepdims=True)\n",
        ("test_softmax_rows", "test_softmax_large_scores"),
    ),
    "sigmoid_no_derivative": (
        "sigmoid_grad",
        "def sigmoid_grad(x):\n    return 1.0 / (1.0 + np.exp(-x))\n",
        ("test_sigmoid_grad_values", "test_sigmoid_grad_matrix"),
    ),
    "sigmoid_vector_only": (  # math.exp on each entry: a TypeError on a matrix
        "sigmoid_grad",
        "import math\n\n\ndef sigmoid_grad(x):\n"
        "    s = np.array([1.0 / (1.0 + math.exp(-v)) for v in x])\n    return s * (1.0 - s)\n",
        ("test_sigmoid_grad_matrix",),
    ),
    "sigmoid_name_error": (
        "sigmoid_grad",
        "def sigmoid_grad(x):\n    s = 1.0 / (1.0 + np.exp(-x))\n    return sig * (1.0 - sig)\n",
        ("test_sigmoid_grad_values", "test_sigmoid_grad_matrix"),
    ),
    "tanh_no_square": (
        "tanh_grad",
        "def tanh_grad(x):\n    return 1.0 - np.tanh(x)\n",
        ("test_tanh_grad_values", "test_tanh_grad_matrix"),
    ),
    "tanh_unfinished": (
        "tanh_grad",
        STUB.format(name="tanh_grad"),
        ("test_tanh_grad_values", "test_tanh_grad_matrix"),
    ),
    "tanh_infinite_loop": (
        "tanh_grad",
        "def tanh_grad(x):\n    y = 1.0 - np.tanh(x) ** 2\n    while True:  # forgot to stop\n"
        "        y = y * 1.0\n    return y\n",
        ("test_tanh_grad_values", "test_tanh_grad_matrix"),
    ),
}
INFINITE_LOOP = "tanh_infinite_loop"

KINDS = (
    # one of each first (so --n 12 has them all), then the rest of a class of 50
    "correct",
    "softmax_unstable",
    "sigmoid_no_derivative",
    "tanh_no_square",
    "softmax_wrong_axis",
    "sigmoid_vector_only",
    "sigmoid_name_error",
    "softmax_syntax_error",
    "import_typo",
    "tanh_unfinished",
    "untouched",
    INFINITE_LOOP,
    *["correct", "correct_alt", "correct_mixed"] * 9,
    "correct",
    "correct_alt",
    "softmax_unstable",
    "softmax_unstable",
    "sigmoid_no_derivative",
    "tanh_no_square",
    "softmax_wrong_axis",
    "sigmoid_vector_only",
    "sigmoid_name_error",
    "softmax_syntax_error",
    "tanh_unfinished",
)


@dataclass(frozen=True)
class Student:
    """One student's answers and the score they must get."""

    name: str
    kind: str
    setup: str  # the first code cell
    cells: dict[str, str]  # function name -> the code of its cell
    expected: int  # points out of assignment.MAX_POINTS
    failing: tuple[str, ...]  # the tests that must not pass


def answer(kind: str) -> tuple[str, dict[str, str], tuple[str, ...]]:
    """The setup cell, function cells and failing tests of one kind of student."""
    cells = dict(SOLUTIONS)
    setup = SETUP
    failing: tuple[str, ...] = ()
    if kind == "correct_alt":
        cells = dict(ALTERNATIVES)
    elif kind == "correct_mixed":
        cells["softmax"] = ALTERNATIVES["softmax"]
        cells["tanh_grad"] = ALTERNATIVES["tanh_grad"]
    elif kind == "import_typo":  # numpy never imported: every function raises NameError
        setup = "import numpi as np"
        failing = tuple(t.name for t in TESTS)
    elif kind == "untouched":
        cells = {name: STUB.format(name=name) for name in FUNCTIONS}
        failing = tuple(t.name for t in TESTS)
    elif kind in FAULTS:
        function, code, failing = FAULTS[kind]
        cells[function] = code
    elif kind != "correct":
        raise ValueError(f"unknown kind of student: {kind!r}")
    return setup, cells, failing


def make_class(n: int) -> list[Student]:
    """``n`` students, ``s00``, ``s01``, ..., cycling through :data:`KINDS`."""
    students = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        setup, cells, failing = answer(kind)
        expected = sum(t.points for t in TESTS if t.name not in failing)
        students.append(Student(f"s{i:02d}", kind, setup, cells, expected, failing))
    return students
