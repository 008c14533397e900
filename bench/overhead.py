"""Grading overhead per submission: grade N trivial submissions and print median and p95.

    python bench/overhead.py [-n 200] [--jobs 1] [--preload numpy,torch,torchvision]
                             [--sandbox on|off|both] [--profile]

Builds, in a temporary folder, a course with one assignment whose only check calls
``submission.ops.one()`` and compares it with 1, and N submission folders each holding that
one-line ``ops.py``. The check does next to nothing, so what a submission costs is the grader's.

For each sandbox setting it grades the class with :func:`grader.grade.grade` and prints, per
submission, the lane time (``SubmissionResult.duration_s``: load, checks, scoring) and the lane
time minus the time inside the check (``CheckResult.duration_s``). The first result of each
lane is shown on its own and left out of the statistics: it pays the lane's first-use costs
(the assignment, the reference and the warm parent). The worker starts
lazily, at the check's first use of ``submission``, so worker start and the import of
``ops.py`` count as check time. ``duration_s`` stops before the result files are written, so
the steady-state time between completions is printed too: it includes writing.

A lane grades its submissions in batches that share one pytest session
(:func:`grader.lane.grade_batch`). The session's start and collection belong to no
submission's ``duration_s``: only the steady-state time counts them.

``--profile`` instead runs cProfile over :func:`grader.lane.grade_batch` for 20 submissions in
this process, batched as one lane would batch them (after one unprofiled warm-up), and prints
the top 25 entries by cumulative time, then the time per submission of a few named stages
(pytest set-up, collection, worker start...).

Prints figures; asserts nothing (the tests do that).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from grader.discover import discover
from grader.executors.local import batches
from grader.grade import grade
from grader.lane import GradeTask, LaneResult, grade_batch
from grader.models import SubmissionResult

ASSIGNMENT = "overhead"
PROFILE_SUBMISSIONS = 20
PROFILE_TOP = 25
STAGES = (  # label, end of the file name, function name; missing ones are left out
    ("grade_batch (all)", "grader/lane.py", "grade_batch"),
    ("load (copy, hash, compile)", "grader/load.py", "load"),
    ("pytest start + finish (all)", "grader/checks/driver.py", "collected"),
    ("  parse args, plugins", "_pytest/config/__init__.py", "_prepareconfig"),
    ("  session start (fixtures)", "_pytest/fixtures.py", "pytest_sessionstart"),
    ("  collection", "_pytest/main.py", "perform_collect"),
    ("  unconfigure", "_pytest/config/__init__.py", "_ensure_unconfigure"),
    ("    gc.collect", "~", "<built-in method gc.collect>"),
    ("run the checks", "grader/checks/plugin.py", "run"),
    ("  worker start + import", "grader/remote.py", "_start"),
    ("worker kill", "grader/supervisor.py", "kill"),
    ("score", "grader/score.py", "score"),
    ("write results", "grader/lane.py", "write_result"),
    ("  feedback (html, md)", "grader/outputs/feedback.py", "write"),
    ("remove scratch", "grader/lane.py", "_cleanup"),
)

SPEC = """\
id = "overhead"
title = "Overhead benchmark: one trivial check"

[submission]
files = ["ops.py"]

[worker]
preload = {preload}

