"""The guard around the trusted side's handling of one submission.

Everything a submission hands in, and everything its worker sends back, is hostile input to
the trusted process: a notebook nested 30,000 deep, a zip member 1,200 folders down, a
5,000-digit "line number" in an exception message. The code that reads such input tries to
refuse it with a plain reason; this module is what stands behind that code when it misses a
case. Each stage of one submission (load, score, write) runs under :func:`contained`: any
exception there, other than an instructor's mistake or an interrupt, becomes a
:class:`GraderFault`, and the submission gets a result saying the grader could not process
it (:func:`fault_reason`), never the run's end.

Instructor mistakes (:class:`grader.errors.InstructorError`) still fail fast: they are the
same for every submission, so going on would only repeat them.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from pydantic import BaseModel, ConfigDict

from grader.errors import InstructorError
from grader.safetext import printable

__all__ = ["GraderFault", "contained", "fault_reason", "fault_of"]

P = ParamSpec("P")
T = TypeVar("T")

_MESSAGE_CHARS = 300


class GraderFault(BaseModel):
    """The grader's own code failed on one submission's input."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: str  # "reading the submission", "scoring", "writing the results"
    error: str  # "RecursionError: maximum recursion depth exceeded", cut to size
    where: str = ""  # the grader's innermost frame, for the instructor's bug report


def contained(stage: str, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | GraderFault:
    """``fn(*args, **kwargs)``, or the :class:`GraderFault` it raised while at ``stage``."""
    try:
        return fn(*args, **kwargs)
    except InstructorError:
        raise
    except Exception as exc:  # noqa: BLE001 - the point of this module: one submission's fault
        return fault_of(stage, exc)


def fault_of(stage: str, exc: BaseException) -> GraderFault:
    """The fault ``exc`` is, described without its (possibly enormous, hostile) full text."""
    full = _safe_str(exc)
    message = printable(full[:_MESSAGE_CHARS])
    if len(full) > _MESSAGE_CHARS:
        message += f"... ({len(full):,} characters)"
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name}" if frames else ""
    error = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return GraderFault(stage=stage, error=error, where=where)


def fault_reason(fault: GraderFault) -> str:
    """What the student and the instructor read: plain, and the same wording every time."""
    return (
        f"the grader could not process this submission ({fault.stage}: {fault.error}); "
        "nothing you handed in was lost: ask your instructor, who sees this in the run's "
        "summary, to look at it"
    )


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # noqa: BLE001 - an exception whose str() raises is still a fault
        return ""
