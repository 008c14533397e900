"""The report stage: feedback pages, Gradescope's results.json and the class gradebook."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from grader.models import CheckResult, Lateness, PartResult, SubmissionResult
from grader.report import (
    GradescopeResults,
    render_feedback_html,
    render_feedback_markdown,
    to_gradescope,
    write_feedback,
    write_gradebook,
    write_gradescope,
)
from grader.report.lms import lms_rows

Render = Callable[[SubmissionResult], str]
SCRIPT = "<script>alert('pwned')</script>"
HIDDEN_DETAILS = "hidden input had shape (7, 13)"
HIDDEN_TRACEBACK = 'File "nn.py", line 88, in softmax_backward'


def _check(
    name: str, part: str, status: str, points: float, max_points: float, **kw: str
) -> CheckResult:
    return CheckResult.model_validate(
        {
            "name": name,
            "part": part,
            "visibility": kw.pop("visibility", "public"),
            "status": status,
            "points": points,
            "max_points": max_points,
            "description": f"Does {name.removeprefix('test_')} behave as specified?",
            "message": kw.pop("message", f"Reason for {name} goes here."),
            **kw,
        }
    )


@pytest.fixture
def mixed() -> SubmissionResult:
    """17.5 / 40: passed, failed, timeout and crashed checks, public and hidden."""
    checks = [
        _check("test_linear_forward_matches_reference", "Forward pass", "passed", 5, 5),
        _check("test_softmax_is_stable", "Forward pass", "passed", 5, 5, visibility="hidden"),
        _check(
            "test_relu_forward_keeps_shape",
            "Forward pass",
            "failed",
            0,
            5,
            details="max abs error 0.5 at index (2, 3); shapes (4, 5) vs (4, 5)",
        ),
        _check("test_linear_backward_matches_numeric", "Backward pass", "passed", 7.5, 7.5),
        _check(
            "test_softmax_backward_matches_numeric",
            "Backward pass",
            "timeout",
            0,
            12.5,
            visibility="hidden",
            details=HIDDEN_DETAILS,
            student_traceback=HIDDEN_TRACEBACK,
        ),
        _check(
            "test_train_mlp_reaches_accuracy",
            "Training",
            "crashed",
            0,
            5,
            student_traceback='File "nn.py", line 120, in train\n    loss = model(x)\nMemoryError',
        ),
    ]
    return SubmissionResult(
        student="ada",
        assignment="nn_numpy",
        score=17.5,
        max_score=40,
        gradable=True,
        parts=[
            PartResult(name="Forward pass", points=10, max_points=15),
            PartResult(name="Backward pass", points=7.5, max_points=20),
            PartResult(name="Training", points=0, max_points=5),
        ],
        checks=checks,
        seed=1234,
        content_hash="sha256:0f1e2d3c",
        stdout_tail="epoch 1 loss 2.30\nepoch 2 loss 1.95\n",
        grader_version="0.1.0",
    )


@pytest.fixture
def broken() -> SubmissionResult:
    """A submission that could not be graded."""
    return SubmissionResult(
        student="bob",
        assignment="nn_numpy",
        score=0,
        max_score=40,
        gradable=False,
        not_gradable_reason="nn.py has a syntax error on line 12, so it cannot be imported.",
        notes=["Found notebook.ipynb but no nn.py at the top level."],
        parts=[PartResult(name="Forward pass", points=0, max_points=15)],
        seed=1234,
        content_hash="sha256:99aa",
    )


def _visible_text(html: str) -> str:
    """The page's text without its <style> block and tags, entities left as they are."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", html, flags=re.S))


@pytest.mark.parametrize("render", [render_feedback_html, render_feedback_markdown])
def test_total_and_part_subtotals_appear(render: Render, mixed: SubmissionResult) -> None:
    """Does the page show the total with its percentage and each part's subtotal?"""
    page = render(mixed)
    assert "17.5 / 40 (43.8%)" in page
    for subtotal in ["10 / 15", "7.5 / 20", "0 / 5"]:
        assert subtotal in page
    for part in ["Forward pass", "Backward pass", "Training"]:
        assert part in page


