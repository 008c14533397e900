"""The class report: numbers, page, LMS export, CLI and a real render in headless Chromium.

The class, out of 10 points in two parts (Forward: f1 2 pts + f2 3 pts; Backward: b1 5 pts):

| student | f1 | f2 | b1 | total | wall time |
| --- | --- | --- | --- | --- | --- |
| ada | passed | passed | passed | 10 | 1 s |
| bob | passed | partial 0.5 | failed | 3.5 | 3 s |
| cy | passed | failed | error | 2 | 2 s |
| dee | not gradable: nn.py is missing | | | 0 | 0 s |
| eve | result.json is corrupt | | | | |
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from grader.cli import main
from grader.errors import InstructorError
from grader.models import CheckResult, Lateness, PartResult, SubmissionResult
from grader.outputs import write_class_report
from grader.report.classreport import histogram_counts, render_class_report
from grader.report.classstats import class_stats
from grader.report.gradescope import to_gradescope
from grader.report.links import relative_href
from grader.report.results import ReportError, read_results
from grader.report.runtime import RunWall, read_run_wall
from grader.report.screenshot import ScreenshotError, find_chromium, screenshot
from grader.report.sortable import SORTABLE_JS, script_csp
from tests.browser import no_browser
from tests.toycourse import make_course

WHEN = datetime(2025, 5, 1, 9, 30)
MISSING = "nn.py is missing; hand in <b>nn.py</b> at the top level"
CHECKS = {
    "f1": ("Forward", 2.0, "public"),
    "f2": ("Forward", 3.0, "public"),
    "b1": ("Backward", 5.0, "hidden"),
}


def _result(
    student: str, outcomes: dict[str, tuple[str, float]], seconds: float
) -> SubmissionResult:
    """A gradable result; ``outcomes`` maps check -> (status, fraction of its points)."""
    checks = [
        CheckResult.model_validate(
            {
                "name": f"test_{name}",
                "part": part,
                "visibility": visibility,
                "status": outcomes[name][0],
                "fraction": outcomes[name][1],
                "points": outcomes[name][1] * points,
                "max_points": points,
                "duration_s": 0.1,
            }
        )
        for name, (part, points, visibility) in CHECKS.items()
    ]
    parts = [
        PartResult(
            name=part,
            points=sum(c.points for c in checks if c.part == part),
            max_points=sum(c.max_points for c in checks if c.part == part),
        )
        for part in ("Forward", "Backward")
    ]
    return SubmissionResult(
        student=student,
        assignment="hw1",
        score=sum(p.points for p in parts),
        max_score=10.0,
        gradable=True,
        parts=parts,
        checks=checks,
        seed=7,
        content_hash="x",
        duration_s=seconds,
    )


def _class(results_dir: Path, assignment: str = "hw1") -> Path:
    """Write the class in the module docstring into ``results_dir``."""
    results = [
        _result("ada", {"f1": ("passed", 1), "f2": ("passed", 1), "b1": ("passed", 1)}, 1.0),
        _result("bob", {"f1": ("passed", 1), "f2": ("partial", 0.5), "b1": ("failed", 0)}, 3.0),
        _result("cy", {"f1": ("passed", 1), "f2": ("failed", 0), "b1": ("error", 0)}, 2.0),
    ]
    dee = _result("dee", {name: ("not_run", 0) for name in CHECKS}, 0.0)
    results.append(dee.model_copy(update={"gradable": False, "not_gradable_reason": MISSING}))
    for result in results:
        result = result.model_copy(update={"assignment": assignment})
        (results_dir / result.student).mkdir(parents=True)
        (results_dir / result.student / "result.json").write_text(result.model_dump_json())
    (results_dir / "eve").mkdir()
    (results_dir / "eve" / "result.json").write_text('{"student": "eve", "sco')
    return results_dir


def test_numbers_of_the_class(tmp_path: Path) -> None:
    """Are pass rates hardest first, part means over everyone, and timings slowest first?"""
    folder = read_results(_class(tmp_path))
    stats = class_stats(folder.results, folder.unreadable)
    assert (stats.count, stats.gradable_count) == (4, 3)
    assert stats.mean_percent == pytest.approx((100 + 35 + 20 + 0) / 4)
    assert stats.median_percent == pytest.approx(27.5)
    assert (stats.max_percent, stats.min_percent) == (100.0, 0.0)
    assert [(c.name, round(c.pass_rate, 4)) for c in stats.checks] == [
        ("test_b1", 0.3333),
        ("test_f2", 0.5),
        ("test_f1", 1.0),
    ]
    b1 = stats.checks[0]
    assert (b1.part, b1.visibility, b1.max_points) == ("Backward", "hidden", 5.0)
    assert {k: v for k, v in b1.counts.items() if v} == {"passed": 1, "failed": 1, "error": 1}
    assert [(p.name, p.mean_points, p.max_points, p.mean_percent) for p in stats.parts] == [
        ("Forward", 2.625, 5.0, 52.5),
        ("Backward", 1.25, 5.0, 25.0),
    ]
    assert [t.student for t in stats.timings] == ["bob", "cy", "ada", "dee"]
    assert [(n.student, n.reason) for n in stats.not_gradable] == [("dee", MISSING)]
    assert [u.student for u in stats.unreadable] == ["eve"]


def test_histogram_bins_of_ten_percent() -> None:
    """Does each score land in its 10 % bin, with 100 % in the last one?"""
    counts = histogram_counts([0.0, 9.99, 10.0, 35.0, 89.9, 90.0, 100.0, 100.0])
    assert counts == [2, 1, 0, 1, 0, 0, 0, 0, 1, 3]


def test_page_is_self_contained_and_shows_everything(tmp_path: Path) -> None:
    """Does the page embed a real PNG, load nothing from outside and escape students' text?"""
    folder = read_results(_class(tmp_path))
    html = render_class_report(
        class_stats(folder.results, folder.unreadable), title="Nets <1>", generated=WHEN
    )
    assert not re.search(r"(src|href)=\"(?!data:)|https?://|<link", html)
    assert re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S) == [("", SORTABLE_JS)]
    assert f'script-src {script_csp()}"' in html  # that one script, by its hash
    encoded = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(encoded) == 1
    image = Image.open(io.BytesIO(base64.b64decode(encoded[0])))
    assert image.format == "PNG" and image.size[0] >= 800 and image.size[1] >= 300
    assert "Nets &lt;1&gt;" in html and "2025-05-01 09:30" in html
    assert "hand in &lt;b&gt;nn.py&lt;/b&gt;" in html and "<b>nn.py" not in html
    assert "4 submissions (3 gradable)" in html
    assert "eve" in html and "could not be read" in html
    checks = [html.index(f"<code>test_{name}</code>") for name in ("b1", "f2", "f1")]
    assert checks == sorted(checks)
    timing = html[html.index("Timing, slowest first") :]
    rows = [timing.index(f"<td>{name}") for name in ("bob", "cy", "ada", "dee")]
    assert rows == sorted(rows)


