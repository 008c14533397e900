"""The grades given by hand, as the students' results show them (:class:`HandGraded`).

``grader release-feedback`` reads them from the course gradebook and puts them into each
student's feedback page before handing it back.
"""

from __future__ import annotations

from grader.coursebook.models import ManualGrade, ManualQuestion
from grader.coursebook.store import Coursebook
from grader.models import HandGraded, RubricLine

__all__ = ["hand_graded", "hand_view"]


def hand_graded(book: Coursebook, assignment: str) -> dict[str, list[HandGraded]]:
    """Each student with a current submission -> their questions graded by hand, in the
    spec's order, graded or not yet; empty when the assignment has none."""
    questions = book.manual_questions(assignment)
    if not questions:
        return {}
    grades = {(g.student, g.item): g for g in book.manual_grades(assignment)}
    return {
        c.student: [hand_view(q, grades.get((c.student, q.id))) for q in questions]
        for c in book.current_submissions(assignment)
    }


def hand_view(question: ManualQuestion, grade: ManualGrade | None) -> HandGraded:
    """One question as the student's result shows it: the rubric items applied (with their
    points and comments), free points as a line of their own, the grader's comment."""
    if grade is None:
        return HandGraded(id=question.id, title=question.title, max_points=question.points)
    lines = [
        RubricLine(title=r.title, points=r.points, comment=r.comment)
        for rubric_id in grade.applied
        if (r := question.rubric_item(rubric_id)) is not None
    ]
    if grade.adjustment:
        lines.append(RubricLine(title="Points adjusted by the grader", points=grade.adjustment))
    return HandGraded(
        id=question.id,
        title=question.title,
        max_points=question.points,
        graded=True,
        points=grade.score,
        rubric=lines,
        comment=grade.comment,
    )
