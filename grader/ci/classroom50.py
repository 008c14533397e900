"""``grader ci --classroom50``: the ``result.json`` Classroom 50's runner reads.

Classroom 50 (a successor of GitHub Classroom, retired on 28 August 2026) grades in the
student's repository: its runner runs a course's ``autograder.py`` in the checkout, reads
the ``result.json`` it leaves there (schema ``classroom50/result/v1``), publishes it as a
release and sets the commit status ``classroom50/autograde``: *success* when every test in
it passed, *failure* when one did not. The runner passes the submission's identity in the
environment (``CLASSROOM``, ``ASSIGNMENT``, ``SUBMISSION_TAG``, ``USERNAME``,
``COMMIT_URL``, ``RELEASE_URL``, ``REVIEW_URL``, ``MODE``); a missing one is an
instructor's error.

The schema's points are whole numbers: each check's maximum is rounded, the points it
earned rounded down (never more than its maximum), and the totals are the sums of those.
With the public checks only, a check that cannot run on this machine (``not_run``) is left
out, as :func:`grader.ci.run.ci_percent` leaves it out of the percentage.

Source of the format: ``schemas/result-v1.schema.json`` and ``runner.py`` in
https://github.com/foundation50/classroom50 (see docs/ci.md).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from grader import atomic
from grader.errors import InstructorError
from grader.models import CheckResult, SubmissionResult
from grader.safetext import printable
from grader.selfcheck.run import SelfCheckReport
from grader.selfcheck.show import one_line

__all__ = ["SCHEMA", "result_document", "submission_time", "write_result"]

SCHEMA = "classroom50/result/v1"
_REQUIRED_ENV = ("CLASSROOM", "ASSIGNMENT", "SUBMISSION_TAG")
_STAMP = "%Y-%m-%dT%H:%M:%SZ"


def result_document(
    report: SelfCheckReport, env: Mapping[str, str], when: dt.datetime, now: dt.datetime
) -> dict[str, Any]:
    """The ``result.json`` object for ``report``, its identity from the runner's ``env``;
    ``when`` is the graded commit's time, ``now`` this run's."""
    missing = [name for name in _REQUIRED_ENV if not env.get(name)]
    if missing:
        raise InstructorError(
            f"--classroom50 needs {', '.join(missing)} in the environment, which Classroom "
            "50's runner sets when it runs the autograder; run it from autograder.py "
            "(docs/ci.md, 'Classroom 50')"
        )
    submission = env["SUBMISSION_TAG"]
    if not submission.startswith("submit/"):
        raise InstructorError(f"SUBMISSION_TAG {submission!r} is not a submit/... tag")
    commit = env.get("COMMIT_URL") or _commit_url(env)
    r = report.result
    tests = [
        _test(r, c) for c in r.checks if report.mode != "public checks" or c.status != "not_run"
    ]
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "classroom": env["CLASSROOM"],
        "assignment": env["ASSIGNMENT"],
        "assignment_type": "group" if env.get("MODE") == "group" else "individual",
        "owner": env.get("USERNAME") or env.get("GITHUB_ACTOR") or "unknown",
        "submission": submission,
        "commit": commit,
        "release": env.get("RELEASE_URL") or commit,
        "review": env.get("REVIEW_URL") or commit,
        "datetime": when.astimezone(dt.UTC).strftime(_STAMP),
        "graded_at": now.astimezone(dt.UTC).strftime(_STAMP),
        "score": sum(t["score"] for t in tests),
        "max-score": sum(t["max-score"] for t in tests),
        "tests": tests,
    }
    if env.get("GITHUB_ACTOR"):
        actor_id = env.get("GITHUB_ACTOR_ID", "")
        document["submitted_by"] = {
            "username": env["GITHUB_ACTOR"],
            "id": int(actor_id) if actor_id.isdigit() else None,
        }
    return document


def _test(r: SubmissionResult, check: CheckResult) -> dict[str, Any]:
    most = max(round(check.max_points), 0)
    earned = min(max(math.floor(r.awarded_for(check) + 1e-9), 0), most)
    message = "" if check.status == "passed" else one_line(check.message or check.description, 300)
    return {
        "test-name": check.name,
        "passed": check.status == "passed",
        "score": earned,
        "max-score": most,
        "status": check.status,
        "part": printable(check.part),
        "message": printable(message),  # student text: JSON-escaped, never markup here
    }


def _commit_url(env: Mapping[str, str]) -> str:
    server = env.get("GITHUB_SERVER_URL") or "https://github.com"
    repository, sha = env.get("GITHUB_REPOSITORY", ""), env.get("GITHUB_SHA", "")
    return f"{server}/{repository}/commit/{sha}" if repository and sha else server


def submission_time(folder: Path) -> dt.datetime:
    """The committer date of the checkout's HEAD (the submission's time, the same on every
    regrade), else now."""
    try:
        proc = subprocess.run(  # noqa: S603 - git, reading one commit's date
            ["git", "-C", str(folder), "log", "-1", "--format=%ct", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        return dt.datetime.fromtimestamp(int(proc.stdout.strip()), dt.UTC)
    except (OSError, subprocess.SubprocessError, ValueError):
        return dt.datetime.now(dt.UTC)


def write_result(report: SelfCheckReport, env: Mapping[str, str], out: Path) -> dict[str, Any]:
    """Write ``result.json`` to ``out``; return what was written."""
    document = result_document(report, env, submission_time(report.folder), dt.datetime.now(dt.UTC))
    atomic.write_bytes(out, (json.dumps(document, indent=2) + "\n").encode())
    return document
