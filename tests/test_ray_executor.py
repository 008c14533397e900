"""The Ray executor (``grade(..., executor="ray")``) against a local Ray: the same scores as
the local pool, re-runs that skip finished work, and a cluster that loses a worker node (or a
grading process that keeps dying) without losing a submission."""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.cluster import _resources
from grader.errors import InstructorError
from grader.grade import grade
from grader.lane import GradeTask, LaneResult
from grader.models import GradeReport, Submission, SubmissionResult
from tests.test_grade import write_class
from tests.toycourse import make_course, solution

needs_ray = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None,
    reason="ray is not installed: pip install 'dl-grader[cluster]' (scripts/env.sh installs it)",
)
SMALL_RAY = {"object_store_memory": 80 * 1024**2}
SLEEP_S = 2.0  # long enough that a node is still grading when the test kills it


@pytest.fixture(autouse=True)
def _no_usage_stats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")


def summary(report: GradeReport) -> dict[str, tuple[float, list[str], str | None]]:
    """Per student: score, check statuses and why it was not gradable."""
    return {
        r.student: (r.score, [c.status for c in r.checks], r.not_gradable_reason)
        for r in report.results
    }


def toy_class(root: Path) -> Path:
    """The toy class of test_grade, less the student whose endless loop costs seconds."""
    subs = write_class(root)
    for path in (subs / "dave").iterdir():
        path.unlink()
    (subs / "dave").rmdir()
    return subs


# -- one machine ----------------------------------------------------------------------------


