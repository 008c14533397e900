"""Students' answers for the grading page: each submission unpacked once, as grading reads it.

A submission in the gradebook is the folder, zip or notebook that was graded. It is copied
(:func:`grader.load.unpack`: the same caps, the same root folder) into a scratch folder per
content hash, so a zip is read once and a resubmission is read afresh; then
:func:`grader.answers.find_answer` finds each question's answer in the copy.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from grader.answers import Answer, PdfPiece, find_answer
from grader.coursebook.models import CurrentSubmission, ManualQuestion
from grader.discover import submission_at
from grader.load import unpack
from grader.spec import AssignmentSpec

__all__ = ["Answers"]


class Answers:
    """The answers of one assignment's submissions, unpacked under ``scratch``."""

    def __init__(self, spec: AssignmentSpec, scratch: Path) -> None:
        self._spec = spec
        self._scratch = scratch
        self._lock = threading.Lock()
        self._unpacked: dict[tuple[str, str], tuple[Path, str]] = {}

    def answer(self, question: ManualQuestion, submission: CurrentSubmission) -> Answer:
        folder, problem = self._folder(submission)
        if problem:
            return Answer(item=question.id, where="the submission", problem=problem)
        return find_answer(question.answer, folder, question.id)

    def pdf(self, question: ManualQuestion, submission: CurrentSubmission) -> Path | None:
        """The PDF file of the question's answer, when it is a page of one."""
        answer = self.answer(question, submission)
        piece = next((p for p in answer.pieces if isinstance(p, PdfPiece)), None)
        if piece is None:
            return None
        folder, _ = self._folder(submission)
        path = folder / piece.path
        return path if path.is_file() and not path.is_symlink() else None

    def _folder(self, submission: CurrentSubmission) -> tuple[Path, str]:
        key = (submission.student, submission.content_hash)
        with self._lock:
            if key not in self._unpacked:
                self._unpacked[key] = self._unpack(submission)
            return self._unpacked[key]

    def _unpack(self, submission: CurrentSubmission) -> tuple[Path, str]:
        dest = self._scratch / f"{len(self._unpacked)}"
        shutil.rmtree(dest, ignore_errors=True)
        source = Path(submission.source)
        if not source.exists():
            return dest, f"the submission {source} is no longer there"
        problem = unpack(submission_at(source, submission.student), self._spec, dest)
        return dest, problem or ""
