"""Do the check helpers fail when they should, and do their messages keep the answer hidden?"""

from __future__ import annotations

import numpy as np
import pytest

from grader.checks import expect
from grader.errors import CheckFailed

# Expected values with digits that no message should ever contain.
WANT = np.array([[0.123456, 1.987654], [2.555555, 3.141592]])


def failure(fn, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        fn(*args, **kwargs)
    return str(info.value)


def assert_hides(message: str, want: np.ndarray = WANT) -> None:
    for value in np.ravel(want):
        for text in (f"{value}", f"{value:.3f}", f"{value:.2e}", f"{value:.1e}"):
            assert text not in message, f"message reveals {text}: {message}"


class TestClose:
    def test_passes_within_tolerance(self) -> None:
        """Does a result inside the tolerance pass?"""
        expect.close(WANT * (1 + 1e-9), WANT)

    def test_off_values_report_errors_not_values(self) -> None:
        """Does a wrong result report max abs/rel error and tolerance, but no expected value?"""
        got = WANT.copy()
        got[0, 1] += 0.031
        message = failure(expect.close, got, WANT, what="softmax(x)")
        assert message.startswith("softmax(x) is off: max abs error 3.1e-02")
        assert "rtol 1e-07, atol 0" in message
        assert "1 of 4 entries" in message
        assert_hides(message)

    def test_wrong_shape_names_both_shapes(self) -> None:
        """Does a shape mismatch name the shape found and the shape wanted?"""
        message = failure(expect.close, WANT.T[:, :1], WANT, what="grad_W")
        assert "grad_W has shape (2, 1) but should have shape (2, 2)" == message
        assert_hides(message)

    @pytest.mark.parametrize(
        ("got", "fragment"),
        [
            (None, "is None; did the function forget to return"),
            ("0.5", "is a str"),
            ({"a": 1}, "is a dict"),
            (object(), "is a object"),
            (np.array([None, 1.0]), "dtype object"),
            ([[1.0, 2.0], [3.0]], "ragged"),
            (np.array([1 + 2j]), "real numeric"),
        ],
    )
    def test_not_numeric(self, got: object, fragment: str) -> None:
        """Is something that is not a numeric array refused with a message saying what it is?"""
        message = failure(expect.close, got, WANT, what="the loss")
        assert message.startswith("the loss ")
        assert fragment in message

    def test_nan_is_reported_as_such(self) -> None:
        """Is a NaN reported as NaN, before any comparison?"""
        got = WANT.copy()
        got[1, 1] = np.nan
        message = failure(expect.close, got, WANT)
        assert "1 NaN or infinite value(s) out of 4" in message

    def test_scalars_and_lists(self) -> None:
        """Are Python scalars, numpy scalars and lists accepted as array-likes?"""
        expect.close(2.5, 2.5)
        expect.close(np.float32(2.5), 2.5)
        expect.close([[0.123456, 1.987654], [2.555555, 3.141592]], WANT)
        message = failure(expect.close, 2.0, 2.5, what="the loss")
        assert "max abs error 5.0e-01" in message
        assert_hides(message, np.array([2.5]))

    def test_zero_expected_gives_infinite_relative_error(self) -> None:
        """Is the relative error where the expected value is 0 reported as inf, not a crash?"""
        message = failure(expect.close, np.array([0.0, 1e-3]), np.zeros(2))
        assert "max rel error inf" in message

    def test_atol_is_used(self) -> None:
        """Does atol let near-zero values pass?"""
        expect.close(np.array([1e-12]), np.zeros(1), atol=1e-10)


class TestRelErrorBelow:
    def test_passes_small_error(self) -> None:
        """Does a gradient within tolerance pass?"""
        expect.rel_error_below(WANT + 1e-12, WANT, 1e-7)

    def test_reports_error_and_tolerance(self) -> None:
        """Does a large relative error report its size and the tolerance only?"""
        message = failure(expect.rel_error_below, WANT * 1.01, WANT, 1e-7, what="grad_W")
        assert message == "grad_W has relative error 5.0e-03; it must be below 1e-07"
        assert_hides(message)

    def test_both_zero_passes(self) -> None:
        """Is an all-zero gradient equal to an all-zero expectation?"""
        expect.rel_error_below(np.zeros(3), np.zeros(3), 1e-7)

    def test_nan_fails(self) -> None:
        """Does a NaN gradient fail instead of slipping through a NaN comparison?"""
        message = failure(expect.rel_error_below, np.array([np.nan, 1.0]), np.ones(2), 1e-7)
        assert "NaN" in message


class TestShapeAndDtype:
    def test_shape(self) -> None:
        """Does shape() accept the right shape and name both shapes otherwise?"""
        expect.shape(np.zeros((3, 4)), (3, 4))
        assert failure(expect.shape, np.zeros(4), (3, 4), what="b") == (
            "b has shape (4,) but should have shape (3, 4)"
        )
        assert "is None" in failure(expect.shape, None, (3,))

    def test_dtype_kind(self) -> None:
        """Does dtype_kind() name the dtype found and the kind wanted?"""
        expect.dtype_kind(np.zeros(2, dtype=np.float32), "f")
        message = failure(expect.dtype_kind, np.zeros(2, dtype=np.int64), "f", what="W")
        assert message == "W has dtype int64; it should have a floating-point dtype"
        assert "signed integer or boolean" in failure(expect.dtype_kind, 1.5, "ib")


class TestEqual:
    def test_counts_mismatches(self) -> None:
        """Does equal() count mismatching entries without showing them?"""
        expect.equal(np.arange(5), np.arange(5))
        message = failure(expect.equal, np.array([0, 1, 7, 3, 9]), np.arange(5), what="sizes")
        assert message == "sizes differs from the expected values in 2 of 5 entries"

    def test_nan_never_equal(self) -> None:
        """Is a NaN a mismatch?"""
        assert "1 of 1" in failure(expect.equal, np.array([np.nan]), np.array([np.nan]))

    def test_shape_mismatch(self) -> None:
        """Does equal() refuse a different shape rather than broadcast?"""
        assert "shape (1,)" in failure(expect.equal, np.zeros(1), np.zeros(3))


def test_that() -> None:
    """Does that() pass on truth and raise the author's message otherwise?"""
    expect.that(True, "unused")
    assert failure(expect.that, [], "history must be a dict") == "history must be a dict"


def test_check_failed_is_an_assertion_error() -> None:
    """Do pytest and plain asserts treat the helpers' failures as ordinary test failures?"""
    with pytest.raises(AssertionError):
        expect.that(False, "x")
