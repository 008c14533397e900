"""Throughput of grading lanes: one class graded with 1, 2, ... lanes, on the CPU or one GPU.

    python bench/lanes.py [--assignment cnn_classifiers] [--lanes 1,2] [--device cpu]
                          [--copies 2] [--seed 7] [--startup]

The class is the assignment's demo class (``examples/<id>/submissions``), each submission
copied ``--copies`` times under new names, so every lane has several to grade. For each lane
count the whole class is graded afresh (``force=True``, one seed) and the script prints the
wall time, the throughput (gradable submissions per minute), the speed-up over the first
lane count, and the mean per-submission time. The scores must not depend on the lanes: a
row whose scores differ from the first row's says so.

On a GPU machine: ``--device cuda --lanes 1,2,4,8``; each worker then gets 0.9/lanes of the
GPU's memory (``[device] gpu_memory_fraction``). ``--startup`` also measures what the GPU
costs each submission to start: a throwaway class whose only check makes one CUDA tensor in
the worker, graded on ``--device`` and on the CPU; the difference per submission is the
CUDA start-up (context creation in the freshly forked worker).

Prints figures; asserts nothing (the tests do that).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from grader.grade import grade
from grader.models import GradeReport

ROOT = Path(__file__).resolve().parent.parent

STARTUP_SPEC = """
id = "cuda_start"
title = "What a GPU costs each submission to start"

[submission]
files = ["ops.py"]

[limits]
check_seconds = 60
submission_seconds = 120
memory_mb = 8192
import_seconds = 60

[worker]
preload = ["numpy", "torch"]

[[parts]]
name = "start"
checks = { test_touch = 1 }
"""

STARTUP_CHECK = '''
def test_touch(submission, device):
    """One tensor on the grading device, made in the student's worker."""
    assert submission.ops.touch(device) == 1.0
'''

STARTUP_REFERENCE = """import torch


def touch(device):
    # BEGIN SOLUTION
    return float(torch.ones(1, device=device).sum().item())
    # END SOLUTION
"""


def make_class(assignment: str, copies: int, into: Path) -> Path:
    """The demo class of ``assignment``, every submission ``copies`` times."""
    source = ROOT / "examples" / assignment / "submissions"
    into.mkdir(parents=True)
    for entry in sorted(source.iterdir()):
        for k in range(copies):
            name = f"{entry.stem}{k}{entry.suffix}" if entry.is_file() else f"{entry.name}{k}"
            if entry.is_dir():
                shutil.copytree(entry, into / name)
            else:
                shutil.copyfile(entry, into / name)
    return into


def timed(
    course: Path, assignment: str, subs: Path, out: Path, **kwargs: object
) -> tuple[GradeReport, float]:
    started = time.perf_counter()
    report = grade(course, assignment, subs, out, force=True, **kwargs)  # type: ignore[arg-type]
    return report, time.perf_counter() - started


def lanes_table(args: argparse.Namespace, scratch: Path) -> None:
    subs = make_class(args.assignment, args.copies, scratch / "class")
    print(
        f"{args.assignment}: {len(list(subs.iterdir()))} submissions, device {args.device}, "
        f"seed {args.seed}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"
    )
    print(f"{'lanes':>5} {'wall s':>8} {'subs/min':>9} {'speed-up':>9} {'mean s/sub':>11}  scores")
    first: tuple[float, dict[str, float]] | None = None
    for lanes in args.lanes:
        report, wall = timed(
            ROOT,
            args.assignment,
            subs,
            scratch / f"out-{lanes}",
            jobs=lanes,
            seed=args.seed,
            device=args.device,
        )
        graded = [r for r in report.results if r.gradable]
        per_min = 60 * len(graded) / wall
        scores = {r.student: r.score for r in report.results}
        if first is None:
            first = (per_min, scores)
        same = "same" if scores == first[1] else "DIFFERENT from the first row"
        mean = statistics.mean(r.duration_s for r in graded) if graded else 0.0
        print(
            f"{lanes:5d} {wall:8.1f} {per_min:9.2f} {per_min / first[0]:8.2f}x {mean:11.2f}  {same}"
        )


def startup(args: argparse.Namespace, scratch: Path) -> None:
    course = scratch / "startup-course"
    files = {
        "assignments/cuda_start/assignment.toml": STARTUP_SPEC,
        "assignments/cuda_start/checks/hidden/test_touch.py": STARTUP_CHECK,
        "reference/cuda_start/ops.py": STARTUP_REFERENCE,
    }
    for rel, text in files.items():
        (course / rel).parent.mkdir(parents=True, exist_ok=True)
        (course / rel).write_text(text)
    subs = scratch / "startup-class"
    solution = "\n".join(line for line in STARTUP_REFERENCE.splitlines() if "SOLUTION" not in line)
    for k in range(args.startup_n):
        (subs / f"s{k:02d}").mkdir(parents=True)
        (subs / f"s{k:02d}" / "ops.py").write_text(solution + "\n")
    per: dict[str, float] = {}
    for device in dict.fromkeys([args.device, "cpu"]):
        report, wall = timed(
            course, "cuda_start", subs, scratch / f"startup-{device}", jobs=1, device=device
        )
        ok = sum(r.score == r.max_score for r in report.results)
        per[device] = statistics.median(r.duration_s for r in report.results)
        print(
            f"start-up, {device}: {len(report.results)} submissions, {ok} passed, median {per[device]:.3f} s per submission, wall {wall:.1f} s"
        )
    if args.device != "cpu":
        print(
            f"{args.device} start-up per submission (median, over the CPU's): {per[args.device] - per['cpu']:.3f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--assignment", default="cnn_classifiers")
    parser.add_argument("--lanes", type=lambda s: [int(x) for x in s.split(",")], default=None)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--startup", action="store_true", help="also measure the GPU start-up per submission"
    )
    parser.add_argument("--startup-n", type=int, default=16)
    args = parser.parse_args()
    if args.lanes is None:
        args.lanes = [1, 2, 4, 8] if args.device == "cuda" else [1, 2]
    with tempfile.TemporaryDirectory(prefix="bench-lanes-") as scratch:
        lanes_table(args, Path(scratch))
        if args.startup:
            startup(args, Path(scratch))


if __name__ == "__main__":
    main()