def test_lms_csv_and_missing_gradescope_files(tmp_path: Path) -> None:
    """Is lms.csv exactly student, one column per part, total; and is a lost results.json rewritten?"""
    results_dir = _class(tmp_path / "res")
    files = write_class_report(results_dir, generated=WHEN)
    assert files.page == results_dir / "report.html" and files.page.is_file()
    lines = [
        "student,Forward,Backward,total",
        "ada,5,5,10",
        "bob,3.5,0,3.5",
        "cy,2,0,2",
        "dee,0,0,0",
    ]
    assert files.lms_csv.read_bytes().decode() == "\r\n".join(lines) + "\r\n"
    assert sorted(files.gradescope_written) == ["ada", "bob", "cy", "dee"]
    ada = SubmissionResult.model_validate_json((results_dir / "ada/result.json").read_text())
    assert json.loads((results_dir / "ada/results.json").read_text()) == to_gradescope(ada)
    assert not (results_dir / "eve/results.json").exists()
    assert write_class_report(results_dir, generated=WHEN).gradescope_written == []


def test_part_named_like_a_fixed_column(tmp_path: Path) -> None:
    """Does a part called 'total' keep the LMS header unambiguous?"""
    result = _result("ada", {"f1": ("passed", 1), "f2": ("passed", 1), "b1": ("passed", 1)}, 1)
    result.parts[0].name = "total"
    for check in result.checks:
        check.part = "total" if check.part == "Forward" else check.part
    (tmp_path / "ada").mkdir()
    (tmp_path / "ada/result.json").write_text(result.model_dump_json())
    header = next(csv.reader(io.StringIO(write_class_report(tmp_path).lms_csv.read_text())))
    assert header == ["student", "part: total", "Backward", "total"]


