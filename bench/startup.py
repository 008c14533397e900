"""Where ``grader grade`` spends its fixed cost: a timeline of one run over a one-notebook class.

    .venv/bin/python bench/startup.py [--repeat 5] [--python PY] [--jobs 1] [--out FILE]
                                      [--assignment COURSE ID SUBMISSION]

Builds the notebook assignment of :mod:`bench.compare_anchors` and a class of one correct
notebook in a temporary folder (or, with ``--assignment``, a class of that one submission of a
course's assignment), then runs ``grader grade`` on it ``--repeat`` times, each in a
fresh interpreter (``--python``, default this one: point it at another checkout's venv to
compare). Each run is traced: an import hook wraps a few named functions of the grader as their
modules load, in the CLI's process and in each lane (the lane initializer is wrapped, so the
lanes trace themselves too), and each wrapped call writes its start and end to a shared file.
Nothing in the grader is changed; a name the grader no longer has is simply not traced.

Prints, for every span, its median start and end (milliseconds after the ``grader`` process was
launched), its median length and the CPU time its own process spent in it, and which heavy
modules the CLI's own process imported; then the median wall time and CPU time (of the whole
process tree: this script reaps the warm parents too) of untraced runs of ``grader grade`` and
``grader --help``. On a shared machine the CPU figures are the steadier ones, and one run
proves little. Prints figures; asserts nothing. Results: ``bench/results/startup-*.md``.
"""

from __future__ import annotations

import argparse
import functools
import importlib.abc
import importlib.machinery
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

TRACE_ENV = "GRADER_STARTUP_TRACE"  # the file every traced process appends its events to
LAUNCH_ENV = "GRADER_STARTUP_T0"  # when the driver launched the traced process (time.time())
_TOP = time.time()  # this interpreter is up (in a lane: spawned and bootstrapped)

# module -> the functions to trace in it ("Class.method" for a method); missing ones are skipped
TARGETS: dict[str, tuple[str, ...]] = {
    "grader.discover": ("discover",),
    "grader.course": ("load_assignment",),
    "grader.run": ("probe_isolation", "import_reference", "run_many"),
    "grader.isolation": ("probe_isolation", "probe"),
    "grader.grade": ("grade",),
    "grader.executors.local": ("_one_pool",),
    "grader.lane": ("grade_batch",),
    "grader.warm": ("WarmParent.__init__", "WarmParent.fork"),
    "grader.supervisor": ("WorkerClient.__init__",),
    "grader.remote": ("SubmissionSession.__init__", "SubmissionSession._start"),
    "pytest": ("main",),
}
IMPORTS = ("grader.cli", "grader.grade", "grader.lane", "grader.run", "pytest", "numpy", "torch")
"""Modules whose import is a span of its own (in whichever process imports them first)."""
HEAVY = ("numpy", "torch", "pytest", "pydantic", "rich", "grader.lane", "grader.run")


def _event(name: str, mark: str, at: float | None = None) -> None:
    path = os.environ.get(TRACE_ENV)
    if not path:
        return
    role = "lane" if _in_lane else "cli"
    line = json.dumps(
        {
            "t": time.time() if at is None else at,
            "cpu": time.process_time(),  # this process's CPU time: robust on a busy machine
            "pid": os.getpid(),
            "role": role,
            "name": name,
            "mark": mark,
        }
    )
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode() + b"\n")  # one write per line: lanes append to the same file
    finally:
        os.close(fd)


_in_lane = False


