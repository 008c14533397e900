"""The grading page: a small Flask app over the course gradebook.

Flask is the ``serve`` extra: import this module after ``grader.extras.require("flask")``
(as :class:`grader.serve.server.Server` does), which names the extra when it is missing.

:func:`create_app` builds it for one assignment. Each request opens the gradebook for
itself (SQLite connections stay in their thread) and every write goes through
:class:`~grader.coursebook.store.Coursebook`, which checks it, versions it and logs it, so
two graders (two browsers, or two ``grader serve``) never overwrite each other.

Routes::

    GET  /                          the questions graded by hand, with progress
    GET  /overview                  students x questions
    GET  /q/<item>                  the first student still to grade on it
    GET  /q/<item>/<key>            grading one question of one student
    GET  /pdf/<item>/<key>          the PDF of an answer that is a PDF page
    GET  /feedback/<key>            the student's feedback page from the checks (not anonymous)
    POST /api/grade/<item>/<key>    {applied, adjustment, comment, version, by, answer}

A student's key is their id, or, graded anonymously, a key drawn from the assignment's salt
(:class:`~grader.serve.roster.Roster`).
    POST /api/rubric/<item>         {id (null: a new item), title, points, comment, by}
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import flask
from pydantic import BaseModel, ConfigDict

from grader.coursebook.models import ManualConflict
from grader.coursebook.schema import CoursebookError
from grader.coursebook.store import Coursebook
from grader.serve.answers import Answers
from grader.serve.roster import Roster
from grader.serve.security import HEADER, HEADERS, Guard
from grader.serve.views import question_page, student_rows
from grader.spec import AssignmentSpec

__all__ = ["ServeConfig", "create_app"]

_NAME_CHARS = 80


class ServeConfig(BaseModel):
    """What one grading server serves."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    gradebook: Path
    spec: AssignmentSpec
    guard: Guard
    grader: str
    """Who saves, unless the page names someone (its name field)."""
    anonymous: bool = False
    """Students shown as "Student N", addressed by keys (:mod:`grader.serve.roster`)."""
    scratch: Path
    """Where submissions are unpacked to be read."""