@pytest.mark.parametrize("render", [render_feedback_html, render_feedback_markdown])
def test_not_gradable_shows_reason_notes_and_zero(render: Render, broken: SubmissionResult) -> None:
    """Does an ungradable submission show why, its notes, and 0 whatever its score says?"""
    page = render(broken.model_copy(update={"score": 12.0}))
    assert "could not be graded" in page
    assert "syntax error on line 12" in page
    assert "no nn.py at the top level" in page
    assert "0 / 40 (0.0%)" in page
    assert "12 / 40" not in page


def test_gradable_page_has_no_not_gradable_box(mixed: SubmissionResult) -> None:
    """Is the 'could not be graded' box absent for a graded submission?"""
    assert "could not be graded" not in render_feedback_html(mixed)
    assert "could not be graded" not in render_feedback_markdown(mixed)


def test_html_escapes_student_text(mixed: SubmissionResult) -> None:
    """Are HTML tags in messages, tracebacks and printed output escaped, never live?"""
    checks = [
        c.model_copy(update={"message": SCRIPT, "student_traceback": SCRIPT}) for c in mixed.checks
    ]
    result = mixed.model_copy(update={"checks": checks, "stdout_tail": SCRIPT, "student": SCRIPT})
    html = render_feedback_html(result)
    assert "<script" not in html.lower()
    assert "&lt;script&gt;" in html


def test_markdown_neutralises_raw_html(mixed: SubmissionResult) -> None:
    """Does Markdown keep student text from becoming raw HTML outside code blocks?"""
    checks = [c.model_copy(update={"message": SCRIPT}) for c in mixed.checks]
    md = render_feedback_markdown(mixed.model_copy(update={"checks": checks}))
    assert re.search(r"(?<!\\)<script", md) is None
    assert "\\<script>" in md


def test_markdown_and_html_show_the_same_checks(mixed: SubmissionResult) -> None:
    """Do both pages carry every check's name, status, description, message and points?"""
    html, md = render_feedback_html(mixed), render_feedback_markdown(mixed)
    for check in mixed.checks:
        for text in [check.name, check.description, check.message]:
            assert text in html, text
            assert text in md, text
    for status in ["Passed", "Failed", "Timed out", "Crashed"]:
        assert status in html and status in md
    hidden = sum(c.visibility == "hidden" for c in mixed.checks)
    assert html.count('<span class="tag">hidden check</span>') == hidden
    assert md.count("(hidden check)") == hidden


def test_status_has_a_colour_class_in_html(mixed: SubmissionResult) -> None:
    """Is each check styled by its status, and is every status class defined in the CSS?"""
    html = render_feedback_html(mixed)
    used = set(re.findall(r'class="check s-(\w+)"', html))
    assert used == {c.status for c in mixed.checks}
    for status in used:
        assert re.search(rf"\.s-{status} \{{ --c: #[0-9a-f]{{6}}; \}}", html)


def test_hidden_checks_are_labelled_and_keep_their_details_back(mixed: SubmissionResult) -> None:
    """Does a hidden check show description and message, labelled hidden, but no details?"""
    for page in [render_feedback_html(mixed), render_feedback_markdown(mixed)]:
        assert "Does softmax_backward_matches_numeric behave as specified?" in page
        assert "Reason for test_softmax_backward_matches_numeric goes here." in page
        assert HIDDEN_DETAILS not in page
        assert HIDDEN_TRACEBACK not in page
        assert "Further details of hidden checks are not shown." in page


