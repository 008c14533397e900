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
from grader.serve.roster import Roster

__all__ = ["KEYS", "QuestionPage", "StudentRow", "answer_digest", "question_page", "student_rows"]

KEYS = "1234567890qwertyuiop"
"""The keyboard shortcuts of the rubric items, in order (j and k move between students)."""


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StudentRow(_View):
    """One student in the list beside the answer, as the page may show them."""

    key: str
    """Their part of the page's URLs (:class:`~grader.serve.roster.Roster`)."""
    label: str
    """Their id, or "Student 7" when grading anonymously."""
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
    student: StudentRow
    students: list[StudentRow]
    anonymous: bool = False
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


def student_rows(book: Coursebook, roster: Roster, assignment: str, item: str) -> list[StudentRow]:
    """Every student with a current submission, in the roster's order, with their grade."""
    grades = {g.student: g for g in book.manual_grades(assignment, item)}
    return [
        StudentRow(
            key=roster.key(student),
            label=roster.label(student),
            name=roster.name(student),
            graded=student in grades,
            score=grades[student].score if student in grades else None,
        )
        for student in roster.order()
    ]


def question_page(
    book: Coursebook,
    roster: Roster,
    question: ManualQuestion,
    submission: CurrentSubmission,
    answer: Answer,
) -> QuestionPage:
    rows = student_rows(book, roster, question.assignment, question.id)
    keys = [r.key for r in rows]
    at = keys.index(roster.key(submission.student))
    grade = book.manual_grade(submission.student, question.assignment, question.id)
    applied = set(grade.applied) if grade else set()
    after = rows[at + 1 :] + rows[:at]
    return QuestionPage(
        question=question,
        prompt_html=markdown_html(question.prompt),
        student=rows[at],
        students=rows,
        anonymous=roster.anonymous,
        previous=keys[at - 1] if at > 0 else None,
        next=keys[at + 1] if at + 1 < len(keys) else None,
        next_to_grade=next((r.key for r in after if not r.graded), None),
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
