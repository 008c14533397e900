"""The arena the adversarial tests grade in, and what they inspect afterwards.

An :class:`Arena` is one grading run of a small class (adversaries plus honest controls) on
the toy course. It lives outside ``/tmp`` (under ``/var/tmp``), so that a worker's private
``/tmp`` does not hide it for free and the file-system rules have to do the work::

    <root>/course/  the toy course; every file a student must not see starts with a secret line
    <root>/subs/    one folder per student
    <root>/out/     the results folder: its path reaches the grader's command line, nothing else
    <root>/home/    $HOME of the grading run, with files that must stay as they are
    <root>/tmp/     $TMPDIR of the grading run (the grader's scratch folder lands here)

``grade()`` runs in a child process started in the course folder and is bounded by a
timeout: a run that hangs (a stopped lane) is killed and reported, never waited on.
Afterwards a :class:`Graded` tells whether anything escaped: scores, the results folder,
the canary folders, stray files in the temp folders, processes left behind, leaked secrets.

``ADVERSARIAL_SANDBOX=0`` grades with the sandbox turned off (``grade(..., sandbox=False)``),
to see which attacks only the sandbox stops.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.checks.heldout import KEY_FILE
from grader.models import GradeReport, SubmissionResult
from grader.spec import load_spec
from tests.toycourse import make_course, solution

REPO = Path(__file__).resolve().parents[2]
SANDBOX = os.environ.get("ADVERSARIAL_SANDBOX", "1") != "0"
SEED = 4711
RESULT_FILES = {"result.json", "results.json", "feedback.html", "feedback.md"}
ARENA_PARENT = Path(os.environ.get("ADVERSARIAL_ROOT", "/var/tmp"))

RUNNER = """
import json, os, sys
sys.path[0] = sys.argv[1]
from pathlib import Path
from grader.grade import grade
_, course, subs, out, seed, jobs, sandbox, marker = sys.argv[1:9]  # marker: found in /proc
before = (os.getcwd(), dict(os.environ))
report = grade(Path(course), "toy", Path(subs), Path(out), jobs=int(jobs), seed=int(seed),
               sandbox=sandbox == "1")
unchanged = before == (os.getcwd(), dict(os.environ))
print("@@REPORT@@" + json.dumps({"report": report.model_dump(mode="json"), "unchanged": unchanged}))
"""

TRUSTING_CHECKS = '''import numpy as np

from grader.checks import expect


def test_scale_trusting_eq(submission, reference, rng):
    """scale(x, 2) compared with ==, as a careless check would."""
    x = rng.standard_normal(5)
    got = submission.ops.scale(x, 2.0)
    expect.that(bool(np.all(got == reference.ops.scale(x, 2.0))), "scale(x, 2) is not 2 * x")


def test_scale_trusting_allclose(submission, reference, rng):
    """scale(x, 2) compared with np.allclose, as a careless check would."""
    x = rng.standard_normal(5)
    got = submission.ops.scale(x, 2.0)
    expect.that(bool(np.allclose(got, reference.ops.scale(x, 2.0))), "scale(x, 2) is not 2 * x")
'''
TRUSTING_PART = """
[[parts]]
name = "Trusting comparisons (no points)"
checks = { test_scale_trusting_eq = 0, test_scale_trusting_allclose = 0 }
"""
SECRET_FILES = {
    "hidden": "assignments/toy/checks/hidden/test_hidden.py",
    "spec": "assignments/toy/assignment.toml",
    "mutants": "assignments/toy/mutants/mutants.toml",
    "reference": "reference/toy/ops.py",
}


# -- the network canary ---------------------------------------------------------------------


class Listener:
    """Loopback servers nobody is told about: TCP on 127.0.0.1 and ::1, UDP, an abstract
    unix socket. Records every connection or datagram that arrives while it runs."""

    def __init__(self, tag: str) -> None:
        self.events: list[str] = []
        self.sockets: list[tuple[str, socket.socket]] = []
        self.values: dict[str, str] = {"UNIX_NAME": f"adversarial-{tag}", "TCP6_PORT": "0"}
        self._listen("tcp", socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", 0), "TCP_PORT")
        self._listen("udp", socket.AF_INET, socket.SOCK_DGRAM, ("127.0.0.1", 0), "UDP_PORT")
        if socket.has_ipv6:
            try:
                self._listen("tcp6", socket.AF_INET6, socket.SOCK_STREAM, ("::1", 0), "TCP6_PORT")
            except OSError:
                pass  # no IPv6 loopback here
        self._listen("unix", socket.AF_UNIX, socket.SOCK_STREAM, "\0" + self.values["UNIX_NAME"])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _listen(
        self, kind: str, family: int, type_: int, address: object, key: str | None = None
    ) -> None:
        sock = socket.socket(family, type_)
        sock.bind(address)
        if type_ == socket.SOCK_STREAM:
            sock.listen(16)
        if key is not None:
            self.values[key] = str(sock.getsockname()[1])
        self.sockets.append((kind, sock))

    def _serve(self) -> None:
        by_fd = dict((s.fileno(), (kind, s)) for kind, s in self.sockets)
        while not self._stop.is_set():
            ready, _, _ = select.select(list(by_fd), [], [], 0.1)
            for fd in ready:
                kind, sock = by_fd[fd]
                if kind == "udp":
                    data, peer = sock.recvfrom(4096)
                    self.events.append(f"udp datagram from {peer}: {data[:80]!r}")
                    continue
                conn, peer = sock.accept()
                conn.settimeout(0.5)
                try:
                    data = conn.recv(4096)
                except OSError:
                    data = b""
                conn.close()
                self.events.append(f"{kind} connection from {peer!r}: {data[:80]!r}")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for _, sock in self.sockets:
            sock.close()


# -- what a run leaves behind -------------------------------------------------------------


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under ``root``: folders as "dir", files by the sha256 of their bytes.
    The walk keeps its own stack: a submission may be far deeper than Python's recursion."""
    found: dict[str, str] = {}
    stack = [str(root)]
    while stack:
        here = stack.pop()
        try:
            entries = list(os.scandir(here))
        except OSError:
            continue
        for entry in entries:
            rel = os.path.relpath(entry.path, root)
            if entry.is_dir(follow_symlinks=False):
                found[rel] = "dir"
                stack.append(entry.path)
                continue
            try:
                found[rel] = hashlib.sha256(Path(entry.path).read_bytes()).hexdigest()
            except OSError:
                found[rel] = "unreadable"
    return found


def changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(
        [f"added {p}" for p in after.keys() - before.keys()]
        + [f"removed {p}" for p in before.keys() - after.keys()]
        + [f"changed {p}" for p in before.keys() & after.keys() if before[p] != after[p]]
    )


def marked_processes(markers: tuple[str, ...]) -> dict[int, str]:
    """Live processes (not zombies) whose command line, environment or name holds a marker."""
    found: dict[int, str] = {}
    wanted = [m.encode() for m in markers]
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        blobs = []
        for part in ("stat", "cmdline", "comm", "environ"):
            try:
                blobs.append(Path(entry.path, part).read_bytes())
            except OSError:
                blobs.append(b"")
        state = blobs[0].rsplit(b")", 1)[-1].split()[:1]
        if not blobs[0] or state in ([b"Z"], [b"X"]):
            continue
        if any(m in blob for m in wanted for blob in blobs[1:]):
            command = blobs[1].replace(b"\0", b" ").decode("utf-8", "replace")[:300]
            found[int(entry.name)] = f"pid {entry.name} ({state[0].decode()}): {command}"
    return found


def kill_marked(markers: tuple[str, ...]) -> None:
    """SIGKILL what this run left behind (each pid found by its marker), then let it go."""
    for _ in range(3):
        left = marked_processes(markers)
        if not left:
            return
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.3)


def semaphores() -> set[str]:
    """The named semaphores multiprocessing keeps in /dev/shm."""
    return {path.name for path in Path("/dev/shm").glob("sem.mp-*")}


def remove_orphan_semaphores(older: set[str]) -> None:
    """Remove the semaphores a killed grader left behind (its resource tracker died with
    it): new since ``older`` and mapped by no live process."""
    mapped: set[str] = set()
    for maps in Path("/proc").glob("[0-9]*/maps"):
        with contextlib.suppress(OSError):
            mapped.update(re.findall(r"/dev/shm/(sem\.mp-\w+)", maps.read_text()))
    for name in semaphores() - older - mapped:
        Path("/dev/shm", name).unlink(missing_ok=True)


# -- one grading run ----------------------------------------------------------------------


