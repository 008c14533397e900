"""`grader ci --classroom50`: Classroom 50's result.json, validated against its schema."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from grader.ci.classroom50 import result_document
from grader.ci.run import run_ci
from tests.test_selfcheck import make_toy, student
from tests.toycourse import solution

SCHEMA = json.loads((Path(__file__).parent / "data/classroom50-result-v1.schema.json").read_text())
RUNNER_ENV = {  # what Classroom 50's runner gives autograder.py
    "CLASSROOM": "dl101",
    "ASSIGNMENT": "toy-ops",
    "SUBMISSION_TAG": "submit/20261204T120000Z-abc1234",
    "USERNAME": "alice",
    "COMMIT_URL": "https://github.com/dl101/dl101-toy-ops-alice/commit/abc1234",
    "RELEASE_URL": "https://github.com/dl101/dl101-toy-ops-alice/releases/tag/submit%2F1",
    "MODE": "individual",
    "GITHUB_ACTOR": "alice",
    "GITHUB_ACTOR_ID": "4242",
}
COMMIT_TIME = "2026-12-01T10:20:30Z"


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_toy(tmp_path_factory.mktemp("course"))


def repository(course: Path, dest: Path, text: str) -> Path:
    """A student's checkout: the template with ops.py = text, committed at COMMIT_TIME."""
    folder = student(course, dest, text)
    env = {**os.environ, "GIT_COMMITTER_DATE": COMMIT_TIME, "GIT_AUTHOR_DATE": COMMIT_TIME}
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=a", "-c", "user.email=a@b", "commit", "-q", "-m", "work"],
    ):
        subprocess.run(["git", *args], cwd=folder, env=env, check=True, capture_output=True)
    return folder


def classroom50(folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env}
    full.pop("GRADER_COURSE", None)
    return subprocess.run(
        [sys.executable, "-c", "from grader.cli import main; main()", "ci"]
        + ["--assignment", "toy", "--classroom50", "result.json"],
        cwd=folder,
        env=full,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def valid(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` after checking it against the schema and its cross-field rules."""
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    assert document["score"] <= document["max-score"]
    assert all(t["score"] <= t["max-score"] for t in document["tests"])
    return document


def commit_status(document: dict[str, Any]) -> str:
    """The commit status Classroom 50's runner derives (runner.py, derive_status_and_summary)."""
    tests = document["tests"]
    return "success" if not tests or all(t["passed"] for t in tests) else "failure"


@pytest.mark.parametrize(
    ("text", "score", "status"),
    [(solution(), 2, "success"), (None, 0, "failure")],
    ids=["solution", "template"],
)
def test_result_json_validates_and_sets_the_status(
    toy: Path, tmp_path: Path, text: str | None, score: int, status: str
) -> None:
    """Does `grader ci --classroom50` exit 0 for a passing and a failing submission alike
    (Classroom 50 sets the status), with a result.json that validates, carries the runner's
    identity and the commit's time, and gives the right status?"""
    code = text if text is not None else (toy / "student_template/toy/ops.py").read_text()
    folder = repository(toy, tmp_path / "repo", code)
    proc = classroom50(folder, RUNNER_ENV)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = valid(json.loads((folder / "result.json").read_text()))
    assert (doc["classroom"], doc["assignment"], doc["owner"]) == ("dl101", "toy-ops", "alice")
    assert doc["submission"] == RUNNER_ENV["SUBMISSION_TAG"]
    assert doc["review"] == doc["commit"] == RUNNER_ENV["COMMIT_URL"]
    assert doc["datetime"] == COMMIT_TIME
    assert doc["submitted_by"] == {"username": "alice", "id": 4242}
    assert (doc["score"], doc["max-score"]) == (score, 2)
    assert [t["test-name"] for t in doc["tests"]] == [
        "test_scale_public",
        "test_scale_roundtrip_public",
    ]
    assert commit_status(doc) == status


def test_missing_runner_environment_is_an_instructor_error(toy: Path, tmp_path: Path) -> None:
    folder = repository(toy, tmp_path / "repo", solution())
    env = {k: v for k, v in RUNNER_ENV.items() if k != "SUBMISSION_TAG"}
    proc = classroom50(folder, env | {"SUBMISSION_TAG": ""})
    assert proc.returncode == 2
    assert "SUBMISSION_TAG" in proc.stderr and not (folder / "result.json").exists()


def test_points_become_whole_numbers_and_not_run_is_left_out(toy: Path, tmp_path: Path) -> None:
    """With a check that could not run (public mode), is it left out; are points integers
    that never exceed the maximum; is a group assignment stamped as one?"""
    off = solution({"return k * x": "return k * x + 1e-3"})  # one failed, one not run
    folder = student(toy, tmp_path / "repo", off)
    outcome = run_ci(folder, "toy", env={}, junit=tmp_path / "j.xml")
    when = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    doc = valid(result_document(outcome.report, RUNNER_ENV | {"MODE": "group"}, when, when))
    statuses = {c.name: c.status for c in outcome.report.result.checks}
    assert "not_run" in statuses.values()
    assert [t["test-name"] for t in doc["tests"]] == [
        n for n, s in statuses.items() if s != "not_run"
    ]
    assert doc["assignment_type"] == "group" and doc["datetime"] == "2026-12-01T00:00:00Z"
    assert commit_status(doc) == "failure"


def test_schema_rejects_what_classroom50_rejects() -> None:
    """Is the schema file strict enough to fail: a float score, a missing tag, an unknown
    top-level field?"""
    good = {
        "schema": "classroom50/result/v1",
        "classroom": "c",
        "assignment": "a",
        "assignment_type": "individual",
        "owner": "o",
        "submission": "submit/x",
        "commit": "u",
        "release": "u",
        "review": "u",
        "datetime": "2026-01-01T00:00:00Z",
        "score": 1,
        "max-score": 2,
        "tests": [{"test-name": "t", "passed": False, "score": 1, "max-score": 2}],
    }
    valid(good)
    for bad in (
        good | {"score": 1.5},
        good | {"submission": "v1"},
        good | {"usernames": ["o"]},
        {k: v for k, v in good.items() if k != "owner"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            valid(bad)