def test_missing_ray_is_an_instructor_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without ray installed, does --executor ray say how to install it, before grading?"""
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    course = make_course(tmp_path / "course")
    with pytest.raises(InstructorError, match=r"pip install 'dl-grader\[cluster\]'"):
        grade(course, "toy", toy_class(tmp_path), tmp_path / "out", executor="ray")
    assert not (tmp_path / "out" / "alice").exists()


def test_unknown_executor_and_stray_address_are_refused(tmp_path: Path) -> None:
    """Are an unknown --executor and an --address without --executor ray refused by name?"""
    course = make_course(tmp_path / "course")
    subs = toy_class(tmp_path)
    with pytest.raises(InstructorError, match="--executor must be local or ray, given: 'dask'"):
        grade(course, "toy", subs, tmp_path / "out", executor="dask")
    with pytest.raises(
        InstructorError, match="--address auto names a Ray cluster, which only --executor ray uses"
    ):
        grade(course, "toy", subs, tmp_path / "out", address="auto")


class FakeRay:
    """Just enough of the ``ray`` module for :func:`grader.cluster._resources`."""

    def __init__(self, *nodes: dict[str, float]) -> None:
        self.listed = [{"Alive": True, "Resources": n} for n in nodes]

    def nodes(self) -> list[dict[str, Any]]:
        return [*self.listed, {"Alive": False, "Resources": {"CPU": 64.0, "GPU": 8.0}}]


def test_tasks_ask_for_what_the_cluster_can_give(tmp_path: Path) -> None:
    """Does each task ask for its threads in CPUs (never more than the largest live node
    has), 1/jobs of a GPU on cuda, and is cuda on a cluster without GPUs refused?"""
    task = GradeTask(
        course=tmp_path,
        assignment="toy",
        submission=Submission(student="alice", path=tmp_path / "alice", kind="directory"),
        out_dir=tmp_path / "out",
        scratch_root=tmp_path / "scratch",
        seed=1,
        threads=8,
    )
    cpu_nodes = FakeRay({"CPU": 4.0}, {"CPU": 2.0})
    assert _resources(cpu_nodes, task, jobs=2) == (4.0, 0.0, 1)  # type: ignore[arg-type]
    cuda = task.model_copy(update={"device": "cuda", "threads": 2})
    gpu_nodes = FakeRay({"CPU": 16.0, "GPU": 1.0}, {"CPU": 16.0, "GPU": 2.0})
    assert _resources(gpu_nodes, cuda, jobs=4) == (2.0, 0.25, 12)  # type: ignore[arg-type]
    with pytest.raises(InstructorError, match="no node of the Ray cluster has a GPU"):
        _resources(cpu_nodes, cuda, jobs=2)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def graded_both(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Path, Path, GradeReport, GradeReport]:
    root = tmp_path_factory.mktemp("ray")
    course, subs = make_course(root / "course"), toy_class(root)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RAY_USAGE_STATS_ENABLED", "0")
        local = grade(course, "toy", subs, root / "local", jobs=2, seed=99)
        on_ray = grade(course, "toy", subs, root / "ray", jobs=2, seed=99, executor="ray")
    return course, subs, root / "ray", local, on_ray


@needs_ray
@pytest.mark.slow
def test_ray_gives_the_local_pools_scores(
    graded_both: tuple[Path, Path, Path, GradeReport, GradeReport],
) -> None:
    """Does grading on a local Ray give every student what the local pool gives, with every
    file written by the driver, and is the Ray it started stopped again?"""
    import ray

    _, _, out, local, on_ray = graded_both
    assert summary(on_ray) == summary(local)
    assert summary(on_ray)["alice"][0] == 6 and summary(on_ray)["bob"][0] == 3
    for student in summary(on_ray):
        files = {p.name for p in (out / student).iterdir()}
        assert {"result.json", "results.json", "feedback.html", "feedback.md"} <= files
    assert (out / "gradebook.csv").read_text().count("\n") == len(on_ray.results) + 1
    assert not ray.is_initialized()


@needs_ray
@pytest.mark.slow
def test_ray_rerun_skips_finished_submissions(
    graded_both: tuple[Path, Path, Path, GradeReport, GradeReport],
) -> None:
    """Does a re-run skip finished submissions (starting no Ray for them) and grade only the
    one that changed?"""
    course, subs, out, _, first = graded_both
    again = grade(course, "toy", subs, out, jobs=2, executor="ray")
    assert again.skipped_unchanged == sorted(summary(first))
    assert summary(again) == summary(first)

    (subs / "bob" / "ops.py").write_text(solution())
    changed = grade(course, "toy", subs, out, jobs=2, executor="ray")
    assert set(changed.skipped_unchanged) == set(summary(first)) - {"bob"}
    assert summary(changed)["bob"][0] == 6
    written = SubmissionResult.model_validate_json((out / "bob" / "result.json").read_text())
    assert written.score == 6


# -- a cluster that loses a node ------------------------------------------------------------

SLOW_SPEC = """\
id = "slow"
title = "Checks that take a while, so a node can die under them"

[submission]
files = ["ops.py"]

[limits]
check_seconds = 30
submission_seconds = 60
import_seconds = 10

[worker]
preload = []