class Arena:
    """One class, one course, one grading run, and the canaries around them."""

    def __init__(self, *, trusting_checks: bool = False, spec_edits: dict[str, str] | None = None):
        ARENA_PARENT.mkdir(parents=True, exist_ok=True)
        self.tag = uuid.uuid4().hex[:8]
        self.root = Path(tempfile.mkdtemp(prefix=f"adversarial-{self.tag}-", dir=ARENA_PARENT))
        self.run_marker = f"adversarial-run-{self.tag}"
        self.course = make_course(self.root / "course")
        self.subs, self.out = self.root / "subs", self.root / "out"
        self.home, self.tmp = self.root / "home", self.root / "tmp"
        for folder in (self.subs, self.home / "notes", self.tmp):
            folder.mkdir(parents=True)
        (self.home / ".bashrc").write_text("# the instructor's shell start-up file\n")
        (self.home / "notes" / "grades-draft.txt").write_text("alice 6\n")
        spec = self.course / SECRET_FILES["spec"]
        text = spec.read_text()
        for old, new in (spec_edits or {}).items():
            assert old in text, old
            text = text.replace(old, new)
        spec.write_text(text + (TRUSTING_PART if trusting_checks else ""))
        if trusting_checks:
            (self.course / "assignments/toy/checks/hidden/test_trusting.py").write_text(
                TRUSTING_CHECKS
            )
        self.secrets = {kind: f"secret-{kind}-{self.tag}" for kind in (*SECRET_FILES, "env")}
        for kind, rel in SECRET_FILES.items():
            path = self.course / rel
            path.write_text(f"# {self.secrets[kind]}\n" + path.read_text())
        self.controls: list[str] = []
        self.listener: Listener | None = None
        self.semaphores = semaphores()

    def fill(self, source: str, name: str, **values: object) -> str:
        """The adversary's source with its placeholders (@TAG@, @NAME@, ...) filled in."""
        fixed = {"TAG": self.tag, "NAME": name, "FENCE": str(self.root), "RUN": self.run_marker}
        for key, value in {**fixed, **values}.items():
            source = source.replace(f"@{key}@", str(value))
        leftover = re.findall(r"@[A-Z0-9_]+@", source)
        assert not leftover, f"unfilled placeholders in {name}: {leftover}"
        return source

    def add(self, name: str, source: str, **values: object) -> None:
        if self.listener is not None:
            values = {**self.listener.values, **values}
        folder = self.subs / name
        folder.mkdir()
        (folder / "ops.py").write_text(self.fill(source, name, **values))

    def add_control(self, name: str = "control") -> None:
        """An honest student, with a secret of its own that no other student may read."""
        self.secrets[f"control {name}"] = f"secret-control-{name}-{self.tag}"
        folder = self.subs / name
        folder.mkdir()
        (folder / "ops.py").write_text(f"# {self.secrets[f'control {name}']}\n" + solution())
        self.controls.append(name)

    def listen(self) -> Listener:
        """Start the network canary; its ports fill @TCP_PORT@, @UDP_PORT@, ... in sources."""
        self.listener = Listener(self.tag)
        return self.listener

    @property
    def markers(self) -> tuple[str, ...]:
        return (self.tag, str(self.root))

    def grade(self, *, jobs: int = 2, timeout: float = 120, settle: float = 0.5) -> Graded:
        """Grade the class in a child process; collect everything the tests look at."""
        watched = {name: snapshot(self.root / name) for name in ("course", "subs", "home")}
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        env.update(
            HOME=str(self.home),
            TMPDIR=str(self.tmp),
            PYTHONDONTWRITEBYTECODE="1",
            GRADER_API_TOKEN=self.secrets["env"],
        )
        cmd = [sys.executable, "-c", RUNNER, str(REPO), str(self.course), str(self.subs)]
        cmd += [str(self.out), str(SEED), str(jobs), "1" if SANDBOX else "0", self.run_marker]
        started = time.monotonic()
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter
            cmd,
            cwd=self.course,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            stdout, stderr = self._stop(proc)
            timed_out = True
        seconds = time.monotonic() - started
        time.sleep(settle)  # workers die with their parents; give the kernel a moment
        return Graded(self, proc.returncode, timed_out, seconds, stdout, stderr, watched)

    def _stop(self, proc: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
        """End a run that hangs: wake it (it may have been stopped), interrupt it as Ctrl-C
        would so that it cleans up after itself, and kill whatever is left after 10 s."""
        for sig in (signal.SIGCONT, signal.SIGINT):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
        try:
            return proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            kill_marked(self.markers)
            return proc.communicate()

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()
        kill_marked(self.markers)
        for folder in (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")):
            for path in folder.glob(f"*{self.tag}*"):
                if path.is_dir() and path != self.root:
                    shutil.rmtree(path, ignore_errors=True)
                elif not path.is_dir():
                    path.unlink(missing_ok=True)
        shutil.rmtree(self.root, ignore_errors=True)
        remove_orphan_semaphores(self.semaphores)


class Graded:
    """What one grading run produced, and every way to tell that an adversary got through."""

    def __init__(
        self,
        arena: Arena,
        returncode: int,
        timed_out: bool,
        seconds: float,
        stdout: bytes,
        stderr: bytes,
        watched: dict[str, dict[str, str]],
    ) -> None:
        self.arena, self.returncode, self.timed_out = arena, returncode, timed_out
        self.seconds = seconds
        self.stderr = stderr.decode("utf-8", "replace")
        self.report: GradeReport | None = None
        self.grader_unchanged = False
        for line in stdout.decode("utf-8", "replace").splitlines():
            if line.startswith("@@REPORT@@"):
                payload = json.loads(line.removeprefix("@@REPORT@@"))
                self.report = GradeReport.model_validate(payload["report"])
                self.grader_unchanged = payload["unchanged"]
        self.survivors = marked_processes(arena.markers)
        self.canary_changes = [
            f"{name}/: {change}"
            for name, before in watched.items()
            for change in changes(before, snapshot(arena.root / name))
        ]

    # -- one student ------------------------------------------------------------------

    @property
    def results(self) -> dict[str, SubmissionResult]:
        self.assert_finished()
        assert self.report is not None
        return {r.student: r for r in self.report.results}

    def checks(self, student: str) -> dict[str, tuple[str, str]]:
        """check name -> (status, message)."""
        return {c.name: (c.status, c.message) for c in self.results[student].checks}

    def breaches(self, student: str) -> list[str]:
        """Lines in which the adversary says something it tried worked (see the prelude)."""
        result = self.results[student]
        text = "\n".join([result.stdout_tail, *(c.message for c in result.checks)])
        found = re.findall(rf"BREACH {self.arena.tag} [^\n]*", text)
        return list(dict.fromkeys(found))

    def describe(self, student: str) -> str:
        lines = [f"{student}: {self.results[student].score} points"]
        for name, (status, message) in self.checks(student).items():
            lines.append(f"  {name}: {status} {message[:300]!r}")
        return "\n".join(lines + [f"  {b}" for b in self.breaches(student)])

    def assert_earns(self, student: str, points: float, passed: set[str] | None = None) -> None:
        """The student earns exactly ``points`` (and passes exactly ``passed``, if given),
        and said nothing about a breach."""
        result = self.results[student]
        assert result.score == points, self.describe(student)
        if passed is not None:
            got = {name for name, (status, _) in self.checks(student).items() if status == "passed"}
            assert got == passed, self.describe(student)
        assert self.breaches(student) == [], self.describe(student)

    def message(self, student: str, check: str) -> str:
        return self.checks(student)[check][1]

    # -- the class, the machine --------------------------------------------------------

    def assert_finished(self) -> None:
        """The grader ran to the end, by itself, and is as it was."""
        assert not self.timed_out, f"grading hung and was killed after {self.seconds:.0f} s"
        assert self.returncode == 0, f"the grader exited with {self.returncode}:\n{self.stderr}"
        assert self.report is not None, f"the grader printed no report:\n{self.stderr}"
        assert self.grader_unchanged, "the grader's working folder or environment changed"

    def assert_controls_intact(self) -> None:
        for name in self.arena.controls:
            result = self.results[name]
            assert result.score == result.max_score == 6, self.describe(name)
            assert all(c.status == "passed" for c in result.checks), self.describe(name)
            assert self.arena.tag not in result.model_dump_json(), self.describe(name)
            saved = (self.arena.out / name / "result.json").read_text()
            assert SubmissionResult.model_validate_json(saved) == result, f"{name}: result.json"

    def out_problems(self) -> list[str]:
        """Everything in the results folder the grader did not write, or not as it reported."""
        out, results = self.arena.out, self.results
        spec = load_spec(self.arena.course / SECRET_FILES["spec"])
        found = {p.name for p in out.iterdir()}
        # KEY_FILE: the held-out data's secret; run.json: the run's timing
        written = {"gradebook.csv", "run.json", KEY_FILE, *results}
        problems = [f"unexpected {name}" for name in sorted(found - written)]
        problems += [f"missing {name}/" for name in sorted(set(results) - found)]
        for student, reported in results.items():
            folder = out / student
            names = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
            problems += [f"{student}/: unexpected {n}" for n in sorted(names - RESULT_FILES)]
            problems += [f"{student}/: missing {n}" for n in sorted(RESULT_FILES - names)]
            try:
                saved = SubmissionResult.model_validate_json((folder / "result.json").read_text())
                gradescope = json.loads((folder / "results.json").read_text())
            except (OSError, ValueError) as exc:
                problems.append(f"{student}/: unreadable results ({exc})")
                continue
            earned = sum(
                spec.check_config(c.name)[1].points for c in saved.checks if c.status == "passed"
            )
            if saved != reported or saved.score != earned or gradescope["score"] != earned:
                problems.append(f"{student}/: results differ from what the grader reported")
        with (out / "gradebook.csv").open(newline="") as handle:
            rows = {row["student"]: float(row["total"]) for row in csv.DictReader(handle)}
        if rows != {s: r.score for s, r in results.items()}:
            problems.append(f"gradebook.csv differs from the report: {rows}")
        return problems

    def stray_files(self) -> list[str]:
        """Files outside the results folder and the canaries that nobody should have made:
        anything named with the run's tag in the temp folders, anything new in the arena."""
        found = [
            str(path)
            for folder in (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"))
            for path in folder.glob(f"*{self.arena.tag}*")
            if path != self.arena.root
        ]
        expected = {"course", "subs", "out", "home", "tmp"}
        found += [str(p) for p in self.arena.root.iterdir() if p.name not in expected]
        found += [str(p) for p in self.arena.tmp.iterdir()]
        return found

    def leaked_secrets(self) -> list[str]:
        """Secret lines of the course, the grader's environment or another student that
        reached any file of the results folder."""
        leaks = []
        for path in self.arena.out.rglob("*"):
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                leaks += [
                    f"{path.relative_to(self.arena.out)}: {kind}"
                    for kind, secret in self.arena.secrets.items()
                    if secret in text
                ]
        return leaks

    def assert_harmless(self) -> None:
        """Every control intact, nothing stray anywhere, nothing left running, nothing leaked."""
        self.assert_finished()
        self.assert_controls_intact()
        assert self.out_problems() == []
        assert self.canary_changes == []
        assert self.stray_files() == []
        assert self.survivors == {}, "processes outlived the grading run"
        assert self.leaked_secrets() == []


@contextlib.contextmanager
def graded_class(
    adversaries: dict[str, str],
    controls: tuple[str, ...] = ("control",),
    *,
    jobs: int = 2,
    timeout: float = 120,
    settle: float = 0.5,
    **options: Any,
) -> Iterator[Graded]:
    """Grade ``adversaries`` (name -> source) beside honest ``controls``; clean up after."""
    made = Arena(**options)
    try:
        for name, source in adversaries.items():
            made.add(name, source)
        for name in controls:
            made.add_control(name)
        yield made.grade(jobs=jobs, timeout=timeout, settle=settle)
    finally:
        made.close()


@pytest.fixture
def arena() -> Iterator[Arena]:
    """A fresh arena for one test; whatever the run left behind is killed and removed."""
    made = Arena()
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def make_arena() -> Iterator[Callable[..., Arena]]:
    """For a variant of the course: ``make_arena(spec_edits={...}, trusting_checks=True)``."""
    made: list[Arena] = []

    def build(**options: Any) -> Arena:
        made.append(Arena(**options))
        return made[-1]

    try:
        yield build
    finally:
        for item in made:
            item.close()


@pytest.fixture(scope="session")
def shared_class() -> Iterator[Graded]:
    """One class holding every adversary that can only hurt itself, graded once.

    The attacks whose success would disturb other students (forged results, signals,
    processes left behind, resource exhaustion) get classes of their own.
    """
    from tests.adversarial.submissions import SHARED

    made = Arena(trusting_checks=True)
    try:
        made.listen()
        for name, source in SHARED.items():
            made.add(name, source)
        made.add_control("zz_control")
        graded = made.grade(timeout=180)
        made.listener.close()  # type: ignore[union-attr]
        yield graded
    finally:
        made.close()