def test_public_details_and_traceback_are_shown(mixed: SubmissionResult) -> None:
    """Are a public check's details and trimmed traceback shown, the traceback in a code block?"""
    html, md = render_feedback_html(mixed), render_feedback_markdown(mixed)
    assert "max abs error 0.5 at index (2, 3)" in html
    assert re.search(
        r"<pre>File &#34;nn.py&#34;, line 120, in train\n.*MemoryError</pre>", html, re.S
    )
    assert re.search(r'```text\nFile "nn.py", line 120, in train\n.*MemoryError\n```', md, re.S)


def test_seed_and_hash_are_at_the_bottom(mixed: SubmissionResult) -> None:
    """Can a grade be reproduced from what the page ends with?"""
    for page in [render_feedback_html(mixed), render_feedback_markdown(mixed)]:
        tail = page[page.rindex(mixed.checks[-1].name) :]
        assert "1234" in tail and "sha256:0f1e2d3c" in tail


@pytest.mark.parametrize("render", [render_feedback_html, render_feedback_markdown])
def test_huge_stdout_is_cut_to_its_tail(render: Render, mixed: SubmissionResult) -> None:
    """Is megabytes of printed output cut to about 10 kB, keeping the end and saying so?"""
    stdout = "FIRST LINE\n" + "x" * 79 + "\n" * 1 + ("y" * 99 + "\n") * 30_000 + "LAST LINE\n"
    page = render(mixed.model_copy(update={"stdout_tail": stdout}))
    assert "LAST LINE" in page
    assert "FIRST LINE" not in page
    assert "Output was cut" in page and f"{len(stdout):,}" in page
    assert len(page) < 40_000


def test_small_stdout_is_shown_whole_in_a_collapsible_block(mixed: SubmissionResult) -> None:
    """Is short output shown in full, inside <details>, with no 'cut' note?"""
    html = render_feedback_html(mixed)
    block = html[html.index("<details>") : html.index("</details>")]
    assert "epoch 1 loss 2.30\nepoch 2 loss 1.95" in block
    assert "Output was cut" not in html


def test_terminal_noise_is_cleaned_from_stdout(mixed: SubmissionResult) -> None:
    """Are colour codes, progress-bar redraws and NUL bytes kept out of the page?"""
    noisy = "\x1b[31mred\x1b[0m\n10%\r50%\r100%\nnul:\x00\n"
    html = render_feedback_html(mixed.model_copy(update={"stdout_tail": noisy}))
    assert "red\n100%\nnul:\ufffd" in html
    assert "\x1b" not in html and "\x00" not in html and "10%" not in html


def test_markdown_fence_survives_backticks_in_output(mixed: SubmissionResult) -> None:
    """Can printed output that contains a code fence not end the Markdown block early?"""
    md = render_feedback_markdown(
        mixed.model_copy(update={"stdout_tail": "a\n```\n# not a heading\n"})
    )
    assert "````text\na\n```\n# not a heading\n````" in md


def test_write_feedback_writes_both_pages(tmp_path: Path, mixed: SubmissionResult) -> None:
    """Does write_feedback leave exactly feedback.html and feedback.md, matching the renderers?"""
    write_feedback(mixed, tmp_path / "ada")
    assert sorted(p.name for p in (tmp_path / "ada").iterdir()) == ["feedback.html", "feedback.md"]
    assert (tmp_path / "ada" / "feedback.html").read_text("utf-8") == render_feedback_html(mixed)
    assert (tmp_path / "ada" / "feedback.md").read_text("utf-8") == render_feedback_markdown(mixed)


def test_gradescope_validates_and_sums_to_the_total(mixed: SubmissionResult) -> None:
    """Does results.json validate, and do its test scores add up to the total?"""
    data = json.loads(json.dumps(to_gradescope(mixed)))
    model = GradescopeResults.model_validate(data)
    assert model.score == pytest.approx(17.5)
    assert sum(t.score for t in model.tests) == pytest.approx(model.score)
    assert sum(t.max_score for t in model.tests) == pytest.approx(mixed.max_score)
    assert [t.name for t in model.tests] == [c.name for c in mixed.checks]
    assert [t.status for t in model.tests] == [
        "passed" if c.status == "passed" else "failed" for c in mixed.checks
    ]


