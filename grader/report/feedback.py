"""The per-student feedback page, in HTML and in Markdown, with the same content.

One view of a :class:`~grader.models.SubmissionResult` is built here in Python (plain text,
already cut to size); the two Jinja2 templates in ``templates/`` only lay it out. HTML is
autoescaped; the Markdown template escapes through the ``md_inline``, ``md_cell`` and
``md_fence`` filters of :mod:`grader.report.markdown`.
"""

from __future__ import annotations

import dataclasses
import html
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import jinja2

from grader import atomic
from grader.extras import MissingExtra
from grader.models import STATUS, CheckResult, HandGraded, Lateness, Status, SubmissionResult
from grader.report.markdown import md_cell, md_code, md_fence, md_inline
from grader.safetext import printable, well_formed_model

__all__ = ["render_feedback_html", "render_feedback_markdown", "write_feedback"]

STDOUT_LIMIT = 10_000
"""Characters of the student's printed output kept (the last ones)."""
TRACEBACK_LIMIT = 10_000
DETAILS_LIMIT = 5_000
MESSAGE_LIMIT = 1_000


_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Clipped:
    """Text cut to a limit; ``total`` is its length in characters before the cut."""

    text: str
    total: int
    cut: bool


@dataclass(frozen=True)
class CheckView:
    name: str
    part: str
    hidden: bool
    status: Status
    label: str
    meaning: str
    points: str
    max_points: str
    description: str
    message: str
    details: Clipped
    traceback: Clipped
    withheld: bool
    """True when a hidden check had details or a traceback that the page does not show."""
    where: str = ""
    """Where the code a failed check used is defined: "softmax (hw5.ipynb, cell 5, line 3)"."""


@dataclass(frozen=True)
class SectionView:
    name: str
    points: str
    max_points: str
    checks: list[CheckView]


@dataclass(frozen=True)
class LateView:
    """The deadline box: when the work came in against its deadline, and what that cost."""

    late: bool
    """False: on time (the box then just says so)."""
    submitted_at: str
    source: str
    warning: str
    deadline: str
    extension: str
    reason: str
    before: str
    penalty: str
    after: str


@dataclass(frozen=True)
class RubricLineView:
    title: str
    points: str
    comment: str
    title_html: str
    comment_html: str


@dataclass(frozen=True)
class HandView:
    """A question graded by hand, as the page shows it."""

    title: str
    graded: bool
    points: str
    max_points: str
    rubric: list[RubricLineView]
    comment: str
    comment_html: str


@dataclass(frozen=True)
class FeedbackView:
    student: str
    assignment: str
    gradable: bool
    not_gradable_reason: str
    notes: list[str]
    total: str
    sections: list[SectionView]
    stdout: Clipped
    seed: int
    content_hash: str
    grader_version: str
    isolation: str
    late: LateView | None = None
    hand: list[HandView] = dataclasses.field(default_factory=list)


