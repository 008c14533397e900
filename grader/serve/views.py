"""What the grading pages show, built from the gradebook (the templates only lay it out)."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, ConfigDict, Field

from grader.answers import Answer, markdown_html
from grader.coursebook.models import (
    CurrentSubmission,
    ManualGrade,
    ManualQuestion,
    RubricItem,
)
from grader.coursebook.store import Coursebook

__all__ = ["KEYS", "QuestionPage", "StudentRow", "answer_digest", "question_page", "student_rows"]

KEYS = "1234567890qwertyuiop"
"""The keyboard shortcuts of the rubric items, in order (j and k move between students)."""


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StudentRow(_View):
    """One student in the list beside the answer."""

    student: str
    name: str
    graded: bool
    score: float | None


class RubricButton(_View):
    item: RubricItem
    key: str
    title_html: str
    comment_html: str
    applied: bool


class QuestionPage(_View):
    """The page grading one question for one student."""

    question: ManualQuestion
    prompt_html: str
    student: str
    name: str
    students: list[StudentRow]
    previous: str | None
    next: str | None
    next_to_grade: str | None
    rubric: list[RubricButton]
    grade: ManualGrade | None
    answer: Answer
    submission: CurrentSubmission
    comments: list[str] = Field(default_factory=list)
    changed: bool = False
    """The answer differs from the one the grade was given on (a resubmission)."""
    answer_hash: str = ""


def student_rows(book: Coursebook, assignment: str, item: str) -> list[StudentRow]:
    names = book.student_names()
    grades = {g.student: g for g in book.manual_grades(assignment, item)}
    rows = []
    for current in book.current_submissions(assignment):
        grade = grades.get(current.student)
        rows.append(
            StudentRow(
                student=current.student,
                name=names.get(current.student, ""),
                graded=grade is not None,
                score=grade.score if grade else None,
            )
        )
    return rows


def question_page(
    book: Coursebook,
    question: ManualQuestion,
    submission: CurrentSubmission,
    answer: Answer,
) -> QuestionPage:
    rows = student_rows(book, question.assignment, question.id)
    ids = [r.student for r in rows]
    at = ids.index(submission.student)
    grade = book.manual_grade(submission.student, question.assignment, question.id)
    applied = set(grade.applied) if grade else set()
    after = ids[at + 1 :] + ids[:at]
    return QuestionPage(
        question=question,
        prompt_html=markdown_html(question.prompt),
        student=submission.student,
        name=book.student_names().get(submission.student, ""),
        students=rows,
        previous=ids[at - 1] if at > 0 else None,
        next=ids[at + 1] if at + 1 < len(ids) else None,
        next_to_grade=next((s for s in after if not rows[ids.index(s)].graded), None),
        rubric=[
            RubricButton(
                item=r,
                key=KEYS[i] if i < len(KEYS) else "",
                title_html=_inline(r.title),
                comment_html=_inline(r.comment),
                applied=r.id in applied,
            )
            for i, r in enumerate(question.rubric)
        ],
        grade=grade,
        answer=answer,
        submission=submission,
        comments=book.comment_bank(question.assignment, question.id),
        changed=_changed(grade, submission, answer),
        answer_hash=answer_digest(answer),
    )


def answer_digest(answer: Answer) -> str:
    """A digest of an answer as the page shows it: a grade keeps the one it was given on."""
    return hashlib.sha256(answer.model_dump_json().encode()).hexdigest()[:16]


def _changed(grade: ManualGrade | None, submission: CurrentSubmission, answer: Answer) -> bool:
    """Whether ``grade`` was given on another answer than the one shown now. A grade saved
    here keeps the answer's digest; one saved without it (``Coursebook.grade_manual`` from
    elsewhere) keeps the submission's content hash, and stands while that is current."""
    if grade is None:
        return False
    return grade.content_hash not in (answer_digest(answer), submission.content_hash)


def _inline(text: str) -> str:
    """One line of Markdown (a rubric item's title or comment) as inline HTML."""
    return markdown_html(text).strip().removeprefix("<p>").removesuffix("</p>")
