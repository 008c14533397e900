"""The error tree.

Who is at fault decides how an error is handled:

* :class:`InstructorError` and its subclasses are mistakes in the course material or the
  command line (a bad spec, a missing reference, an unknown assignment). They fail fast with
  a message naming the file, the rule and the fix, and a distinct exit code.
* :class:`SubmissionFault` and its subclasses are raised *inside the trusted process* while a
  check talks to a student's worker. The check fails with the plain-language message; grading
  of everything else goes on.
"""

from __future__ import annotations

__all__ = [
    "BadReply",
    "CheckFailed",
    "ForbiddenUse",
    "ImportFailed",
    "InstructorError",
    "MaterialError",
    "PartialCredit",
    "SpecError",
    "SubmissionFault",
    "SubmissionRaised",
    "WorkerDied",
    "WorkerTimeout",
]


class GraderError(Exception):
    """Base class of every error the grader raises on purpose."""


class InstructorError(GraderError):
    """A mistake in the course material or the command line. Exit code 2."""

    exit_code = 2


class SpecError(InstructorError):
    """An ``assignment.toml`` that does not validate."""


class UnknownAssignmentError(InstructorError):
    """``--assignment ID`` names no folder under ``assignments/``."""


class MaterialError(InstructorError):
    """A reference, template, check or mutant file is missing or inconsistent."""


class SubmissionFault(GraderError):
    """Something the student's code did; it costs the check it happened in."""


class SubmissionRaised(SubmissionFault):
    """The student's function raised an exception inside the worker."""

    def __init__(self, message: str, *, exc_type: str, student_traceback: str) -> None:
        super().__init__(message)
        self.exc_type = exc_type
        self.student_traceback = student_traceback


class WorkerDied(SubmissionFault):
    """The worker process ended (crash, ``os._exit``, signal, memory kill)."""


class WorkerTimeout(SubmissionFault):
    """A call into the worker ran past the check's or the submission's time limit."""


class ImportFailed(SubmissionFault):
    """The submission's modules could not be imported in the worker."""

    def __init__(self, message: str, *, student_traceback: str = "") -> None:
        super().__init__(message)
        self.student_traceback = student_traceback


class ForbiddenUse(SubmissionFault):
    """The student's code used an API this check forbids (``torch.Tensor.backward``, ...)."""


class BadReply(SubmissionFault):
    """The worker sent something the codec refuses (too big, malformed, wrong type)."""


class PartialCredit(SubmissionFault):
    """A check earns part of its points: ``fraction`` in (0, 1), with a message saying why."""

    def __init__(self, message: str, *, fraction: float) -> None:
        super().__init__(message)
        self.fraction = min(max(fraction, 0.0), 1.0)


class CheckFailed(SubmissionFault, AssertionError):
    """A check's comparison failed; the message is written for the student."""
