"""The whole pipeline on a tiny course: a class with correct, wrong, crashing, hanging and
not-gradable submissions is graded, every student gets a result, and re-runs skip work."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest

from grader.grade import grade
from grader.models import GradeReport, SubmissionResult
from tests.toycourse import make_course, solution

SPIN = "def scale(x, k):\n    while True:\n        pass\n"


def write_class(root: Path) -> Path:
    subs = root / "subs"
    students = {
        "alice": solution(),
        "bob": solution({"(x * x).sum(axis=1)": "(x * x).sum(axis=0)"}),
        "dave": solution(
            {
                'def scale(x, k):\n    """Multiply x by k. x: (N,) -> (N,)."""\n    return k * x\n': SPIN
            }
        ),
        "erin": solution(
            {"return np.sqrt((x * x).sum(axis=1))": "import ctypes; ctypes.string_at(0)"}
        ),
        "frank": "import numpy as np\nraise RuntimeError('cannot find data.csv')\n",
        "hank": "def scale(x, k)\n    return x\n",
    }
    for name, text in students.items():
        (subs / name).mkdir(parents=True)
        (subs / name / "ops.py").write_text(text)
    (subs / "gina").mkdir()
    with zipfile.ZipFile(subs / "carol.zip", "w") as zf:
        zf.writestr("hw/ops.py", solution())
    (subs / "ivy.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    return subs


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, GradeReport]:
    root = tmp_path_factory.mktemp("course")
    course = make_course(root)
    subs = write_class(root)
    out = root / "out"
    report = grade(course, "toy", subs, out, jobs=2, seed=1234)
    return course, subs, out, report


def by_student(report: GradeReport) -> dict[str, SubmissionResult]:
    return {r.student: r for r in report.results}


def statuses(result: SubmissionResult) -> dict[str, str]:
    return {c.name: c.status for c in result.checks}


def test_every_student_gets_the_right_score(graded: tuple[Path, Path, Path, GradeReport]) -> None:
    """Are points earned exactly for the checks each submission passes?"""
    results = by_student(graded[3])
    scores = {name: r.score for name, r in results.items()}
    assert scores == {
        "alice": 6,
        "bob": 3,
        "carol": 6,
        "dave": 3,
        "erin": 3,
        "frank": 0,
        "gina": 0,
        "hank": 0,
        "ivy": 0,
    }
    assert all(r.max_score == 6 for r in results.values())


def test_faults_cost_only_the_checks_they_broke(
    graded: tuple[Path, Path, Path, GradeReport],
) -> None:
    """Does each kind of fault show as its own status with a plain reason?"""
    r = by_student(graded[3])
    assert statuses(r["bob"])["test_norm_rows"] == "failed"
    assert "norm_rows(x)" in next(c.message for c in r["bob"].checks if c.name == "test_norm_rows")
    assert statuses(r["dave"]) == {
        "test_scale_public": "timeout",
        "test_scale_matches_reference": "timeout",
        "test_norm_rows": "passed",
    }
    erin = {c.name: c for c in r["erin"].checks}
    assert (
        erin["test_norm_rows"].status == "crashed"
        and "segmentation fault" in erin["test_norm_rows"].message
    )
    assert statuses(r["erin"])["test_scale_public"] == "passed"
    frank = r["frank"].checks[0]
    assert frank.status == "error" and "cannot find data.csv" in frank.message
    assert "line 2" in frank.student_traceback
    assert any("failed to import" in note for note in r["frank"].notes)


def test_not_gradable_submissions_say_why(graded: tuple[Path, Path, Path, GradeReport]) -> None:
    r = by_student(graded[3])
    assert not r["gina"].gradable and "empty" in (r["gina"].not_gradable_reason or "")
    assert not r["hank"].gradable and "line 1" in (r["hank"].not_gradable_reason or "")
    assert not r["ivy"].gradable and "zip" in (r["ivy"].not_gradable_reason or "")
    assert r["carol"].gradable and any("hw/" in n for n in r["carol"].notes)


def test_results_and_feedback_are_written(graded: tuple[Path, Path, Path, GradeReport]) -> None:
    """Does every student get result.json, Gradescope results.json and both feedback pages?"""
    _, _, out, report = graded
    for result in report.results:
        folder = out / result.student
        for name in ("result.json", "results.json", "feedback.html", "feedback.md"):
            assert (folder / name).is_file(), (result.student, name)
        saved = SubmissionResult.model_validate_json((folder / "result.json").read_text())
        assert saved.score == result.score and saved.seed == 1234
        gradescope = json.loads((folder / "results.json").read_text())
        assert gradescope["score"] == result.score
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert [row["student"] for row in rows] == sorted(r.student for r in report.results)


def test_descriptions_reach_the_student(graded: tuple[Path, Path, Path, GradeReport]) -> None:
    bob = by_student(graded[3])["bob"]
    norm = next(c for c in bob.checks if c.name == "test_norm_rows")
    assert norm.description == "norm_rows(x) must return one L2 norm per row."
    assert norm.description in (graded[2] / "bob" / "feedback.md").read_text()


def test_rerun_skips_unchanged_and_regrades_changed(
    graded: tuple[Path, Path, Path, GradeReport],
) -> None:
    """Does a re-run skip what is unchanged, regrade what changed, and regrade all with force?"""
    course, subs, out, _ = graded
    (subs / "bob" / "ops.py").write_text(solution())
    again = grade(course, "toy", subs, out, jobs=2)
    assert set(again.skipped_unchanged) == {r.student for r in again.results} - {"bob"}
    assert by_student(again)["bob"].score == 6 and by_student(again)["bob"].seed == again.seed
    assert by_student(again)["alice"].seed == 1234  # kept from the first run
    forced = grade(course, "toy", subs, out, jobs=2, seed=7, force=True)
    assert forced.skipped_unchanged == []


def test_explicit_seed_regrades(graded: tuple[Path, Path, Path, GradeReport]) -> None:
    """Does asking for a specific seed regrade results made with another one?"""
    course, subs, out, _ = graded
    report = grade(course, "toy", subs, out, jobs=2, seed=4242)
    assert report.skipped_unchanged == []
    assert all(r.seed == 4242 for r in report.results)
    assert len(grade(course, "toy", subs, out, jobs=2, seed=4242).skipped_unchanged) == len(
        report.results
    )