def test_gradescope_visibility_follows_ours(mixed: SubmissionResult) -> None:
    """Are hidden checks 'after_published' and public ones 'visible', hidden details withheld?"""
    tests = to_gradescope(mixed)["tests"]
    assert isinstance(tests, list)
    expected = {"public": "visible", "hidden": "after_published"}
    assert [t["visibility"] for t in tests] == [expected[c.visibility] for c in mixed.checks]
    hidden_output = "".join(t["output"] for t in tests if t["visibility"] == "after_published")
    assert "Reason for test_softmax_backward_matches_numeric goes here." in hidden_output
    assert HIDDEN_DETAILS not in hidden_output and HIDDEN_TRACEBACK not in hidden_output


def test_gradescope_not_gradable_scores_zero_and_says_why(broken: SubmissionResult) -> None:
    """Does an ungradable submission score 0 on Gradescope with the reason in the output?"""
    data = to_gradescope(broken.model_copy(update={"score": 12.0}))
    assert data["score"] == 0
    assert "could not be graded" in str(data["output"])
    assert "syntax error on line 12" in str(data["output"])


def test_gradescope_model_rejects_unknown_fields() -> None:
    """Does the Gradescope model refuse a field the specification does not have?"""
    with pytest.raises(ValidationError):
        GradescopeResults.model_validate({"score": 1, "tests": [], "scroe": 2})
    with pytest.raises(ValidationError):
        GradescopeResults.model_validate(
            {
                "score": 1,
                "tests": [{"score": 1, "max_score": 1, "name": "t", "visibility": "public"}],
            }
        )


def test_write_gradescope_writes_results_json(tmp_path: Path, mixed: SubmissionResult) -> None:
    """Is results.json on disk the same document as to_gradescope returns?"""
    write_gradescope(mixed, tmp_path)
    assert json.loads((tmp_path / "results.json").read_text("utf-8")) == to_gradescope(mixed)


def test_gradebook_has_part_columns_and_a_row_per_student(
    tmp_path: Path, mixed: SubmissionResult, broken: SubmissionResult
) -> None:
    """Is there a header with every part in first-seen order and one sorted row per student?"""
    bonus = PartResult(name="Bonus", points=1, max_points=2)
    carol = mixed.model_copy(
        update={"student": "carol", "parts": [*mixed.parts, bonus], "score": 18.5, "max_score": 42}
    )
    odd = broken.model_copy(
        update={"student": "aaron", "not_gradable_reason": 'no "nn.py",\nat all'}
    )
    path = tmp_path / "gradebook.csv"
    write_gradebook([carol, broken, mixed, odd], path)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [
        "student",
        "Forward pass",
        "Backward pass",
        "Training",
        "Bonus",
        "total",
        "late_percent",
        "late_points",
        "final",
        "max_total",
        "percent",
        "gradable",
        "not_gradable_reason",
        "seed",
    ]
    by_student = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert [row[0] for row in rows[1:]] == ["aaron", "ada", "bob", "carol"]
    assert by_student["ada"]["Backward pass"] == "7.5" and by_student["ada"]["Bonus"] == ""
    assert by_student["ada"]["total"] == "17.5" and by_student["ada"]["percent"] == "43.75"
    assert by_student["carol"]["Bonus"] == "1" and by_student["carol"]["max_total"] == "42"
    assert by_student["bob"]["gradable"] == "false" and by_student["bob"]["Training"] == "0"
    assert by_student["aaron"]["not_gradable_reason"] == 'no "nn.py",\nat all'
    assert by_student["ada"]["seed"] == "1234"