[[parts]]
name = "Answer"
checks = { test_answer = 1 }
"""

SLOW_CHECK = '''\
import os
import time
from pathlib import Path

import ray

LOG = Path({log!r})


def test_answer(submission, reference):
    """answer() must return 42."""
    who = submission.ops.who()
    with LOG.open("a") as log:  # the trusted side notes which node graded whom
        log.write(f"{{who}} {{ray.get_runtime_context().get_node_id()}}\\n")
    if who == "doomed":
        os._exit(1)  # this grading process dies on this submission, every time
    time.sleep({sleep})
    assert submission.ops.answer() == reference.ops.answer()
'''

OPS = 'def who():\n    return "{who}"\n\n\ndef answer():\n    return {answer}\n'
STUDENTS = {"s1": 42, "s2": 42, "s3": 41, "s4": 42, "s5": 42, "doomed": 42}


def make_slow_course(root: Path, log: Path) -> tuple[Path, Path]:
    """A one-check course whose check sleeps, and its class; returns (course, submissions)."""
    files = {
        "course/assignments/slow/assignment.toml": SLOW_SPEC,
        "course/assignments/slow/checks/hidden/test_slow.py": SLOW_CHECK.format(
            log=str(log), sleep=SLEEP_S
        ),
        "course/reference/slow/ops.py": OPS.format(who="reference", answer=42),
        **{f"subs/{s}/ops.py": OPS.format(who=s, answer=a) for s, a in STUDENTS.items()},
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root / "course", root / "subs"


def starts(log: Path) -> list[tuple[str, str]]:
    """(student, node id) for every time a check started, in order."""
    return [tuple(line.split()) for line in log.read_text().splitlines()]  # type: ignore[misc]


class NodeKiller:
    """An ``on_result`` hook: at the first result, wait for a submission to start on a
    worker node (the nodes take queued tasks on their own), then kill that node at once,
    with no graceful shutdown, so the submission is surely still in flight."""

    def __init__(self, cluster: Any, log: Path) -> None:
        self.cluster, self.log = cluster, log
        self.done: set[str] = set()
        self.killed: list[str] = []

    def __call__(self, lane: LaneResult) -> None:
        self.done.add(lane.result.student)
        if self.killed or len(self.done) > 1:
            return
        seen = len(starts(self.log))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            fresh = [(s, n) for s, n in starts(self.log)[seen:] if s != "doomed"]
            if fresh:
                student, node_id = fresh[0]
                node = next(n for n in self.cluster.worker_nodes if n.node_id == node_id)
                self.cluster.remove_node(node, allow_graceful=False)
                self.killed = [student]
                return
            time.sleep(0.05)


@pytest.fixture(scope="module")
def cluster_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[GradeReport, NodeKiller, Path]]:
    import ray
    from ray.cluster_utils import Cluster

    root = tmp_path_factory.mktemp("cluster")
    log = root / "starts.log"
    log.touch()
    course, subs = make_slow_course(root, log)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RAY_USAGE_STATS_ENABLED", "0")
        cluster = Cluster(
            initialize_head=True,
            head_node_args={  # the head runs no task: two worker nodes of one CPU each do
                "num_cpus": 0,
                "include_dashboard": False,
                **SMALL_RAY,
                "_system_config": {
                    "health_check_period_ms": 500,
                    "health_check_failure_threshold": 3,
                },
            },
        )
        try:
            for _ in range(2):
                cluster.add_node(num_cpus=1, **SMALL_RAY)
            cluster.wait_for_nodes()
            killer = NodeKiller(cluster, log)
            report = grade(
                course,
                "slow",
                subs,
                root / "out",
                jobs=2,
                seed=3,
                on_result=killer,
                executor="ray",
                address=cluster.address,  # connects as `grader grade --address HOST:PORT` does
            )
            assert not ray.is_initialized()  # it disconnected, and left the cluster running
            assert len(cluster.list_all_nodes()) == 2
            yield report, killer, log
        finally:
            cluster.shutdown()


@needs_ray
@pytest.mark.slow
def test_killed_node_costs_no_submission(
    cluster_run: tuple[GradeReport, NodeKiller, Path],
) -> None:
    """When a worker node dies with a submission in flight, is that submission graded again
    on the surviving node, and does every student still get the right score?"""
    report, killer, log = cluster_run
    assert killer.killed, "no submission was in flight on a worker node to kill"
    scores = {r.student: r.score for r in report.results}
    assert scores == {"s1": 1, "s2": 1, "s3": 0, "s4": 1, "s5": 1, "doomed": 0}
    for student in killer.killed:
        nodes = [n for s, n in starts(log) if s == student]
        assert len(nodes) == 2 and nodes[0] != nodes[1], (student, nodes)


@needs_ray
@pytest.mark.slow
def test_a_lane_that_keeps_dying_costs_only_its_submission(
    cluster_run: tuple[GradeReport, NodeKiller, Path],
) -> None:
    """Does a submission whose grading process dies on every try get the local pool's
    "crashed" result after one retry, while the others are graded?"""
    report, _, log = cluster_run
    doomed = next(r for r in report.results if r.student == "doomed")
    assert "crashed twice" in (doomed.not_gradable_reason or "")
    assert [s for s, _ in starts(log)].count("doomed") == 2
    assert sum(r.gradable for r in report.results) == 5