[[parts]]
name = "One"
checks = {{ test_one_returns_one = 1 }}
"""

CHECK = '''\
def test_one_returns_one(submission):
    """one() must return 1."""
    assert submission.ops.one() == 1
'''

OPS = '''\
def one():
    """The number one."""
    return 1
'''


@dataclass(frozen=True)
class Run:
    """What one graded class gave: results in completion order, with their arrival times."""

    sandbox: bool
    wall_s: float
    results: list[LaneResult]
    arrived_s: list[float]


# -- the class ---------------------------------------------------------------------------


def make_course(root: Path, preload: list[str]) -> Path:
    """Write the one-check course under ``root/course`` and return it."""
    course = root / "course"
    files = {
        f"assignments/{ASSIGNMENT}/assignment.toml": SPEC.format(preload=json.dumps(preload)),
        f"assignments/{ASSIGNMENT}/checks/public/test_one.py": CHECK,
        f"reference/{ASSIGNMENT}/ops.py": OPS,
    }
    for rel, text in files.items():
        path = course / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return course


def make_submissions(root: Path, n: int) -> Path:
    """Write ``n`` submission folders, each with the trivial ``ops.py``; return their parent."""
    folder = root / "submissions"
    for i in range(n):
        student = folder / f"s{i:04d}"
        student.mkdir(parents=True)
        (student / "ops.py").write_text(OPS, encoding="utf-8")
    return folder


# -- measuring -----------------------------------------------------------------------------


def grade_class(course: Path, subs: Path, out: Path, *, jobs: int, sandbox: bool) -> Run:
    """Grade the class once, noting when each result arrived (seconds since the start)."""
    results: list[LaneResult] = []
    arrived: list[float] = []
    started = time.perf_counter()

    def on_result(lane: LaneResult) -> None:
        arrived.append(time.perf_counter() - started)
        results.append(lane)

    grade(
        course,
        ASSIGNMENT,
        subs,
        out,
        jobs=jobs,
        seed=0,
        force=True,
        sandbox=sandbox,
        on_result=on_result,
    )
    return Run(sandbox, time.perf_counter() - started, results, arrived)


def lane_ms(lane: LaneResult) -> float:
    return 1000 * lane.result.duration_s


def check_ms(lane: LaneResult) -> float:
    return 1000 * sum(c.duration_s for c in lane.result.checks)


def overhead_ms(lane: LaneResult) -> float:
    return lane_ms(lane) - check_ms(lane)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


# -- printing ------------------------------------------------------------------------------


def stats_line(label: str, values: list[float]) -> str:
    if not values:
        return f"  {label:24s} n/a (no results after the warm-up ones)"
    return (
        f"  {label:24s} median {statistics.median(values):7.1f}  p95 {percentile(values, 95):7.1f}"
        f"  mean {statistics.fmean(values):7.1f}  max {max(values):7.1f}  ms"
    )


def why(result: SubmissionResult) -> str:
    """One line on why a trivial submission lost points: the figures above are then suspect."""
    reasons = [result.not_gradable_reason or "", *result.notes]
    reasons += [f"{c.name} {c.status}: {c.message}" for c in result.checks if c.status != "passed"]
    return f"{result.student}: " + "; ".join(r for r in reasons if r)[:300]


def report(run: Run, *, jobs: int, preload: list[str]) -> None:
    n, warm = len(run.results), min(jobs, len(run.results))
    first, rest = run.results[:warm], run.results[warm:]
    bad = [r.result for r in run.results if r.result.score != r.result.max_score]
    print(
        f"\nsandbox={'on' if run.sandbox else 'off'}  n={n}  jobs={jobs}  "
        f"preload={','.join(preload) or '(none)'}"
    )
    print(
        f"  wall {run.wall_s:.1f} s for the whole run; throughput {n / run.wall_s:.2f} submissions/s"
    )
    print(f"  first result arrived after {run.arrived_s[0]:.2f} s (pool start and lane imports)")
    for lane in first:
        print(
            f"  first result of a lane ({lane.result.student}): lane "
            f"{lane_ms(lane):.0f} ms, check {check_ms(lane):.0f} ms, overhead {overhead_ms(lane):.0f} ms"
        )
    print(f"  per submission, excluding the first {warm} result(s) (one per lane), n={len(rest)}:")
    print(stats_line("lane time (duration_s)", [lane_ms(r) for r in rest]))
    print(stats_line("check time", [check_ms(r) for r in rest]))
    print(stats_line("lane minus check", [overhead_ms(r) for r in rest]))
    later = [t for t in run.arrived_s if t > run.arrived_s[warm - 1]]  # batches arrive at once
    if later:
        span = later[-1] - run.arrived_s[warm - 1]
        print(
            f"  steady state: {1000 * span * jobs / len(later):.0f} ms of lane time per submission "
            f"between completions (includes pytest set-up, writing results, the pool's round trip)"
        )
    if bad:
        print(f"  WARNING: {len(bad)} submission(s) did not score full marks: {why(bad[0])}")


# -- profiling -----------------------------------------------------------------------------


def profile(course: Path, subs: Path, out: Path, *, sandbox: bool) -> None:
    """cProfile ``grade_batch`` over the submissions, batched as in one lane, after a warm-up."""
    scratch = out / "scratch"
    scratch.mkdir(parents=True)
    tasks = [
        GradeTask(
            course=course,
            assignment=ASSIGNMENT,
            submission=s,
            out_dir=out / "results",
            scratch_root=scratch,
            seed=0,
            force=True,
            sandbox=sandbox,
        )
        for s in discover(subs)[: PROFILE_SUBMISSIONS + 1]
    ]
    grade_batch(tasks[:1])  # imports, caches and template compilation: not what we look for
    work = batches(tasks[1:], 1)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for batch in work:
        grade_batch(batch)
    profiler.disable()
    wall = time.perf_counter() - started
    print(
        f"\nprofile: grade_batch over {len(tasks) - 1} submissions in {len(work)} batch(es) of up "
        f"to {max(len(b) for b in work)}, in this process (sandbox={'on' if sandbox else 'off'}, "
        f"after one warm-up): {wall:.2f} s, {1000 * wall / (len(tasks) - 1):.0f} ms each"
    )
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(PROFILE_TOP)
    print_stages(stats, len(tasks) - 1)


def print_stages(stats: pstats.Stats, n: int) -> None:
    """Cumulative ms per submission of the named stages, read off the profile."""
    cumulative: dict[tuple[str, str], float] = {}
    for (filename, _line, function), row in stats.stats.items():  # type: ignore[attr-defined]
        for _label, suffix, name in STAGES:
            if function == name and filename.endswith(suffix):
                cumulative[suffix, name] = cumulative.get((suffix, name), 0.0) + row[3]
    print("stages, cumulative ms per submission (profiler overhead included):")
    for label, suffix, name in STAGES:
        if (suffix, name) in cumulative:
            print(f"  {label:30s} {1000 * cumulative[suffix, name] / n:7.1f}")


# -- command line --------------------------------------------------------------------------


def preload_list(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=200, help="submissions to grade (default 200)")
    parser.add_argument("--jobs", type=int, default=1, help="lanes (default 1)")
    parser.add_argument(
        "--preload",
        type=preload_list,
        default=preload_list("numpy,torch,torchvision"),
        help="[worker] preload of the spec, comma-separated (default numpy,torch,torchvision)",
    )
    parser.add_argument(
        "--sandbox",
        choices=("on", "off", "both"),
        default="both",
        help="grade(sandbox=...) (default both)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help=f"profile grade_batch over {PROFILE_SUBMISSIONS} submissions in this process instead "
        "(with the first --sandbox setting)",
    )
    args = parser.parse_args()
    if args.n < 1 or args.jobs < 1:
        parser.error(f"-n and --jobs must be at least 1, given: -n {args.n} --jobs {args.jobs}")
    return args


def main() -> None:
    args = parse_args()
    sandboxes = {"on": [True], "off": [False], "both": [True, False]}[args.sandbox]
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        root = Path(tmp)
        course = make_course(root, args.preload)
        if args.profile:
            subs = make_submissions(root, PROFILE_SUBMISSIONS + 1)
            profile(course, subs, root / "profile", sandbox=sandboxes[0])
            return
        subs = make_submissions(root, args.n)
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(
            f"grading {args.n} trivial submissions per setting on {os.cpu_count()} cores "
            f"(load average {load}); overhead = lane time minus check time; the first result "
            "of each lane is reported apart"
        )
        for sandbox in sandboxes:
            run = grade_class(
                course, subs, root / f"out-{sandbox}", jobs=args.jobs, sandbox=sandbox
            )
            report(run, jobs=args.jobs, preload=args.preload)


if __name__ == "__main__":
    main()
