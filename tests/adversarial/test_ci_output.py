"""Can a student's text issue GitHub workflow commands or Markdown through ``grader ci``?

GitHub's runner reads each line a step prints: a line whose first non-blank characters are
``::`` is a workflow command, and ``##[`` starts one anywhere in a line. :func:`runner_commands`
plays that parser (stricter than the real one: Python splits lines at more characters and
strips more leading white space), honouring ``::stop-commands::``. The job summary is
rendered with markdown-it-py (CommonMark with tables), as GitHub renders GFM.
"""

from __future__ import annotations

import re
import string
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from grader.ci.escape import CommandFence, command_data, command_property, log_text, markdown
from grader.safetext import printable
from tests.test_ci import grader_ci
from tests.test_selfcheck import make_toy, student
from tests.toycourse import solution

# What a student would print: commands after any white space GitHub trims, encoded line
# breaks, the v1 syntax, a fence of their own, Markdown and HTML, rich markup, escapes.
HOSTILE = (
    "[click](https://evil.example) ![img](https://evil.example/i.png) forged-md "
    "<img src=x onerror=alert(1)> <b>bold</b> | cell | www.evil.example @teacher #1 "
    "`code` *em* [/] [bold]markup[/bold] \x1b[2J\x1b]0;title\x07 \u202eevil "
    "%0A::notice::forged ##[error]forged-v1"
    "\n::add-mask::GRADE\n  ::error file=ops.py::forged\n\u00a0\u3000::warning::forged"
    "\r::set-output name=score::100\n::stop-commands::x\n::x::"
)
# A file name is student text too: load notes a skipped link by name, on a line of its own.
LINK_NAME = "link\n::error::forged-note\n  ::add-mask::GRADE"
TEXT = st.text(
    st.sampled_from([*":#[]%\r\n \t\u00a0\u2028\u3000|<>()!*_`@\\\x1b", *string.ascii_letters])
)


def runner_commands(stdout: str) -> Iterator[str]:
    """The workflow commands GitHub's runner would act on in ``stdout``, in order."""
    resume = None
    for line in stdout.splitlines():
        start = line.lstrip()
        if resume is not None:
            if start == f"::{resume}::":
                resume = None
                yield "resume"
            continue
        if start.startswith("::"):
            command = start[2:].split("::", 1)[0]
            yield command
            if command.startswith("stop-commands"):
                resume = start.split("::")[2]
        elif "##[" in line:
            yield "v1 " + line[line.index("##[") :]


def runner_unescape(data: str) -> str:
    """What the runner makes of a command's message or property value."""
    mapping = {"%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ",", "%25": "%"}
    return re.sub("%0D|%0A|%3A|%2C|%25", lambda m: mapping[m[0]], data)


def rendered(markdown_text: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown_text)


# -- the escaping functions -----------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_log_text_never_starts_a_command(text: str) -> None:
    """Does any text, escaped for the log, hold no line the runner reads as a command, and
    lose nothing but control characters?"""
    safe = log_text(text)
    assert list(runner_commands(safe)) == []
    assert safe.replace("\\::", "::").replace("#\\#[", "##[") == printable(text)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_command_parts_round_trip(text: str) -> None:
    """Is a command's message one line that the runner decodes back to the student's text,
    and a property free of the separators `,` and `:`?"""
    data, prop = command_data(text), command_property(text)
    assert "\n" not in data and "\r" not in data and runner_unescape(data) == printable(text)
    assert not set(",:\r\n") & set(prop) and runner_unescape(prop) == printable(text)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_markdown_renders_as_the_text(text: str) -> None:
    """Does any text, escaped for the summary, render as one paragraph of exactly that text
    (each run of white space as one space), with no link, image or tag?"""
    html = rendered(markdown(text)).strip()
    expected = " ".join(printable(text).split())
    if not expected:
        return
    escaped = expected.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace('"', "&quot;")
    assert html == f"<p>{escaped}</p>"


def test_markdown_in_a_table_cell_stays_in_its_cell() -> None:
    """Does a hostile message in a summary row keep the row's five cells, with no link,
    image or HTML tag?"""
    row = f"| a | b | c | d | {markdown(HOSTILE)} |"
    html = rendered(f"| 1 | 2 | 3 | 4 | 5 |\n|---|---|---|---|---|\n{row}\n")
    assert html.count("<td>") == 5
    assert "<a " not in html and "<img" not in html and "<b>" not in html


def test_fence_token_is_fresh() -> None:
    """Does each fence stop commands with a token of its own and resume with it?"""
    lines: list[str] = []
    with CommandFence(lines.append):
        lines.append("::error::inside")
    with CommandFence(lines.append):
        pass
    commands = list(runner_commands("\n".join(lines)))
    assert commands == ["stop-commands", "resume", "stop-commands", "resume"], lines
    assert lines[0] != lines[3]  # a new token each time
    off: list[str] = []
    with CommandFence(off.append, enabled=False):
        pass
    assert off == []


# -- grader ci, end to end ------------------------------------------------------------------


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_toy(tmp_path_factory.mktemp("course"))


def test_grader_ci_output_carries_no_student_command(toy: Path, tmp_path: Path) -> None:
    """When a submission's error message holds workflow commands, Markdown, HTML, rich markup
    and terminal escapes, does `grader ci` issue only its own commands (the fence and one
    ::error per failing check, whose message decodes to the student's text), keep the log
    free of escapes, write valid JUnit XML, and a summary in which nothing renders as a link,
    image or tag?"""
    text = solution({"return k * x": f"raise ValueError({HOSTILE!r})"})
    folder = student(toy, tmp_path / "repo", text)
    (folder / LINK_NAME).symlink_to("ops.py")
    summary = tmp_path / "summary.md"
    proc = grader_ci(folder, summary, "--assignment", "toy")
    assert proc.returncode == 1, proc.stdout + proc.stderr  # it ran and graded: 0 points
    commands = list(runner_commands(proc.stdout + "\n" + proc.stderr))
    assert commands[0].startswith("stop-commands") and commands[1] == "resume", commands
    assert [c.split(" ", 1)[0] for c in commands[2:]] == ["error", "error"], commands
    errors = [x for x in proc.stdout.splitlines() if x.startswith("::error ")]
    assert "forged-v1" in runner_unescape(errors[0].split("::", 2)[2])  # the text, as text
    assert "forged-note" in proc.stdout  # the note was printed, as text
    assert "\x1b" not in proc.stdout and "\u202e" not in proc.stdout
    unfenced = [x for x in proc.stdout.splitlines() if not x.startswith("::")]
    assert list(runner_commands("\n".join(unfenced))) == []  # safe even without the fence
    assert "[/]" in proc.stdout  # rich markup printed as text, not parsed
    junit = ET.parse(folder / "grader-junit.xml").getroot()  # escapes would make it invalid XML
    assert "forged-md" in ET.tostring(junit, encoding="unicode")
    html = rendered(summary.read_text())
    assert "forged-md" in html and "forged-note" in html
    assert "<a " not in html and "<img" not in html and "<b>" not in html
