"""A mutant scoped to a function (``within``): its ``old`` need only be unique there."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.course import load_assignment
from grader.errors import MaterialError
from grader.mutants import load_mutants, write_mutant
from grader.mutantscope import definition_names, definition_span
from tests.toycourse import make_course, solution

SOURCE = """import functools


def top(x):
    return x + 1


class Layer:
    @functools.cache
    def forward(self, x):
        return x + 1

    def backward(self, x):
        def inner(y):
            return y + 1

        return inner(x)
"""


@pytest.mark.parametrize(
    "name, first, last",
    [
        ("top", "def top(x):", "    return x + 1\n"),
        ("Layer.forward", "    @functools.cache", "        return x + 1\n"),
        ("Layer.backward.inner", "        def inner(y):", "            return y + 1\n"),
        ("Layer", "class Layer:", "        return inner(x)\n"),
    ],
)
def test_span_covers_the_definition_and_its_decorators(name: str, first: str, last: str) -> None:
    span = definition_span(SOURCE, name)
    assert span is not None
    text = SOURCE[span[0] : span[1]]
    assert text.startswith(first + "\n") and text.endswith(last)
    assert text.count("def ") == {"Layer": 3, "Layer.backward.inner": 1}.get(name, 1)


def test_span_of_a_missing_name_is_none_and_names_are_listed() -> None:
    assert definition_span(SOURCE, "Layer.nope") is None
    assert definition_span(SOURCE, "forward") is None  # a method needs its class
    assert definition_names(SOURCE) == [
        "top",
        "Layer",
        "Layer.forward",
        "Layer.backward",
        "Layer.backward.inner",
    ]


def _mutants(tmp_path: Path, body: str) -> Path:
    course = make_course(tmp_path)
    (course / "assignments/toy/mutants/mutants.toml").write_text(
        '[[mutant]]\nname = "m"\nfile = "ops.py"\ndescription = "wrong"\n'
        f'targets = ["test_norm_rows"]\n{body}'
    )
    return course


def test_old_text_twice_in_the_file_is_refused_and_within_is_offered(tmp_path: Path) -> None:
    """'return ' is in scale and in norm_rows: without within, is the fix named?"""
    course = _mutants(tmp_path, '[[mutant.replace]]\nold = "return "\nnew = "return 0 * "\n')
    with pytest.raises(MaterialError, match=r"occurs 2 times.*within = \"<name>\""):
        load_mutants(load_assignment(course, "toy"))


def test_within_patches_only_that_function(tmp_path: Path) -> None:
    """Are both replacements applied in norm_rows only, the second after the first changed
    the function's length, and scale left as it was?"""
    course = _mutants(
        tmp_path,
        'within = "norm_rows"\n'
        '[[mutant.replace]]\nold = "return "\nnew = "y = x.copy()\\n    return "\n'
        '[[mutant.replace]]\nold = "x * x"\nnew = "y * x"\n'
        '[[mutant.replace]]\nold = "return "\nnew = "return -1 * "\n',
    )
    assignment = load_assignment(course, "toy")
    [mutant] = load_mutants(assignment)
    assert mutant.within == "norm_rows"
    expected = solution(
        {
            "return np.sqrt((x * x)": "y = x.copy()\n    return -1 * np.sqrt((y * x)",
        }
    )
    write_mutant(assignment, mutant, tmp_path / "out")
    assert (tmp_path / "out" / "ops.py").read_text() == expected
    assert "    return k * x\n" in expected


@pytest.mark.parametrize(
    "body, words",
    [
        (
            'within = "norm_row"\n[[mutant.replace]]\nold = "return "\nnew = "return 0 * "\n',
            "within = 'norm_row' (did you mean norm_rows?) names no function or class in "
            "reference/toy/ops.py",
        ),
        (
            'within = "scale"\n[[mutant.replace]]\nold = "sum(axis=1)"\nnew = "sum(axis=0)"\n',
            "its 'old' text occurs 0 times in scale in reference/toy/ops.py",
        ),
        (
            'within = "not a name"\n[[mutant.replace]]\nold = "k"\nnew = "1"\n',
            "mutant.0.within: within names a function, a class or Class.method, like "
            "conv2d_forward or Conv2d.forward, given: 'not a name'",
        ),
    ],
)
def test_within_mistakes_fail_fast_naming_the_fix(tmp_path: Path, body: str, words: str) -> None:
    course = _mutants(tmp_path, body)
    with pytest.raises(MaterialError) as info:
        load_mutants(load_assignment(course, "toy"))
    assert words in str(info.value)
