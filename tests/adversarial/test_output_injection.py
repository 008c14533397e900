"""Attack 22: student text that tries to act on whoever reads the grader's output.

Folder names, syntax-error lines and exception messages are the student's to choose. They
carry terminal escape sequences (clear the screen, set the window title), rich markup
(``[/]`` crashes a rich print; ``[link=...]`` makes a hyperlink), spreadsheet formulas
(``=HYPERLINK``, ``@SUM``, ``+cmd``, ``-2+3``), HTML, Markdown links and images, NULs and
lone surrogates. Each must reach the terminal as inert text, a CSV file as a text cell, an
HTML page escaped and a Markdown page literal, and every file must stay valid UTF-8.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.console import Console

from grader.models import CheckResult, PartResult, SubmissionResult
from grader.outputs import write_class_report
from grader.report import write_feedback, write_gradebook, write_gradescope
from grader.report.lms import write_lms_csv
from grader.report.sortable import sortable_script
from grader.selfcheck.run import SelfCheckReport
from grader.selfcheck.show import details, plain, table
from tests.clirun import grader
from tests.toycourse import make_course, solution

ESC = "\x1b"
TERMINAL = "\x1b[2J\x1b]0;pwned\x07\x1b]8;;http://e.vil\x1b\\link\x1b]8;;\x1b\\\x9b31m"
MARKUP = "[/] [link=http://e.vil]click[/link] [bold red]loud"
HTML = "<script>alert(1)</script><img src=x onerror=alert(2)>"
MARKDOWN = "[x](javascript:alert(1)) ![i](http://e.vil/p.png) <b>b</b> ~~~"
HOSTILE = f"{TERMINAL} {MARKUP} {HTML} {MARKDOWN} nul\x00 \u202eevil"
NAME_ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x9b31m"  # a folder name cannot hold "/"
FORMULA_NAMES = ['=HYPERLINK("e.vil","x")', "@SUM(1)", "+cmd", "-2+3"]
SYNTAX_ERROR = f"def scale(x, k):\n    return k * x  {TERMINAL} {MARKUP} (\n"
RAISES = f"def scale(x, k):\n    raise ValueError({HOSTILE!r})\n"


@dataclass(frozen=True)
class Graded:
    root: Path
    grade: subprocess.CompletedProcess[str]
    report: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    """A class of hostile names and messages graded by ``grader grade``; then ``grader
    report``, with one more result folder, unreadable and named with escape sequences."""
    root = tmp_path_factory.mktemp("injection")
    make_course(root)
    students = {
        FORMULA_NAMES[0]: SYNTAX_ERROR,
        FORMULA_NAMES[1]: RAISES,
        FORMULA_NAMES[2]: solution(),
        FORMULA_NAMES[3]: solution(),
        f"esc{NAME_ESCAPES}[blink]name": solution(),
        "[bold red]loud": RAISES,
    }
    for name, code in students.items():
        (root / "subs" / name).mkdir(parents=True)
        (root / "subs" / name / "ops.py").write_text(code)
    proc = grader("grade", "subs", "-a", "toy", "-o", "res", "--seed", "5", cwd=root)
    unreadable = root / "res" / f"broken{NAME_ESCAPES}[bold]"
    unreadable.mkdir(parents=True)
    unreadable.joinpath("result.json").write_text(f"{{{TERMINAL}{MARKUP}")
    return Graded(root, proc, grader("report", "res", cwd=root))


def test_the_terminal_gets_no_escape_and_no_markup(
    graded: Graded,
) -> None:
    """Does a syntax-error line or a folder name holding escape sequences and rich markup
    reach the terminal inert? The class table prints, the markup as literal text, no ESC or
    BEL byte at all; and so does ``grader report``'s warning about an unreadable result."""
    proc, report = graded.grade, graded.report
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert report.returncode == 0, report.stderr[-3000:]
    assert "broken[bold]" in report.stderr
    shown = proc.stdout + proc.stderr + report.stdout + report.stderr
    assert ESC not in shown and "\x07" not in shown and "\x9b" not in shown
    assert "Traceback" not in proc.stderr
    assert "[/]" in proc.stdout and "[link=http://" in proc.stdout
    assert "esc[blink]name" in proc.stdout and "[bold red]loud" in proc.stdout
    assert '=HYPERLINK("e.vil","x")' in proc.stdout


def test_csv_text_cells_never_start_a_formula(
    graded: Graded,
) -> None:
    """Can a folder name run as a spreadsheet formula? In gradebook.csv and lms.csv a student
    named ``=HYPERLINK(...)``, ``@SUM(1)``, ``+cmd`` or ``-2+3`` gets a leading apostrophe;
    numbers stay numbers."""
    root = graded.root
    assert graded.report.returncode == 0, graded.report.stderr[-3000:]
    for name in ("gradebook.csv", "lms.csv"):
        rows = list(csv.reader(io.StringIO((root / "res" / name).read_text(encoding="utf-8"))))
        students = {row[0] for row in rows[1:]}
        assert {f"'{n}" for n in FORMULA_NAMES} <= students, (name, students)
        for row in rows:
            for cell in row:
                assert ESC not in cell and "\x00" not in cell
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (name, cell)
                assert not cell.startswith("-") or _is_number(cell), (name, cell)


