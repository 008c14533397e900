"""Comparisons for check authors, with failure messages written for students.

Each helper raises :class:`grader.errors.CheckFailed` when the comparison fails. A message
says what was found, the rule and, where it helps, the fix. It may reveal shapes, dtypes,
counts, error sizes and tolerances, but never an expected value: hidden checks compute those
from the reference at grade time, and a message that printed them would hand out the answer.

Example::

    from grader.checks import expect

    def test_softmax_matches_reference(submission, reference, rng):
        \"\"\"softmax must match the reference on random inputs.\"\"\"
        x = rng.normal(size=(7, 5))
        expect.close(submission.nn.softmax(x), reference.nn.softmax(x), what="softmax(x)")

:func:`note` adds a line to the check's feedback that shows whether or not it passes
("BudgetCNN(43) has 61,234 parameters").
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np

from grader.errors import CheckFailed, PartialCredit

__all__ = [
    "close",
    "dtype_kind",
    "equal",
    "note",
    "ramp",
    "rel_error_below",
    "shape",
    "that",
    "tolerance",
]

_NUMERIC_KINDS = "biuf"
_KIND_NAMES = {
    "b": "boolean",
    "i": "signed integer",
    "u": "unsigned integer",
    "f": "floating-point",
    "c": "complex",
}


_PLAIN = (np.ndarray, bool, int, float, np.generic)


def _describe(value: object) -> str:
    """A short, value-free description of a Python object, for messages."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype} and shape {value.shape}"
    return f"a {type(value).__name__}"


def _plain_data(value: object, depth: int = 0) -> bool:
    """Whether ``value`` is an array, a number, or nested lists/tuples of those.

    Anything else (say a handle to an object left in the student's worker) is refused
    before numpy sees it: numpy would probe it for ``__array__`` and ``__len__``.
    """
    if isinstance(value, _PLAIN):
        return True
    if isinstance(value, list | tuple) and depth < 32:
        return all(_plain_data(item, depth + 1) for item in value)
    return False


def _numeric_array(got: object, what: str) -> np.ndarray:
    """``got`` as a real numeric array, or CheckFailed saying why it is not one."""
    if got is None:
        raise CheckFailed(f"{what} is None; did the function forget to return its result?")
    if not _plain_data(got):
        raise CheckFailed(f"{what} should be a numeric array but is {_describe(got)}")
    try:
        array = np.asarray(got)
    except ValueError:
        raise CheckFailed(
            f"{what} should be a numeric array but is {_describe(got)} that numpy cannot "
            "turn into one; are the nested lists ragged?"
        ) from None
    if array.dtype.kind not in _NUMERIC_KINDS:
        found = _describe(got)
        if not isinstance(got, np.ndarray):
            found += f", which numpy reads as dtype {array.dtype}"
        raise CheckFailed(f"{what} should be a real numeric array but is {found}")
    return array


def _same_shape(got: np.ndarray, want: np.ndarray, what: str) -> None:
    if got.shape != want.shape:
        raise CheckFailed(f"{what} has shape {got.shape} but should have shape {want.shape}")


def _all_finite(got: np.ndarray, what: str) -> None:
    if got.dtype.kind == "f":
        bad = int(np.count_nonzero(~np.isfinite(got)))
        if bad:
            raise CheckFailed(
                f"{what} contains {bad} NaN or infinite value(s) out of {got.size}; look for "
                "overflow in exp, log of zero, or division by zero"
            )


def _max_errors(got: np.ndarray, want: np.ndarray) -> tuple[float, float]:
    """(max abs error, max rel error); rel error is inf where want is 0 but got is not."""
    if got.size == 0:
        return 0.0, 0.0
    diff = np.abs(got.astype(np.float64) - want)
    scale = np.abs(want)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(diff == 0, 0.0, diff / scale)
    return float(diff.max()), float(rel.max())


def close(
    got: Any, want: Any, *, rtol: float = 1e-7, atol: float = 0.0, what: str = "the result"
) -> None:
    """``got`` must be a finite numeric array of ``want``'s shape, allclose to it.

    The test is numpy's: |got - want| <= atol + rtol * |want|, elementwise.
    """
    got_arr = _numeric_array(got, what)
    want_arr = np.asarray(want, dtype=np.float64)
    _same_shape(got_arr, want_arr, what)
    _all_finite(got_arr, what)
    if np.allclose(got_arr, want_arr, rtol=rtol, atol=atol):
        return
    abs_err, rel_err = _max_errors(got_arr, want_arr)
    message = (
        f"{what} is off: max abs error {abs_err:.1e}, max rel error {rel_err:.1e} "
        f"(allowed: rtol {rtol:g}, atol {atol:g})"
    )
    if got_arr.size > 1:
        outside = np.abs(got_arr - want_arr) > atol + rtol * np.abs(want_arr)
        message += f"; {int(np.count_nonzero(outside))} of {got_arr.size} entries are outside the tolerance"
    raise CheckFailed(message)


