"""The redaction of hidden checks' messages (:mod:`grader.checks.redact`).

Each test raises the way a check would, in this file (so pytest rewrites its asserts, as the
grader now does for check files), and redacts with this folder as the checks' root.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from grader.checks.plugin import classify
from grader.checks.redact import WITHHELD, Redactor, own_words
from grader.errors import CheckFailed, SubmissionRaised

SECRET = np.array([[917.25, 6.4813], [2.5, 3.75]])
GOT = SECRET + 1.0
redact = Redactor(Path(__file__).parent)


def raised(action: Callable[[], object]) -> BaseException:
    with pytest.raises(BaseException) as info:
        action()
    return info.value


def shown(action: Callable[[], object]) -> str:
    text = redact(raised(action))
    assert "917.25" not in text and "6.4813" not in text, text
    return text


def _assert_equal(a: object, b: object) -> None:
    assert a == b


def test_numpy_keeps_sizes_and_drops_values() -> None:
    """Does ``np.testing.assert_allclose`` keep its tolerance, mismatched count and error
    sizes, and lose its ACTUAL/DESIRED arrays and the index list?"""
    text = shown(lambda: np.testing.assert_allclose(GOT, SECRET))
    assert "Not equal to tolerance rtol=1e-07, atol=0" in text
    assert "Mismatched elements: 4 / 4 (100%)" in text
    assert "Max absolute difference among violations: 1." in text
    assert "ACTUAL" not in text and "DESIRED" not in text and "array(" not in text
    assert text.endswith(WITHHELD)


def test_numpy_shape_mismatch_keeps_shapes() -> None:
    """Does a shape mismatch of ``assert_array_equal`` show both shapes?"""
    text = shown(lambda: np.testing.assert_array_equal(GOT[:, :1], SECRET))
    assert "(shapes (2, 1), (2, 2) mismatch)" in text


def test_numpy_scalar_loses_both_values() -> None:
    """Does ``assert_almost_equal`` on numbers show neither number?"""
    text = shown(lambda: np.testing.assert_almost_equal(3.0, 917.25))
    assert text.splitlines()[0] == "Arrays are not almost equal to 7 decimals"
    assert "3.0" not in text


def test_torch_keeps_sizes_dtypes_and_shapes() -> None:
    """Does ``torch.testing.assert_close`` keep its greatest differences, dtypes and shapes,
    and lose "Expected 917.25 but got 3.0"?"""
    close = shown(lambda: torch.testing.assert_close(torch.tensor(GOT), torch.tensor(SECRET)))
    assert "Greatest absolute difference: 1.0 at index (0, 0) (up to 1e-07 allowed)" in close
    scalar = shown(lambda: torch.testing.assert_close(3.0, 917.25))
    assert "Absolute difference: 914.25 (up to 1e-07 allowed)" in scalar
    assert "Expected" not in scalar and "3.0" not in scalar
    dtype = shown(
        lambda: torch.testing.assert_close(torch.tensor(GOT).float(), torch.tensor(SECRET))
    )
    assert "torch.float32 != torch.float64" in dtype
    shape = shown(lambda: torch.testing.assert_close(torch.zeros(4, 2), torch.zeros(4, 3)))
    assert "torch.Size([4, 2]) != torch.Size([4, 3])" in shape


def test_rewritten_assert_shows_its_source_without_literals() -> None:
    """Does a failed ``assert`` show its expression, with literals written "…", and no
    value of either side?"""

    def bare() -> None:
        got, expected = 3.0, 917.25
        assert got == expected

    def literal() -> None:
        loss = 3.0
        assert loss == 917.25

    assert shown(bare).splitlines()[0] == "assert got == expected"
    assert shown(literal).splitlines()[0] == "assert loss == …"
    assert "3.0" not in shown(bare)


def test_shape_assert_shows_both_shapes() -> None:
    """Does ``assert out.shape == (4, 3)`` show "assert (4, 2) == (4, 3)", and a dtype
    comparison both dtypes?"""

    def shape() -> None:
        out = np.zeros((4, 2))
        assert out.shape == (4, 3)

    def dtype() -> None:
        out = np.zeros(2, np.float32)
        assert out.dtype == np.float64

    assert shown(shape).splitlines()[:2] == [
        "assert out.shape == (4, 3)",
        "assert (4, 2) == (4, 3)",
    ]
    assert "assert dtype('float32') == <class 'numpy.float64'>" in shown(dtype)


def test_a_shape_looking_value_is_not_a_shape() -> None:
    """Is a tuple of ints compared without ``.shape`` (a hidden list of labels) withheld?"""

    def labels() -> None:
        got = (3, 1, 4)
        assert got == (9172, 5, 6)

    text = shown(labels)
    assert "9172" not in text and "(3, 1, 4)" not in text


def test_assert_message_keeps_words_not_values() -> None:
    """Does an assert's message keep the author's words, with an f-string's fields and
    numbers written "…", and drop a message that is only a value?"""

    def worded() -> None:
        label = "cat"
        assert label == "dog", f"expected {label} for 3 images"

    def valued() -> None:
        a, b = GOT, SECRET
        assert np.allclose(a, b), f"{b}"

    text = shown(worded)
    assert text.splitlines()[0] == "expected … for … images" and "cat" not in text
    assert shown(valued).splitlines()[0] == "assert np.allclose(a, b)"


def test_raise_with_a_value_says_nothing() -> None:
    """Does ``raise AssertionError(repr(expected))`` leave nothing to show, so the plugin's
    plain sentence is all the student reads, while a raise or ``pytest.fail`` with words keeps
    the words?"""

    def leak() -> None:
        raise AssertionError(repr(SECRET))

    def worded() -> None:
        raise AssertionError("loss must be positive")

    def failed() -> None:
        label = "cat"
        pytest.fail(f"expected {label} for 3 images")

    assert shown(leak) == ""
    assert shown(worded).splitlines()[0] == "loss must be positive"
    assert shown(failed).splitlines()[0] == "expected … for … images"


def test_approx_keeps_counts_and_sizes() -> None:
    """Does ``pytest.approx`` keep its mismatched count and error sizes and lose the table?"""

    def approx() -> None:
        assert GOT == pytest.approx(SECRET)

    text = shown(approx)
    assert "comparison failed. Mismatched elements: 4 / 4:" in text
    assert "Max absolute difference: 1.0" in text
    assert "Obtained" not in text and "Expected" not in text


def test_grader_messages_pass_unchanged() -> None:
    """Are expect's messages (CheckFailed) and the grader's own faults left as they are?"""
    message = "softmax(x) is off: max abs error 1.0e+00 at index (2, 3)"
    assert redact(CheckFailed(message)) == message
    fault = SubmissionRaised(
        "ops.scale(...) raised ValueError: 917", exc_type="ValueError", student_traceback=""
    )
    assert redact(fault) == "ops.scale(...) raised ValueError: 917"


def test_own_words() -> None:
    """Does a line of prose keep its words and shapes but not its numbers or quoted text,
    and is a dump of values dropped?"""
    assert own_words("softmax rows must sum to 1") == "softmax rows must sum to …"
    assert own_words("shapes (2,2) (3,3) do not broadcast") == "shapes (2,2) (3,3) do not broadcast"
    assert own_words("expected 'cat' in float32") == "expected '…' in float32"
    assert own_words("[917.25 6.4813]") == ""
    assert own_words("1835.5, 13.9626, 5.0, 7.0") == ""
    assert own_words("got 1 2 3 4 things") == ""


def test_classify_redacts_only_when_asked() -> None:
    """Does ``classify`` word a public check's failure with ``str`` (values and all) and a
    hidden one's through the redactor, with its plain sentence when nothing is left?"""
    with pytest.raises(AssertionError) as info:
        np.testing.assert_array_equal(GOT, SECRET)
    assert "917.25" in classify(info)[1]
    status, message, _, _ = classify(info, redact)
    assert status == "failed" and "917.25" not in message and "Mismatched elements" in message
    with pytest.raises(AssertionError) as bare:
        raise AssertionError(repr(SECRET))
    assert classify(bare, redact)[1] == "the result is not what this check expects"
    table: dict[float, int] = {}
    with pytest.raises(KeyError) as other:
        table[917.25]
    assert classify(other, redact)[1] == (
        "the check could not use what your code returned (KeyError: …)"
    )
