"""The outputs behind two lists (``grader.outputs``), and the one score rule they report.

A new format is one writer and one list entry: a writer added to ``STUDENT_OUTPUTS`` is
called for every graded student, one added to ``CLASS_OUTPUTS`` by the command it names, and
after grading a small class every listed writer's files are there.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.ci.outputs import junit_xml, markdown_summary
from grader.grade import grade
from grader.lane import GradeTask, grade_batch
from grader.models import CheckResult, PartResult, Submission, SubmissionResult
from grader.outputs import (
    CLASS_OUTPUTS,
    STUDENT_OUTPUTS,
    ClassOptions,
    write_class,
    write_class_report,
)
from grader.outputs.base import Command
from grader.outputs.result_json import ResultJson
from grader.report.classstats import class_stats
from grader.report.feedback import render_feedback_markdown
from grader.report.gradebook import gradebook_rows
from grader.report.gradescope import to_gradescope
from grader.report.lms import lms_rows
from grader.report.results import ResultsFolder
from grader.selfcheck.run import SelfCheckReport
from tests.toycourse import make_course, solution

GRADER = Path(__file__).resolve().parents[1] / "grader"


class StudentProbe:
    """A new per-student format: one line naming the student, and what it saw on disk."""

    name = "probe.txt"

    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []

    def write(self, result: SubmissionResult, folder: Path) -> list[Path]:
        self.seen.append((result.student, (folder / "result.json").exists()))
        path = folder / self.name
        path.write_text(f"{result.student} {result.awarded:g}\n", encoding="utf-8")
        return [path]


class ClassProbe:
    """A new class format, written by ``command``."""

    def __init__(self, command: Command) -> None:
        self.name = f"probe-{command}.csv"
        self.command: Command = command
        self.calls: list[list[str]] = []

    def write(self, folder: ResultsFolder, options: ClassOptions) -> list[Path]:
        self.calls.append(sorted(r.student for r in folder.results))
        path = folder.path / self.name
        path.write_text("\n".join(self.calls[-1]) + "\n", encoding="utf-8")
        return [path]


@pytest.fixture
def student_probe() -> Iterator[StudentProbe]:
    """A probe in STUDENT_OUTPUTS, before result.json as the list asks; taken out after."""
    probe = StudentProbe()
    STUDENT_OUTPUTS.insert(len(STUDENT_OUTPUTS) - 1, probe)
    try:
        yield probe
    finally:
        STUDENT_OUTPUTS.remove(probe)


@pytest.fixture
def class_probes() -> Iterator[dict[Command, ClassProbe]]:
    probes: dict[Command, ClassProbe] = {
        "grade": ClassProbe("grade"),
        "report": ClassProbe("report"),
    }
    CLASS_OUTPUTS.extend(probes.values())
    try:
        yield probes
    finally:
        for probe in probes.values():
            CLASS_OUTPUTS.remove(probe)


def _submissions(root: Path) -> Path:
    """ada hands in the solution, bob nothing at all (not gradable)."""
    subs = root / "subs"
    (subs / "ada").mkdir(parents=True)
    (subs / "ada" / "ops.py").write_text(solution())
    (subs / "bob").mkdir()
    return subs


def test_the_lists_name_each_file_once_with_result_json_last() -> None:
    """Is result.json written last (so its companions are beside it), and no file twice?"""
    names = [writer.name for writer in STUDENT_OUTPUTS]
    assert names == ["feedback.html", "feedback.md", "results.json", "result.json"]
    assert isinstance(STUDENT_OUTPUTS[-1], ResultJson)
    classes = [(writer.name, writer.command) for writer in CLASS_OUTPUTS]
    assert classes == [
        ("gradebook.csv", "grade"),
        ("<student>/results.json", "report"),
        ("lms.csv", "report"),
        ("report.html", "report"),
    ]


def test_a_student_writer_added_to_the_list_is_called_for_each_student(
    tmp_path: Path, student_probe: StudentProbe
) -> None:
    """Does one list entry make a lane write the new file for every student, before
    result.json, and beside every other listed file?"""
    course, subs = make_course(tmp_path / "course"), _submissions(tmp_path)
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    scratch.mkdir()
    tasks = [
        GradeTask(
            course=course,
            assignment="toy",
            submission=Submission(student=name, path=subs / name, kind="directory"),
            out_dir=out,
            scratch_root=scratch,
            seed=7,
        )
        for name in ("ada", "bob")
    ]

    lanes = {lane.result.student: lane.result for lane in grade_batch(tasks)}

    assert sorted(student_probe.seen) == [("ada", False), ("bob", False)]
    for student, result in lanes.items():
        assert (out / student / "probe.txt").read_text() == f"{student} {result.awarded:g}\n"
        for writer in STUDENT_OUTPUTS:
            assert (out / student / writer.name).is_file(), (student, writer.name)
    assert lanes["ada"].awarded == lanes["ada"].max_score and lanes["bob"].awarded == 0


def test_a_class_writer_added_to_the_list_is_written_by_its_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, class_probes: dict[Command, ClassProbe]
) -> None:
    """Does `grade` write the class files listed for it and `report` the others, and are
    all the listed files there after grading a small class and reporting on it?"""
    monkeypatch.delenv("GRADER_COURSE", raising=False)
    course, subs, out = make_course(tmp_path / "course"), _submissions(tmp_path), tmp_path / "out"

    grade(course, "toy", subs, out, jobs=1, seed=7)

    assert class_probes["grade"].calls == [["ada", "bob"]]
    assert class_probes["report"].calls == []
    assert (out / "gradebook.csv").is_file() and not (out / "lms.csv").exists()
    for student in ("ada", "bob"):
        for writer in STUDENT_OUTPUTS:
            assert (out / student / writer.name).is_file(), (student, writer.name)

    files = write_class_report(out)

    assert class_probes["grade"].calls == [["ada", "bob"]]
    assert class_probes["report"].calls == [["ada", "bob"]]
    assert list(files.written) == [w.name for w in CLASS_OUTPUTS if w.command == "report"]
    assert files.page == out / "report.html" and files.lms_csv == out / "lms.csv"
    assert files.gradescope_written == []  # the lanes wrote every results.json already
    for writer in CLASS_OUTPUTS:
        assert (out / writer.name.replace("<student>", "ada")).is_file(), writer.name


def test_write_class_passes_the_options_to_each_writer(tmp_path: Path) -> None:
    """Does --out move the page, and does a writer of another command stay unwritten?"""
    folder = ResultsFolder.graded(tmp_path, [_result(gradable=True)])
    page = tmp_path / "pages" / "class.html"
    written = write_class(folder, "report", ClassOptions(page=page, title="t"))
    assert written["report.html"] == [page] and page.is_file()
    assert not (tmp_path / "report.html").exists() and not (tmp_path / "gradebook.csv").exists()
    assert written["<student>/results.json"] == [tmp_path / "ada" / "results.json"]


# -- the one score rule ------------------------------------------------------------------------


def _result(*, gradable: bool) -> SubmissionResult:
    """7.5 of 10 points on record; a result marked not gradable must still report 0."""
    checks = [
        CheckResult(
            name=name,
            visibility="public",
            status=status,
            part="Forward",
            points=points,
            max_points=5.0,
            fraction=fraction,
        )
        for name, status, points, fraction in (
            ("test_a", "passed", 5.0, 1.0),
            ("test_b", "partial", 2.5, 0.5),
        )
    ]
    return SubmissionResult(
        student="ada",
        assignment="toy",
        score=7.5,
        max_score=10.0,
        gradable=gradable,
        not_gradable_reason=None if gradable else "nn.py is missing",
        parts=[PartResult(name="Forward", points=7.5, max_points=10.0)],
        checks=checks,
        seed=1,
        content_hash="h",
    )


@pytest.mark.parametrize(("gradable", "total"), [(True, 7.5), (False, 0.0)])
def test_every_output_reports_the_one_score_rule(
    tmp_path: Path, gradable: bool, total: float
) -> None:
    """Do the feedback page, Gradescope, the gradebook, lms.csv, the class numbers and
    `grader ci` all report `SubmissionResult.awarded`, 0 for a result not gradable?"""
    result = _result(gradable=gradable)
    assert result.awarded == total and result.percent == 10 * total
    assert result.awarded_in("Forward") == total
    assert [result.awarded_for(c) for c in result.checks] == ([5.0, 2.5] if gradable else [0, 0])

    assert f"{total:g} / 10 ({10 * total:.1f}%)" in render_feedback_markdown(result)
    gradescope = to_gradescope(result)
    assert gradescope["score"] == total
    assert isinstance(gradescope["tests"], list)
    assert sum(t["score"] for t in gradescope["tests"]) == total
    book = dict(zip(*gradebook_rows([result]), strict=True))
    assert (book["Forward"], book["total"], book["percent"]) == (
        f"{total:g}",
        f"{total:g}",
        f"{10 * total:.2f}",
    )
    lms = list(csv.reader(io.StringIO("\n".join(",".join(r) for r in lms_rows([result])))))
    assert lms[1] == ["ada", f"{total:g}", f"{total:g}"]
    stats = class_stats([result])
    assert stats.percents == [10 * total] and stats.timings[0].score == total
    assert stats.parts[0].mean_points == total
    report = SelfCheckReport(
        assignment="toy", folder=tmp_path, mode="all checks", result=result, checked="ops.py"
    )
    summary = markdown_summary(report, result.percent, 50)
    assert f"**Total: {total:g} / 10**" in summary
    assert f'name="points" value="{total:g}"' in junit_xml(report).decode()


OUTPUT_MODULES = sorted(
    [
        *(GRADER / "report").glob("*.py"),
        *(GRADER / "outputs").glob("*.py"),
        GRADER / "ci" / "outputs.py",
    ]
)


@pytest.mark.parametrize("module", OUTPUT_MODULES, ids=lambda p: p.name)
def test_no_output_computes_the_score_to_report_itself(module: Path) -> None:
    """Does every output read the score from the result model's rule, not `score` or its
    own "0 when not gradable"?"""
    source = module.read_text(encoding="utf-8")
    found = re.findall(r"\.score\b|gradable else 0|\.points if", source)
    assert found == [], f"{module.name}: use SubmissionResult.awarded / awarded_in / awarded_for"