def _late(result: SubmissionResult, **kw: object) -> SubmissionResult:
    """``result`` handed in two days late at 10% a day (after a 2-day extension), from a file time."""
    fields: dict[str, object] = {
        "submitted_at": "2026-10-10T12:00:00+00:00",
        "source": "file time",
        "deadline": "2026-10-08T12:00:00+00:00",
        "extension": "2 days",
        "minutes_late": 2880,
        "percent": 20.0,
        "reason": "2 days late: -20% (10% a day, capped at 30%)",
        "warning": "taken from the file's modification time, not a submission record",
        **kw,
    }
    return result.model_copy(update={"late": Lateness.model_validate(fields)})


@pytest.mark.parametrize("render", [render_feedback_html, render_feedback_markdown])
def test_late_box_shows_times_reason_and_scores(render: Render, mixed: SubmissionResult) -> None:
    """Does a late result show when it came in, the deadline, why, and the score before and after?"""
    page = render(_late(mixed))
    text = _visible_text(page) if render is render_feedback_html else page
    assert "Late" in text and "Handed in on time" not in text
    assert "2026-10-10 12:00 UTC" in text and "file time" in text
    assert "modification time" in text  # the warning
    assert "2026-10-08 12:00 UTC" in text and "2 days" in text
    assert "10% a day, capped at 30%" in text
    assert "17.5 before the penalty" in text and "3.5" in text and "14 final" in text


@pytest.mark.parametrize("render", [render_feedback_html, render_feedback_markdown])
def test_on_time_result_says_so(render: Render, mixed: SubmissionResult) -> None:
    """Does a result with a deadline that came in on time say "on time", with no penalty?"""
    page = render(_late(mixed, minutes_late=0, percent=0.0, reason="", warning="", extension=""))
    assert "Handed in on time" in page and "no late penalty" in page
    assert "before the penalty" not in page
    assert "2026-10-08 12:00 UTC" in page


@pytest.mark.parametrize("render", [render_feedback_html, render_feedback_markdown])
def test_no_deadline_no_late_box(render: Render, mixed: SubmissionResult) -> None:
    """Without a deadline, is the page exactly as before (no deadline box at all)?"""
    page = render(mixed)
    assert "Deadline" not in page and "on time" not in page.lower() and "Late" not in page


def test_late_text_is_escaped(mixed: SubmissionResult) -> None:
    """Is the late reason and source escaped in both pages?"""
    late = _late(mixed, reason=SCRIPT, source=SCRIPT)
    assert SCRIPT not in render_feedback_html(late)
    assert SCRIPT not in render_feedback_markdown(late)


def test_gradescope_keeps_awarded_and_adds_the_late_line(mixed: SubmissionResult) -> None:
    """Does Gradescope get the score before the penalty, and the late line in its output?"""
    out = to_gradescope(_late(mixed))
    assert out["score"] == 17.5
    assert "Late: Submitted 2026-10-10 12:00 UTC" in str(out["output"])
    assert "final 14" in str(out["output"])
    assert "Late" not in str(to_gradescope(mixed)["output"])


def test_gradebook_and_lms_carry_the_late_penalty(
    tmp_path: Path, mixed: SubmissionResult, broken: SubmissionResult
) -> None:
    """Does gradebook.csv show the penalty and final, and lms.csv's total the final score?"""
    path = tmp_path / "gradebook.csv"
    write_gradebook([_late(mixed), broken], path)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    ada = dict(zip(rows[0], rows[1], strict=True))
    bob = dict(zip(rows[0], rows[2], strict=True))
    assert (ada["total"], ada["late_percent"], ada["late_points"], ada["final"]) == (
        "17.5",
        "20",
        "3.5",
        "14",
    )
    assert (bob["late_percent"], bob["late_points"], bob["final"]) == ("0", "0", "0")
    lms = lms_rows([_late(mixed), mixed.model_copy(update={"student": "cy"})])
    assert [row[-1] for row in lms] == ["total", "14", "17.5"]