def _traced(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if name == "grader.grade.grade" and callable(kwargs.get("on_result")):
            kwargs["on_result"] = _first_result(kwargs["on_result"])
        _event(name, "b")
        try:
            return function(*args, **kwargs)
        finally:
            _event(name, "e")

    return wrapper


def _first_result(on_result: Callable[..., Any]) -> Callable[..., Any]:
    seen: list[bool] = []

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not seen:
            seen.append(True)
            _event("first result in the CLI", "b")
            _event("first result in the CLI", "e")
        return on_result(*args, **kwargs)

    return wrapper


def _patch(module: ModuleType) -> None:
    for target in TARGETS.get(module.__name__, ()):
        owner: Any = module
        *path, attr = target.split(".")
        for part in path:
            owner = getattr(owner, part, None)
        function = getattr(owner, attr, None) if owner is not None else None
        if callable(function):
            setattr(owner, attr, _traced(f"{module.__name__}.{target}", function))
    if module.__name__ == "grader.executors.local" and hasattr(module, "lane_initializer"):
        module.lane_initializer = _lane_initializer  # type: ignore[attr-defined]


class _Hook(importlib.abc.MetaPathFinder):
    """Wraps the loader of each module named in TARGETS or IMPORTS: time its import, then
    trace its functions."""

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name not in TARGETS and name not in IMPORTS:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader: Any = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        original = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            _event(f"import {name}", "b")
            try:
                original(module)
            finally:
                _event(f"import {name}", "e")
            _patch(module)

        loader.exec_module = exec_module
        return spec


def _install() -> None:
    if not any(isinstance(f, _Hook) for f in sys.meta_path):
        sys.meta_path.insert(0, _Hook())


def _lane_initializer(*args: Any) -> None:
    """The lane's initializer, traced: the lane traces itself from here on."""
    global _in_lane
    _in_lane = True
    _install()
    _event("lane up (spawned, bootstrapped)", "b", at=_TOP)
    _event("lane up (spawned, bootstrapped)", "e")
    import grader.procutil

    _event("lane initializer", "b")
    grader.procutil.lane_initializer(*args)
    _event("lane initializer", "e")


def _heavy() -> str:
    return ",".join(m for m in HEAVY if m in sys.modules) or "none of " + ",".join(HEAVY)


# -- the traced process: `python bench/startup.py --traced -- grade ...` ----------------------


def traced_main(argv: list[str]) -> int:
    launched = float(os.environ[LAUNCH_ENV])
    _event("python start", "b", at=launched)
    _event("python start", "e", at=_TOP)
    _install()
    from grader.cli import main  # traced by the hook

    _event("cli process after import grader.cli: " + _heavy(), "b")
    sys.argv = ["grader", *argv]
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    _event("cli process at exit: " + _heavy(), "b")
    return code


# -- the driver -----------------------------------------------------------------------------


def make_class(work: Path) -> tuple[Path, Path, str]:
    """The compare_anchors course and one correct notebook; returns (course, class, id)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench.compare_anchors.assignment import ASSIGNMENT
    from bench.compare_anchors.forms import make_our_course, write_our_submissions
    from bench.compare_anchors.students import make_class as students

    course = make_our_course(work)
    correct = [s for s in students(10) if s.kind == "correct"][:1]
    write_our_submissions(work / "one", correct)
    return course, work / "one", ASSIGNMENT


def one_submission(source: Path, work: Path) -> Path:
    """A class holding only ``source`` (a student's folder or .zip), copied."""
    import shutil

    folder = work / "one"
    folder.mkdir()
    if source.is_dir():
        shutil.copytree(source, folder / source.name)
    else:
        shutil.copyfile(source, folder / source.name)
    return folder


def traced_run(python: str, args: list[str], trace: Path) -> tuple[float, list[dict[str, Any]]]:
    env = {**os.environ, TRACE_ENV: str(trace)}
    trace.unlink(missing_ok=True)
    started = time.time()
    env[LAUNCH_ENV] = repr(started)
    subprocess.run(
        [python, str(Path(__file__).resolve()), "--traced", "--", *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tempfile.gettempdir(),  # the grader comes from `python`'s install, not this clone
    )
    wall = time.time() - started
    events = [json.loads(line) for line in trace.read_text().splitlines()]
    for e in events:
        e["t"] -= started
    return wall, events


def spans(events: list[dict[str, Any]]) -> dict[str, tuple[float, float, float]]:
    """(start, end, CPU seconds) of each span's first occurrence, by "role: name" (a lane's
    spans are its first lane's; the CPU time is its own process's, not its subprocesses')."""
    out: dict[str, tuple[float, float, float]] = {}
    open_: dict[tuple[int, str], tuple[float, float]] = {}
    lanes: list[int] = []
    for e in sorted(events, key=lambda e: e["t"]):
        if e["role"] == "lane" and e["pid"] not in lanes:
            lanes.append(e["pid"])
        if e["role"] == "lane" and e["pid"] != lanes[0]:
            continue
        key = f"{e['role']}: {e['name']}"
        if e["mark"] == "b":
            open_.setdefault((e["pid"], key), (e["t"], e["cpu"]))
        elif (e["pid"], key) in open_ and key not in out:
            start, cpu = open_[(e["pid"], key)]
            out[key] = (start, e["t"], e["cpu"] - cpu)
    for (_pid, key), (start, _cpu) in open_.items():
        out.setdefault(key, (start, start, 0.0))
    return out


def _subreaper() -> None:
    """Become the reaper of orphaned descendants (Linux), so that the CPU time of the warm
    parents, which outlive the process that started them by a moment, is counted too."""
    import ctypes

    try:
        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _reap_orphans(seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


def plain_run(python: str, args: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of ``grader ARGS``: the CPU time is that of the whole
    process tree (the command, its lanes, the warm parents and the workers)."""
    grader = str(Path(python).with_name("grader"))
    _reap_orphans()  # what an earlier run left is not this one's
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [grader, *args],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tempfile.gettempdir(),
    )
    wall = time.perf_counter() - started
    _reap_orphans()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def report(runs: list[dict[str, tuple[float, float, float]]], walls: dict[str, list[float]]) -> str:
    keys = sorted(
        {k for r in runs for k in r},
        key=lambda k: statistics.median(r[k][0] for r in runs if k in r),
    )
    head = f"{'span':58} {'start ms':>8} {'end ms':>8} {'wall ms':>8} {'CPU ms':>7}"
    lines = [head]
    for key in keys:
        found = [r[key] for r in runs if key in r]
        start = statistics.median(s for s, _, _ in found) * 1000
        end = statistics.median(e for _, e, _ in found) * 1000
        length = statistics.median(e - s for s, e, _ in found) * 1000
        cpu = statistics.median(c for _, _, c in found) * 1000
        lines.append(f"{key[:58]:58} {start:8.0f} {end:8.0f} {length:8.0f} {cpu:7.0f}")
    lines.append("")
    for what, values in walls.items():
        lines.append(
            f"{what}: median {statistics.median(values) * 1000:.0f} ms over {len(values)} runs "
            f"(min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"
        )
    return "\n".join(lines)


def main() -> None:
    if "--traced" in sys.argv:
        sys.exit(traced_main(sys.argv[sys.argv.index("--") + 1 :]))
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs of each kind (default 5)")
    parser.add_argument(
        "--python", default=sys.executable, help="the interpreter whose grader runs"
    )
    parser.add_argument("--jobs", type=int, default=1, help="grader grade --jobs (default 1)")
    parser.add_argument("--out", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--assignment",
        nargs=3,
        metavar=("COURSE", "ID", "SUBMISSION"),
        help="grade this one submission (a folder or .zip) of a course's assignment instead, "
        "e.g. . backprop_torch examples/backprop_torch/submissions/ana",
    )
    args = parser.parse_args()
    _subreaper()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="grader-startup-") as tmp:
        work = Path(tmp)
        if args.assignment:
            course, assignment = Path(args.assignment[0]).resolve(), args.assignment[1]
            submissions = one_submission(Path(args.assignment[2]).resolve(), work)
        else:
            course, submissions, assignment = make_class(work)
        grade = ["grade", str(submissions), "-a", assignment, "--course", str(course)]
        grade += [
            "--out",
            str(work / "results"),
            "--seed",
            "0",
            "--force",
            "--jobs",
            str(args.jobs),
        ]
        runs: list[dict[str, tuple[float, float, float]]] = []
        walls: dict[str, list[float]] = {}
        plain_run(args.python, grade)  # a first run fills the caches; not counted
        for _ in range(args.repeat):
            for what, argv in (("grader grade", grade), ("grader --help", ["--help"])):
                wall, cpu = plain_run(args.python, argv)
                walls.setdefault(f"{what}: wall", []).append(wall)
                walls.setdefault(f"{what}: CPU of the process tree", []).append(cpu)
            wall, events = traced_run(args.python, grade, work / "trace.jsonl")
            walls.setdefault("grader grade, traced: wall", []).append(wall)
            runs.append(spans(events))
        load += " at the start, " + ", ".join(f"{x:.2f}" for x in os.getloadavg()) + " at the end"
        text = (
            f"{args.python}: grader grade {assignment}, 1 submission, --jobs {args.jobs}; "
            f"load average {load}\n\n" + report(runs, walls)
        )
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