def test_html_pages_escape_student_text(
    graded: Graded,
) -> None:
    """Do feedback.html and the class report show ``<script>`` as text, never as a tag, and
    carry no escape sequence or NUL (from a syntax-error line, a folder name)?"""
    root = graded.root
    assert graded.report.returncode == 0, graded.report.stderr[-3000:]
    pages = [*root.glob("res/*/feedback.html"), root / "res" / "report.html"]
    assert len(pages) == 7
    for page in pages:
        text = page.read_text(encoding="utf-8").replace(str(sortable_script()), "", 1)
        assert "<script" not in text and "<img src=x" not in text, page  # but the table sorter
        assert ESC not in text and "\x00" not in text, page
    feedback = (root / "res" / "@SUM(1)" / "feedback.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in feedback


def test_markdown_feedback_cannot_make_links_images_or_html(
    graded: Graded,
) -> None:
    """Does a message holding a ``javascript:`` link, an image, raw HTML and a ``~~~`` fence
    render literally in feedback.md? Each bracket, ``<`` and ``~`` is backslash-escaped."""
    root = graded.root
    page = (root / "res" / "@SUM(1)" / "feedback.md").read_text(encoding="utf-8")
    assert ESC not in page and "\x00" not in page
    text = _outside_code_blocks(page)
    assert r"\[x](javascript:alert(1))" in text and "![i]" not in text
    for tag in ("<script", "<b>", "<img"):
        assert "\\" + tag in text and tag not in text.replace("\\" + tag, ""), tag
    assert "\n~~~" not in text and r"\~\~\~" in text


def test_the_self_check_table_prints_markup_literally() -> None:
    """Can a check's name and message crash or drive the terminal through ``grader check``?
    Its table, plain text and details show the escape sequences gone and ``[/]`` as text."""
    report = SelfCheckReport(
        assignment="toy",
        folder=Path("."),
        mode="public checks",
        result=_result(HOSTILE, HOSTILE),
        checked=f"ops.py{TERMINAL}[/]",
    )
    for width in (80, 160):
        console = Console(file=io.StringIO(), width=width, color_system=None)
        console.print(table(report, width=width))
        shown = console.file.getvalue()  # type: ignore[attr-defined]
        assert ESC not in shown and "[/]" in shown
    for text in (plain(report), details(report)):
        assert ESC not in text and "\x00" not in text and "\u202e" not in text


def test_lone_surrogates_reach_every_writer_as_replacement_characters(tmp_path: Path) -> None:
    """Can a folder name that is not UTF-8 (``bad\\udcff``) or a message with lone surrogates
    stop a writer? Every per-student and class file is written, UTF-8, and parses back."""
    result = _result("bad\udcff\udc80", "message \udc80 and \ud800")
    folder = tmp_path / "bad"
    write_feedback(result, folder)
    write_gradescope(result, folder)
    write_gradebook([result], tmp_path / "gradebook.csv")
    write_lms_csv([result], tmp_path / "lms.csv")
    for path in [*folder.iterdir(), tmp_path / "gradebook.csv", tmp_path / "lms.csv"]:
        assert "\ufffd" in path.read_bytes().decode("utf-8"), path
    json.loads((folder / "results.json").read_text(encoding="utf-8"))
    _class_report_with_unreadable(tmp_path)


def _class_report_with_unreadable(tmp_path: Path) -> None:
    """The class report lists a result folder whose name is not UTF-8 as unreadable."""
    results = tmp_path / "class"
    ok = results / "amy"
    ok.mkdir(parents=True)
    ok.joinpath("result.json").write_text(_result("amy", "fine").model_dump_json())
    bad = os.fsencode(results) + b"/bad\xff\x80"
    os.makedirs(bad)
    with open(bad + b"/result.json", "wb") as handle:
        handle.write(b"{not json")
    files = write_class_report(results, title="toy")
    assert "\ufffd" in files.page.read_text(encoding="utf-8")


def test_a_folder_name_that_is_not_utf8_is_graded(tmp_path: Path) -> None:
    """Is a class with a folder named ``bad\\xff\\x80`` graded? Every student gets a result,
    under the name spelled with escapes (grader.discover)."""
    make_course(tmp_path)
    subs = tmp_path / "subs"
    for name in (b"amy", b"bad\xff\x80"):
        folder = os.fsencode(subs) + b"/" + name
        os.makedirs(folder)
        with open(folder + b"/ops.py", "w") as handle:
            handle.write(solution())
    proc = grader("grade", "subs", "-a", "toy", "-o", "res", "--seed", "5", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "bad\\xff\\x80" in proc.stdout
    assert (tmp_path / "res" / "bad\\xff\\x80" / "result.json").is_file()


def _result(student: str, text: str) -> SubmissionResult:
    check = CheckResult(
        name=f"test_scale_{text}",
        visibility="public",
        status="error",
        description=text,
        message=text,
        details=text,
        student_traceback=text,
        part=text,
        points=0.0,
        max_points=1.0,
    )
    return SubmissionResult(
        student=student,
        assignment="toy",
        score=0.0,
        max_score=1.0,
        gradable=False,
        not_gradable_reason=text,
        notes=[text],
        parts=[PartResult(name=text, points=0.0, max_points=1.0)],
        checks=[check],
        seed=1,
        content_hash="h",
        stdout_tail=text,
    )


def _outside_code_blocks(markdown: str) -> str:
    """``markdown`` without its fenced code blocks (which render their content literally)."""
    kept, fence = [], ""
    for line in markdown.splitlines():
        if fence:
            fence = "" if line.strip() == fence else fence
        elif line.startswith("```"):
            fence = line[: len(line) - len(line.lstrip("`"))]
        else:
            kept.append(line)
    return "\n".join(kept)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
