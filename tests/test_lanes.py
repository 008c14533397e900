"""Lanes share the cores: each lane and its worker compute with CPU count / jobs threads, so
the reference and the student's code round alike and the lanes never oversubscribe."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.grade import grade

SPEC = """
id = "threads"
title = "Thread counts"

[submission]
files = ["ops.py"]

[limits]
check_seconds = 30
submission_seconds = 60
memory_mb = 4096
import_seconds = 30

[worker]
preload = ["numpy", "torch"]

[[parts]]
name = "threads"
checks = { test_same_threads = 1 }
"""

CHECK = '''
import torch


def test_same_threads(submission, params):
    """The worker computes with as many threads as the lane that checks it."""
    mine = torch.get_num_threads()
    theirs = submission.ops.threads()
    assert theirs == mine == params["expected"], (theirs, mine, params["expected"])
'''

REFERENCE = """import torch


def threads():
    # BEGIN SOLUTION
    return torch.get_num_threads()
    # END SOLUTION
"""


@pytest.mark.parametrize("jobs", [1, 2])
def test_lane_and_worker_threads_are_cores_over_jobs(tmp_path: Path, jobs: int) -> None:
    expected = max(1, (os.cpu_count() or 1) // jobs)
    files = {
        "assignments/threads/assignment.toml": SPEC + f"\n[params]\nexpected = {expected}\n",
        "assignments/threads/checks/hidden/test_threads.py": CHECK,
        "reference/threads/ops.py": REFERENCE,
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    solution = "import torch\n\n\ndef threads():\n    return torch.get_num_threads()\n"
    for name in ("a", "b"):
        (tmp_path / "subs" / name).mkdir(parents=True)
        (tmp_path / "subs" / name / "ops.py").write_text(solution)
    report = grade(tmp_path, "threads", tmp_path / "subs", tmp_path / "out", jobs=jobs, seed=1)
    assert [(r.student, r.score) for r in report.results] == [("a", 1.0), ("b", 1.0)], [
        c.message for r in report.results for c in r.checks
    ]


@pytest.mark.parametrize(
    ("cpu_max", "most"),
    [("200000 100000\n", 2), ("150000 100000\n", 2), ("max 100000\n", None), (None, None)],
)
def test_usable_cores_follow_the_container_quota(
    tmp_path: Path, cpu_max: str | None, most: int | None
) -> None:
    """Inside a container limited to 2 CPUs on a 64-core host, are 2 cores used to size the
    lanes' threads (and so the CPU-time limits), not the host's count?"""
    from grader.procutil import usable_cores

    path = tmp_path / "cpu.max"
    if cpu_max is not None:
        path.write_text(cpu_max)
    pinned = len(os.sched_getaffinity(0))
    assert usable_cores(path) == (pinned if most is None else min(pinned, most))
