"""nbgrader, Otter and ours grade the same notebooks: seconds, ratios and scores.

    .venv/bin/python bench/compare_anchors/run.py [--n 50] [--jobs 1,2] [--keep DIR]
                                                  [--tools nbgrader,otter,ours] [--out FILE]

Builds one notebook assignment (three numpy functions, a public and a hidden test each;
:mod:`assignment`) in nbgrader's, Otter's and our form (:mod:`forms`), writes the same ``n``
student notebooks in each form (:mod:`students`: correct, wrong, erroring, one infinite
loop), and grades them with ``nbgrader autograde``, with ``otter run`` per notebook (no
Docker) and with ``grader grade --jobs N`` for each N (:mod:`tools`). Every score is compared
with the one the student must get by construction.

nbgrader and Otter come from the package registry into their own environment outside the
clone (:mod:`anchors_env`), built on the first run and reused; its install time is printed
apart and is not part of any figure. Prints the table and writes it as Markdown to ``--out``
(default ``bench/compare_anchors/RESULTS.md``). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from anywhere

from bench.compare_anchors.anchors_env import REQUIREMENTS, AnchorEnv, ensure_env  # noqa: E402
from bench.compare_anchors.assignment import (  # noqa: E402
    MAX_POINTS,
    OTTER_SUBMISSION_S,
    TIMEOUT_S,
)
from bench.compare_anchors.forms import make_our_course  # noqa: E402
from bench.compare_anchors.report import (  # noqa: E402
    anchor_time,
    loops,
    make_rows,
    markdown_table,
    our_time,
    text_table,
)
from bench.compare_anchors.students import Student, make_class  # noqa: E402
from bench.compare_anchors.tools import (  # noqa: E402
    ToolRun,
    grade_nbgrader,
    grade_otter,
    grade_ours,
)

TOOLS = ("nbgrader", "otter", "ours")
RESULTS = Path(__file__).with_name("RESULTS.md")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=50, help="student notebooks (default 50)")
    parser.add_argument(
        "--jobs", default="1,2", help="grader grade --jobs values, comma-separated (default 1,2)"
    )
    parser.add_argument(
        "--keep", type=Path, help="work in DIR, new or empty, and keep it (default: a temp dir)"
    )
    parser.add_argument(
        "--tools", default=",".join(TOOLS), help="which to run (default nbgrader,otter,ours)"
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help=f"Markdown table (default {RESULTS})"
    )
    args = parser.parse_args()
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    args.jobs = [int(j) for j in args.jobs.split(",") if j.strip()]
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"--keep needs a new or empty folder, given: {args.keep} (not empty)")
    unknown = set(args.tools) - set(TOOLS)
    if unknown or args.n < 1 or not args.jobs or min(args.jobs) < 1:
        parser.error(
            f"--tools takes {', '.join(TOOLS)}; --n and --jobs at least 1; given: --tools "
            f"{','.join(args.tools)} --n {args.n} --jobs {args.jobs}"
        )
    return args


def machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent,
    ).stdout.strip()
    return (
        f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}, Python "
        f"{platform.python_version()}, load average {load} at the start; commit {commit or '?'}"
    )


def grade_all(
    args: argparse.Namespace, work: Path, students: list[Student], anchors: AnchorEnv | None
) -> tuple[list[ToolRun], dict[str, ToolRun], ToolRun | None]:
    """Every tool's run, in table order; ours again without the infinite loop; and ours on
    a single notebook (what grading costs before the first notebook)."""
    runs: list[ToolRun] = []
    reruns: dict[str, ToolRun] = {}
    single = None
    if "nbgrader" in args.tools and anchors:
        print(f"nbgrader autograde: {len(students)} notebooks, one after the other...", flush=True)
        runs.append(grade_nbgrader(anchors, work, students))
    if "otter" in args.tools and anchors:
        print(f"otter run: {len(students)} notebooks, one after the other...", flush=True)
        runs.append(grade_otter(anchors, work, students))
    if "ours" in args.tools:
        course = make_our_course(work)
        looping = set(loops(students))
        quiet = [s for s in students if s.name not in looping]
        for jobs in args.jobs:
            print(f"grader grade --jobs {jobs}: {len(students)} notebooks...", flush=True)
            run = grade_ours(course, work, students, jobs=jobs)
            runs.append(run)
            if looping and quiet:
                reruns[run.tool] = grade_ours(course, work, quiet, jobs=jobs, label="-noloop")
        if quiet:
            single = grade_ours(course, work, quiet[:1], jobs=1, label="-single")
    return runs, reruns, single


def main() -> None:
    args = parse_args()
    started = time.perf_counter()
    keep = args.keep.resolve() if args.keep else None
    with tempfile.TemporaryDirectory(prefix="compare-anchors-") as tmp:
        work = keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        (work / "logs").mkdir(exist_ok=True)
        where = machine()
        anchors = None
        if {"nbgrader", "otter"} & set(args.tools):
            anchors = ensure_env(work / "logs" / "pip-install.log")
        students = make_class(args.n)
        runs, reruns, single = grade_all(args, work, students, anchors)
        rows = make_rows(runs, students, reruns)
        notes = [anchor_time(r) for r in runs if not r.tool.startswith("grader")]
        notes += [
            our_time(r, reruns.get(r.tool), single) for r in runs if r.tool.startswith("grader")
        ]
        header = describe(students, where, anchors)
        print("\n" + header + "\n\n" + text_table(rows) + "\n" + "\n".join(notes))
        args.out.write_text(
            header + "\n\n" + markdown_table(rows) + "\n" + "".join(f"- {n}\n" for n in notes),
            encoding="utf-8",
        )
        print(f"\nwrote {args.out}; {time.perf_counter() - started:.0f} s in all")
        if keep:
            print(f"kept the work folder {keep} (forms, notebooks, results, logs/)")


def figures_args(argv: list[str]) -> list[str]:
    """The options that change the figures: ``--keep`` and ``--out`` left out."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--keep", "--out"):
            skip = True
        elif not arg.startswith(("--keep=", "--out=")):
            kept.append(arg)
    return kept


def describe(students: list[Student], where: str, anchors: AnchorEnv | None) -> str:
    """The lines above the table: what was graded, where, with what limits."""
    kinds = Counter(s.kind for s in students)
    install = "not used"
    if anchors:
        pins = [line for line in REQUIREMENTS.read_text().splitlines() if "grader==" in line]
        install = (
            f"{', '.join(pins)} in {anchors.prefix} ({'reused; built' if anchors.reused else 'built'}"
            f" in {anchors.install_s:.0f} s, not counted)"
        )
    command = " ".join(["python", "bench/compare_anchors/run.py", *figures_args(sys.argv[1:])])
    return (
        "# nbgrader, Otter and ours on the same notebooks\n\n"
        f"`{command}`, {time.strftime('%Y-%m-%d')}\n\n"
        f"- Class: {len(students)} notebooks worth {MAX_POINTS} points each: "
        f"{', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}.\n"
        f"- Machine: {where}.\n"
        f"- Time limits: {TIMEOUT_S} s per cell (nbgrader) and per check (ours); Otter has none "
        f"without Docker, so the benchmark kills an `otter run` after {OTTER_SUBMISSION_S} s.\n"
        f"- Anchors: {install}.\n"
        "- Ratios: throughput over nbgrader's (its seconds per notebook over the tool's). "
        '"w/o the loop" leaves out the infinite-loop notebook: nbgrader and Otter with their '
        "time on it subtracted, ours graded again without it."
    )


if __name__ == "__main__":
    main()