def rel_error_below(got: Any, want: Any, tol: float, what: str = "the result") -> None:
    """Norm-wise relative error ||got - want|| / (||got|| + ||want||) must be below ``tol``.

    The usual test for gradients (CS231n): scale-free, and symmetric in got and want.
    """
    got_arr = _numeric_array(got, what)
    want_arr = np.asarray(want, dtype=np.float64)
    _same_shape(got_arr, want_arr, what)
    _all_finite(got_arr, what)
    got_f = got_arr.astype(np.float64)
    error = float(
        np.linalg.norm(got_f - want_arr)
        / max(float(np.linalg.norm(got_f) + np.linalg.norm(want_arr)), 1e-300)
    )
    if not error < tol:
        raise CheckFailed(f"{what} has relative error {error:.1e}; it must be below {tol:.0e}")


def shape(got: Any, shape: Sequence[int], what: str = "the result") -> None:
    """``got`` must be a numeric array of exactly ``shape``."""
    got_arr = _numeric_array(got, what)
    _same_shape(got_arr, np.empty(tuple(shape)), what)


def dtype_kind(got: Any, kinds: str = "f", what: str = "the result") -> None:
    """``got``'s dtype kind must be one of ``kinds`` (numpy codes: "f" float, "i" int, ...)."""
    got_arr = _numeric_array(got, what)
    if got_arr.dtype.kind not in kinds:
        allowed = " or ".join(_KIND_NAMES.get(k, k) for k in kinds)
        raise CheckFailed(f"{what} has dtype {got_arr.dtype}; it should have a {allowed} dtype")


def equal(got: Any, want: Any, what: str = "the result") -> None:
    """``got`` must equal ``want`` exactly, entry for entry (NaN never equals anything)."""
    got_arr = _numeric_array(got, what)
    want_arr = np.asarray(want)
    _same_shape(got_arr, want_arr, what)
    mismatched = int(np.count_nonzero(got_arr != want_arr))
    if mismatched:
        raise CheckFailed(
            f"{what} differs from the expected values in {mismatched} of {got_arr.size} entries"
        )


def that(condition: object, message: str) -> None:
    """Fail with ``message`` (written for the student) unless ``condition`` is true."""
    if not condition:
        raise CheckFailed(message)


def ramp(value: float, *, floor: float, target: float, what: str = "the result") -> None:
    """Full credit at ``target`` or better, none at ``floor`` or worse, linear in between.

    Both bounds come from the spec and show in the message, so a student sees the scale:
    "test accuracy is 0.712: 56% of the credit (none at 0.650, full at 0.760)".
    """
    if not target > floor:
        raise ValueError(f"ramp needs target > floor, given floor={floor} target={target}")
    scale = f"(none at {floor:.3f}, full at {target:.3f})"
    if not np.isfinite(value) or value <= floor:
        raise CheckFailed(f"{what} is {value:.3f}: no credit {scale}")
    if value < target:
        fraction = (value - floor) / (target - floor)
        raise PartialCredit(
            f"{what} is {value:.3f}: {fraction:.0%} of the credit {scale}", fraction=fraction
        )
    note(f"{what} is {value:.3f}: full credit {scale}")


def tolerance(device: str, dtype: str = "float32") -> tuple[float, float]:
    """(rtol, atol) for comparing a student's result computed on ``device`` with a CPU oracle."""
    if device.startswith("cuda"):
        return 1e-3, 1e-4  # GPU vs CPU; or turn TF32 off and use the CPU figures
    return (1e-7, 0.0) if dtype == "float64" else (1e-4, 1e-6)


_NOTES: ContextVar[list[str] | None] = ContextVar("grader_check_notes", default=None)
"""Where :func:`note` puts its text: the running check's list, set by the grader's plugin."""


def note(text: str) -> None:
    """Show ``text`` in the check's feedback, whether or not the check passes.

    For figures a student wants to see even on a pass: "BudgetCNN(43) has 61,234 parameters
    (the budget is fewer than 100,000)". The rule on expected values holds here too. Notes
    come after a failure's reason; outside a grading run they go nowhere.
    """
    notes = _NOTES.get()
    if notes is not None:
        notes.append(str(text))


@contextmanager
def collecting_notes(into: list[str]) -> Iterator[list[str]]:
    """While the block runs, :func:`note` appends to ``into`` (the plugin wraps each check)."""
    token = _NOTES.set(into)
    try:
        yield into
    finally:
        _NOTES.reset(token)