def format_points(value: float) -> str:
    """``17.5`` -> ``"17.5"``, ``40.0`` -> ``"40"``, ``1/3`` -> ``"0.33"``."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def total_line(result: SubmissionResult) -> str:
    """``"17.5 / 40 (43.8%)"``: the score to report (:attr:`SubmissionResult.awarded`, and
    :attr:`SubmissionResult.total` with the questions graded by hand, which are said apart
    while any of them has no grade yet)."""
    if not result.hand:
        total, most = format_points(result.awarded), format_points(result.max_score)
        return f"{total} / {most} ({result.percent:.1f}%)"
    most_all = result.max_score + sum(q.max_points for q in result.hand)
    percent = 100.0 * result.total / most_all if most_all else 0.0
    line = f"{format_points(result.total)} / {format_points(most_all)} ({percent:.1f}%)"
    pending = [q for q in result.hand if not q.graded]
    if pending:
        waiting = format_points(sum(q.max_points for q in pending))
        line += f" so far: {waiting} points are still to be graded by hand"
    return line


def clip_head(text: str, limit: int) -> Clipped:
    """Keep the first ``limit`` characters."""
    return Clipped(text[:limit], len(text), len(text) > limit)


def clip_tail(text: str, limit: int) -> Clipped:
    """Keep the last ``limit`` characters (where the error usually is)."""
    return Clipped(text[-limit:] if len(text) > limit else text, len(text), len(text) > limit)


def clean_output(text: str) -> str:
    """Terminal output made readable as text: colour codes dropped, progress bars (``\\r``)
    reduced to their last state, other control characters shown as U+FFFD."""
    text = _ANSI.sub("", text.replace("\r\n", "\n"))
    lines = [line.rsplit("\r", 1)[-1] for line in text.split("\n")]
    return _CONTROL.sub("\ufffd", "\n".join(lines))


def _clean(clipped: Clipped) -> Clipped:
    return Clipped(clean_output(clipped.text), clipped.total, clipped.cut)


def build_view(result: SubmissionResult) -> FeedbackView:
    """Everything both pages show, as plain text cut to size (and valid Unicode: a lone
    surrogate from a folder name that is not UTF-8 becomes U+FFFD)."""
    result = well_formed_model(result)
    return FeedbackView(
        student=printable(result.student),
        assignment=printable(result.assignment),
        gradable=result.gradable,
        not_gradable_reason=clean_output(result.not_gradable_reason or ""),
        notes=[clean_output(note) for note in result.notes],
        total=total_line(result),
        sections=_sections(result),
        stdout=_clean(clip_tail(result.stdout_tail, STDOUT_LIMIT)),
        seed=result.seed,
        content_hash=printable(result.content_hash),
        grader_version=printable(result.grader_version),
        isolation=printable(result.isolation),
        late=late_view(result),
        hand=[_hand_view(q) for q in result.hand],
    )


def _hand_view(question: HandGraded) -> HandView:
    lines = []
    for line in question.rubric:
        title, comment = clean_output(line.title), clean_output(line.comment)
        lines.append(
            RubricLineView(
                title=title,
                points=f"{line.points:+g}",
                comment=comment,
                title_html=_math_text(title),
                comment_html=_math_text(comment),
            )
        )
    comment = clean_output(question.comment)
    return HandView(
        title=printable(question.title),
        graded=question.graded,
        points=format_points(question.points),
        max_points=format_points(question.max_points),
        rubric=lines,
        comment=comment,
        comment_html=_math_text(comment, block=True),
    )


def _math_text(text: str, *, block: bool = False) -> str:
    """A grader's words as HTML: Markdown with its ``$...$`` drawn as MathML when the
    ``serve`` extra is installed (:mod:`grader.answers.render`, which lets nothing run),
    else the text escaped. The page stays self-contained either way."""
    try:
        from grader.answers.render import markdown_html

        rendered = markdown_html(text)
    except MissingExtra:
        escaped = html.escape(text)
        return f'<p class="plain">{escaped}</p>' if block else escaped
    return rendered if block else rendered.strip().removeprefix("<p>").removesuffix("</p>")


def format_time(moment: datetime) -> str:
    """``2026-10-08 12:00 UTC+02:00``: minutes, and the offset when the time has one."""
    text = moment.strftime("%Y-%m-%d %H:%M")
    offset = moment.strftime("%z")
    if not offset:
        return text
    return f"{text} UTC" if offset == "+0000" else f"{text} UTC{offset[:3]}:{offset[3:]}"


def late_view(result: SubmissionResult) -> LateView | None:
    """The deadline box of a result with a deadline (``result.late``), else None."""
    late: Lateness | None = result.late
    if late is None:
        return None
    return LateView(
        late=late.minutes_late > 0 or late.percent > 0,
        submitted_at=format_time(late.submitted_at),
        source=printable(late.source),
        warning=clean_output(late.warning),
        deadline=format_time(late.deadline),
        extension=printable(late.extension),
        reason=clean_output(late.reason),
        before=format_points(result.total),
        penalty=format_points(result.late_points),
        after=format_points(result.final),
    )


def late_lines(result: SubmissionResult) -> list[str]:
    """The deadline box as plain text lines (Gradescope's output); empty without a deadline."""
    view = late_view(result)
    if view is None:
        return []
    extension = f" (extension: {view.extension})" if view.extension else ""
    submitted = f"Submitted {view.submitted_at} (from {view.source})"
    if not view.late:
        lines = [f"On time: {submitted}; deadline {view.deadline}{extension}."]
    else:
        lines = [
            f"Late: {submitted}; deadline {view.deadline}{extension}.",
            f"Late penalty: {view.reason or 'no reason recorded'}.",
            f"Score before the penalty {view.before}, penalty -{view.penalty}, final {view.after}.",
        ]
    if view.warning:
        lines.append(f"Note on the submission time: {view.warning}")
    return lines


def _sections(result: SubmissionResult) -> list[SectionView]:
    """One section per part, in the order of ``result.parts`` and then of first use."""
    names = [part.name for part in result.parts]
    names += [c.part for c in result.checks if c.part not in names]
    names = list(dict.fromkeys(names))
    most = {part.name: part.max_points for part in reversed(result.parts)}  # the first wins
    sections = []
    for name in names:
        checks = [c for c in result.checks if c.part == name]
        sections.append(
            SectionView(
                name=printable(name) or "Other checks",
                points=format_points(result.awarded_in(name)),
                max_points=format_points(most.get(name, sum(c.max_points for c in checks))),
                checks=[_check_view(c, result.awarded_for(c)) for c in checks],
            )
        )
    return sections


def _check_view(check: CheckResult, points: float) -> CheckView:
    """One check as the page shows it; ``points``: what to report it earned."""
    hidden = check.visibility == "hidden"
    row = STATUS[check.status]
    empty = Clipped("", 0, False)
    return CheckView(
        name=printable(check.name),
        part=printable(check.part),
        hidden=hidden,
        status=check.status,
        label=row.label,
        meaning=row.meaning,
        points=format_points(points),
        max_points=format_points(check.max_points),
        description=printable(check.description),
        message=_clean(clip_head(check.message, MESSAGE_LIMIT)).text,
        details=empty if hidden else _clean(clip_head(check.details, DETAILS_LIMIT)),
        traceback=empty if hidden else _clean(clip_tail(check.student_traceback, TRACEBACK_LIMIT)),
        withheld=hidden and bool(check.details or check.student_traceback),
        where="" if check.status == "passed" else printable("; ".join(map(str, check.where))),
    )


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=lambda name: name is not None and name.endswith(".html.j2"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        md_inline=md_inline,
        md_cell=md_cell,
        md_code=md_code,
        md_fence=md_fence,
        thousands="{:,}".format,
    )
    return env


def render_feedback_html(result: SubmissionResult) -> str:
    """A self-contained HTML page (inline CSS, no scripts, no external assets)."""
    return (
        _environment()
        .get_template("feedback.html.j2")
        .render(v=build_view(result), statuses=STATUS)
    )


def render_feedback_markdown(result: SubmissionResult) -> str:
    """The same content as :func:`render_feedback_html`, as Markdown."""
    return (
        _environment().get_template("feedback.md.j2").render(v=build_view(result), statuses=STATUS)
    )


def write_feedback(result: SubmissionResult, student_dir: Path) -> None:
    """Write ``feedback.html`` and ``feedback.md`` into ``student_dir``, each atomically."""
    atomic.write_text(student_dir / "feedback.html", render_feedback_html(result))
    atomic.write_text(student_dir / "feedback.md", render_feedback_markdown(result))