def create_app(config: ServeConfig) -> flask.Flask:
    """The Flask app for ``config``."""
    app = flask.Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 256 * 1024
    answers = Answers(config.spec, config.scratch)
    assignment = config.spec.id
    guard = config.guard

    @contextmanager
    def book() -> Iterator[Coursebook]:
        with Coursebook.open(config.gradebook, create=False) as opened:
            yield opened

    @app.before_request
    def _check() -> Any:
        request = flask.request
        if not guard.right_host(request.host):
            return _plain(403, "this grading server answers only on its own address")
        given = request.args.get("token")
        if given is not None:
            if not guard.right_token(given):
                return _plain(403, "wrong token: open the URL grader serve printed")
            response = flask.redirect(quote(request.path))
            response.set_cookie(guard.cookie, guard.token, httponly=True, samesite="Strict")
            return response
        if not guard.right_token(request.cookies.get(guard.cookie)):
            return _plain(403, "no token: open the URL grader serve printed")
        if request.method == "POST" and not guard.right_token(request.headers.get(HEADER)):
            return _plain(403, "a change needs the page's token header")
        return None

    @app.after_request
    def _headers(response: Any) -> Any:
        for key, value in HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    @app.errorhandler(CoursebookError)
    def _instructor(exc: CoursebookError) -> Any:
        if flask.request.path.startswith("/api/"):
            return flask.jsonify(error=str(exc)), 400
        return _plain(404, str(exc))

    def render(template: str, **context: Any) -> Any:
        return flask.render_template(
            template, assignment=config.spec, token=guard.token, grader=config.grader, **context
        )

    @app.get("/")
    def index() -> Any:
        with book() as b:
            questions = b.manual_questions(assignment)
            students = b.current_submissions(assignment)
            graded = {q.id: len(b.manual_grades(assignment, q.id)) for q in questions}
        return render("index.html", questions=questions, graded=graded, students=len(students))

    def roster(b: Coursebook) -> Roster:
        ids = [c.student for c in b.current_submissions(assignment)]
        salt = b.grading_salt(assignment) if config.anonymous else None
        return Roster(ids, b.student_names(), salt)

    def whose(b: Coursebook, key: str) -> str:
        """The student a URL's key names; a 404 page when none."""
        student = roster(b).student(key)
        if student is None:
            flask.abort(_plain(404, f"no student {key!r} with a graded submission of {assignment}"))
        return student

    @app.get("/overview")
    def overview() -> Any:
        with book() as b:
            questions = b.manual_questions(assignment)
            names = roster(b)
            rows = {
                q.id: {r.key: r for r in student_rows(b, names, assignment, q.id)}
                for q in questions
            }
        first = rows[questions[0].id] if questions else {}
        return render(
            "overview.html", questions=questions, rows=rows, students=list(first.values())
        )

    @app.get("/q/<item>")
    def first(item: str) -> Any:
        with book() as b:
            b.manual_question(assignment, item)
            rows = student_rows(b, roster(b), assignment, item)
        if not rows:
            return _plain(404, f"no submission of {assignment} is graded yet")
        todo = next((r for r in rows if not r.graded), rows[0])
        return flask.redirect(f"/q/{quote(item, safe='')}/{quote(todo.key, safe='')}")

    @app.get("/q/<item>/<key>")
    def grade_page(item: str, key: str) -> Any:
        with book() as b:
            question = b.manual_question(assignment, item)
            submission = b.current_submission(whose(b, key), assignment)
            if submission is None:
                return _plain(404, f"{key} has no graded submission of {assignment}")
            answer = answers.answer(question, submission)
            page = question_page(b, roster(b), question, submission, answer)
        return render("question.html", p=page, keys=[r.key for r in page.rubric])

    @app.get("/pdf/<item>/<key>")
    def pdf(item: str, key: str) -> Any:
        with book() as b:
            question = b.manual_question(assignment, item)
            submission = b.current_submission(whose(b, key), assignment)
        path = answers.pdf(question, submission) if submission else None
        if path is None:
            return _plain(404, "no PDF answer here")
        response = flask.send_file(path, mimetype="application/pdf", max_age=0)
        response.headers["Content-Disposition"] = "inline"
        return response

    @app.get("/feedback/<key>")
    def feedback(key: str) -> Any:
        with book() as b:
            submission = b.current_submission(whose(b, key), assignment)
        page = Path(submission.feedback) if submission and submission.feedback else None
        if config.anonymous or page is None or not page.is_file() or page.is_symlink():
            return _plain(404, f"no feedback page for {key} here")
        response = flask.send_file(page, mimetype="text/html", max_age=0)
        response.headers["Content-Security-Policy"] = (
            "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        )
        return response

    @app.post("/api/grade/<item>/<key>")
    def save(item: str, key: str) -> Any:
        body = flask.request.get_json(silent=True)
        if not isinstance(body, dict):
            return flask.jsonify(error="send the grade as a JSON object"), 400
        applied = body.get("applied", [])
        if not isinstance(applied, list) or not all(isinstance(a, str) for a in applied):
            return flask.jsonify(error="applied is a list of rubric item ids"), 400
        version = body.get("version", 0)
        try:
            adjustment = float(body.get("adjustment") or 0)
        except (TypeError, ValueError):
            adjustment = math.nan
        if not isinstance(version, int) or isinstance(version, bool) or version < 0:
            return flask.jsonify(error="version is the grade's version the page saw (0: none)"), 400
        comment = body.get("comment") or ""
        answer = body.get("answer") or ""
        if not isinstance(answer, str) or len(answer) > 64:
            return flask.jsonify(error="answer is the page's digest of the answer"), 400
        if not isinstance(comment, str) or not math.isfinite(adjustment):
            return flask.jsonify(error="comment is text and adjustment a finite number"), 400
        with book() as b:
            student = whose(b, key)
            try:
                saved = b.grade_manual(
                    student,
                    assignment,
                    item,
                    applied=applied,
                    adjustment=adjustment,
                    comment=comment,
                    by=_who(body, config.grader),
                    expected_version=version,
                    answer_hash=answer,
                )
            except ManualConflict as conflict:
                return flask.jsonify(
                    error=str(conflict), current=_grade_json(conflict.current, config.anonymous)
                ), 409
        return flask.jsonify(grade=_grade_json(saved, config.anonymous))

    @app.post("/api/rubric/<item>")
    def rubric(item: str) -> Any:
        body = flask.request.get_json(silent=True)
        if not isinstance(body, dict):
            return flask.jsonify(error="send the rubric item as a JSON object"), 400
        rubric_id = body.get("id")
        title, comment = body.get("title"), body.get("comment") or ""
        if not isinstance(title, str) or not isinstance(comment, str):
            return flask.jsonify(error="title and comment are text"), 400
        if rubric_id is not None and not isinstance(rubric_id, str):
            return flask.jsonify(error="id is a rubric item's id, or null for a new one"), 400
        try:
            points = float(body["points"])
        except (KeyError, TypeError, ValueError):
            return flask.jsonify(error="points is a number"), 400
        with book() as b:
            changed_item, changed = b.set_rubric_item(
                assignment,
                item,
                rubric_id,
                title=title,
                points=points,
                comment=comment,
                by=_who(body, config.grader),
            )
        return flask.jsonify(item=changed_item.model_dump(), rescored=changed)

    return app


def _who(body: dict[str, Any], default: str) -> str:
    name = body.get("by")
    if isinstance(name, str) and name.strip():
        return "".join(ch for ch in name.strip() if ch.isprintable())[:_NAME_CHARS]
    return default


def _grade_json(grade: Any, anonymous: bool) -> dict[str, Any]:
    """A grade for the page; without the student's id when grading anonymously."""
    data: dict[str, Any] = grade.model_dump(mode="json", exclude={"student"} if anonymous else None)
    return data


def _plain(status: int, message: str) -> flask.Response:
    response = flask.make_response(message + "\n", status)
    response.mimetype = "text/plain"
    return response