def test_folders_the_report_refuses(tmp_path: Path) -> None:
    """Do an empty folder, an all-corrupt one and mixed assignments fail with the fix?"""
    with pytest.raises(ReportError, match=r"no results in .*grade first"):
        read_results(tmp_path)
    with pytest.raises(ReportError, match="RESULTS_DIR must be a folder"):
        read_results(tmp_path / "nowhere")
    (tmp_path / "eve").mkdir()
    (tmp_path / "eve/result.json").write_text("{")
    with pytest.raises(ReportError, match=r"no readable results .*\(eve\).*re-run"):
        read_results(tmp_path)
    _class(tmp_path / "a", "hw1")
    _class(tmp_path / "b", "hw2")
    for student in ("bob", "cy"):
        (tmp_path / "b" / student).rename(tmp_path / "a" / f"{student}2")
    with pytest.raises(ReportError, match=r"mixes results of 2 assignments.*own --out folder"):
        read_results(tmp_path / "a")


def _grader(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """Run ``grader ARGS`` in this process; return its exit code."""
    monkeypatch.setattr(sys, "argv", ["grader", *args])
    try:
        main()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_cli_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Does `grader report` write both files, name them, warn about eve, and exit 2 on no results?"""
    monkeypatch.delenv("GRADER_COURSE", raising=False)
    monkeypatch.chdir(make_course(tmp_path / "course"))
    results_dir = _class(tmp_path / "res", assignment="toy")
    page = tmp_path / "pages" / "class.html"
    assert _grader(monkeypatch, "report", str(results_dir), "--out", str(page)) == 0
    captured = capsys.readouterr()
    assert f"class report: {page}" in captured.out
    assert f"LMS gradebook: {results_dir / 'lms.csv'}" in captured.out
    assert "eve" in captured.err and "re-run `grader grade`" in captured.err
    assert "<h1>Toy assignment</h1>" in page.read_text()  # the spec's title, found from the cwd
    (tmp_path / "empty").mkdir()
    assert _grader(monkeypatch, "report", str(tmp_path / "empty")) == 2
    assert f"no results in {tmp_path / 'empty'}" in capsys.readouterr().err


def test_no_chromium_is_a_clear_error(tmp_path: Path) -> None:
    """Does a machine without Chromium get told what was looked for and how to fix it?"""
    with pytest.raises(ScreenshotError, match="no Chromium found.*install one") as info:
        find_chromium(search_path=str(tmp_path), fallback=tmp_path / "chromium")
    assert isinstance(info.value, InstructorError)


def test_screenshot_of_the_page_is_a_real_image(tmp_path: Path) -> None:
    """Does headless Chromium render the page to a PNG that is not blank?"""
    try:
        find_chromium()
    except ScreenshotError as exc:
        no_browser(f"no Chromium on this machine: {exc}")
    page = write_class_report(_class(tmp_path / "res"), generated=WHEN).page
    started = time.monotonic()
    png = screenshot(page, tmp_path / "shot.png", width=1000, height=900)
    assert time.monotonic() - started < 60
    image = Image.open(png).convert("L")
    assert image.size == (1000, 900)
    assert ImageStat.Stat(image).stddev[0] > 20  # a blank or single-colour page is about 0


def test_a_grader_fault_is_told_apart_from_a_student_fault(tmp_path: Path) -> None:
    """Does the page mark a submission the grader failed on as a bug to report, and leave
    an ordinary not-gradable one as it was?"""
    folder = read_results(_class(tmp_path))
    dee = next(r for r in folder.results if r.student == "dee")
    faulty = dee.model_copy(
        update={"student": "fay", "grader_fault": "scoring: ValueError: <deep>"}
    )
    html = render_class_report(class_stats([*folder.results, faulty]), title="t", generated=WHEN)

    section = html[html.index("<h2>Not gradable") : html.index("Timing, slowest first")]
    assert section.count("The grader failed on this submission") == 1
    assert "scoring: ValueError: &lt;deep&gt;" in section


def _linked_class(results_dir: Path) -> Path:
    """The class, plus zed (gradable, 0 points), bob two days late (-20%), and a feedback
    page for everyone but cy."""
    _class(results_dir)
    zed = _result("zed", {name: ("failed", 0) for name in CHECKS}, 0.5)
    (results_dir / "zed").mkdir()
    (results_dir / "zed/result.json").write_text(zed.model_dump_json())
    bob = SubmissionResult.model_validate_json((results_dir / "bob/result.json").read_text())
    late = Lateness(
        submitted_at=datetime(2025, 4, 3, 12, 0),
        source="manifest",
        deadline=datetime(2025, 4, 1, 12, 0),
        minutes_late=2880,
        percent=20.0,
        reason="2 days late: -20%",
    )
    (results_dir / "bob/result.json").write_text(
        bob.model_copy(update={"late": late}).model_dump_json()
    )
    for student in ("ada", "bob", "dee", "zed"):
        (results_dir / student / "feedback.html").write_text("<p>feedback</p>")
    return results_dir


def test_roster_links_feedback_pages_relative_to_the_page(tmp_path: Path) -> None:
    """Does the roster show score, penalty, final and status, sortable, each student linked
    to their feedback page relative to wherever the page is written?"""
    results_dir = _linked_class(tmp_path / "res")
    html = write_class_report(results_dir, generated=WHEN).page.read_text()
    roster = html[html.index('<h2 id="roster">') : html.index("<h2>Parts")]
    assert '<table class="sortable">' in roster
    for student in ("ada", "bob", "dee", "zed"):
        assert f'<a href="{student}/feedback.html">{student}</a>' in roster
    assert "<td>cy</td>" in roster  # no feedback page: no link
    bob = roster[roster.index(">bob<") :].split("</tr>")[0]
    assert "3.5 / 10" in bob and "&minus;0.7 (20%)" in bob and 'data-v="2.8"' in bob
    assert "graded" in bob
    zed = roster[roster.index(">zed<") :].split("</tr>")[0]
    assert ">zero<" in zed
    elsewhere = tmp_path / "pages" / "deep" / "class.html"
    moved = write_class_report(results_dir, elsewhere, generated=WHEN).page.read_text()
    assert '<a href="../../res/ada/feedback.html">ada</a>' in moved


def test_zero_and_not_gradable_are_called_out_at_the_top(tmp_path: Path) -> None:
    """Is there a box above the numbers naming (and linking) every zero and not-gradable one?"""
    html = write_class_report(_linked_class(tmp_path / "res"), generated=WHEN).page.read_text()
    box = html[html.index('id="flagged"') : html.index("</section>", html.index('id="flagged"'))]
    assert html.index('id="flagged"') < html.index('<h2 id="roster">')
    assert "2 submissions scored 0: 1 with zero points, 1 not gradable" in box
    assert '<a href="zed/feedback.html"><strong>zed</strong></a>' in box
    assert '<a href="dee/feedback.html"><strong>dee</strong></a>' in box
    assert ">ada<" not in box and ">bob<" not in box
    clean = [_result("ada", {n: ("passed", 1) for n in CHECKS}, 1.0)]
    assert 'id="flagged"' not in render_class_report(class_stats(clean), title="t", generated=WHEN)


@pytest.mark.parametrize(
    ("run_json", "shown"),
    [
        (None, "wall time not recorded (no run.json)"),
        ('{"assignment": "hw1", "wall', "run.json is malformed"),
        ('{"assignment": "hw1"}', "run.json is malformed"),
        ("[1, 2]", "run.json is malformed"),
        (
            '{"assignment": "hw9", "started_at": "2025-05-01T09:00:00", "wall_s": 4, '
            '"lane_s": 6, "jobs": 2, "submissions": 4}',
            "of 'hw9', not 'hw1'",
        ),
        (
            '{"assignment": "hw1", "started_at": "2025-05-01T09:00:00", "wall_s": 4.25, '
            '"lane_s": 6, "jobs": 2, "submissions": 4}',
            "<b>4.25 s</b><span>wall time of the run",
        ),
    ],
)
def test_timing_cards_label_wall_time_and_lane_sum(
    tmp_path: Path, run_json: str | None, shown: str
) -> None:
    """Does the page show the run's wall time from run.json and, separately labelled, the sum
    of the lanes' grading times; and say why when run.json is missing or malformed?"""
    results_dir = _class(tmp_path / "res")
    if run_json is not None:
        (results_dir / "run.json").write_text(run_json)
    html = write_class_report(results_dir, generated=WHEN).page.read_text()
    assert shown.replace("'", "&#39;") in html
    assert "<b>6.00 s</b><span>sum of grading times across lanes</span>" in html
    assert ("not recorded</b>" in html) == ('wall_s": 4.25' not in (run_json or ""))


def test_relative_links_are_encoded_not_cut() -> None:
    """Is a folder name with spaces, '#', '?' or undecodable bytes percent-encoded whole?"""
    page = Path("/r/report.html")
    assert relative_href(Path("/r/ada/feedback.html"), page) == "ada/feedback.html"
    assert relative_href(Path("/r/a b#?/feedback.html"), page) == "a%20b%23%3F/feedback.html"
    assert relative_href(Path("/r/\udcff/feedback.html"), page) == "%FF/feedback.html"
    assert relative_href(Path("/r/\ud800/feedback.html"), page) == "%3F/feedback.html"
    assert relative_href(Path("/r/ada/feedback.html"), Path("/p/q/c.html")) == (
        "../../r/ada/feedback.html"
    )


def test_run_json_that_is_not_a_run_is_never_trusted(tmp_path: Path) -> None:
    """Does a run.json that is a folder, too big or has a negative wall time give a note?"""
    (tmp_path / "run.json").mkdir()
    assert read_run_wall(tmp_path, "hw1").note == "wall time not recorded (no run.json)"
    (tmp_path / "run.json").rmdir()
    (tmp_path / "run.json").write_text(" " * 2_000_000)
    assert "too large" in read_run_wall(tmp_path, "hw1").note
    run = {"assignment": "hw1", "started_at": "2025-05-01T09:00:00", "wall_s": -1.0}
    run |= {"lane_s": 1, "jobs": 1, "submissions": 1}
    (tmp_path / "run.json").write_text(json.dumps(run))
    assert read_run_wall(tmp_path, "hw1") == RunWall(
        note="wall time not recorded (run.json has wall_s -1.0)"
    )
    (tmp_path / "run.json").write_text(json.dumps(run | {"wall_s": 3.5}))
    assert read_run_wall(tmp_path, "hw1") == RunWall(wall_s=3.5, jobs=1)
