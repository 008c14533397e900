"""Does the grade-on-push workflow keep the private course from a hostile student repository?

The test plays GitHub's runner for the workflow that ``grader ci --print-workflow`` prints:
it parses the YAML, and runs each ``run:`` step as the runner does (``bash --noprofile
--norc -eo pipefail`` in the checkout, with the job's and the step's ``env:``, the files
``$GITHUB_ENV``, ``$GITHUB_PATH``, ``$GITHUB_OUTPUT`` and ``$GITHUB_STEP_SUMMARY``, and what
earlier steps wrote to them). The ``uses:`` steps are played locally:

* ``actions/checkout``: a ``git clone`` of the student's repository;
* ``actions/setup-python``: a fresh interpreter (a venv that sees the grader's dependencies
  but not the grader) put first on ``PATH``;
* ``actions/upload-artifact``: skipped.

The network is replaced, never what runs in the checkout: the grader comes from a wheel
built from this tree (``--grader-source``) and pip is told ``PIP_NO_INDEX=1``; the secret
``GRADER_COURSE_TGZ`` is the toy course, each of whose files holds a canary line.

The student's repository holds the toy solution and every file that Python, pip or pytest
would run from a checkout they trust: a ``pip/`` package, ``sitecustomize.py``,
``usercustomize.py``, a ``.pth`` file, a ``grader/`` package, ``conftest.py``,
``pytest.ini``, ``setup.py``, and symbolic links into the course. Each of them, and the
solution's own ``ops.py`` when it is imported in the worker, looks for the secret (the
environment, every process's ``/proc/<pid>/environ``, the unpacked course) and writes what it
found to a marker folder outside the runner's folders. The solution raises what it found,
so that anything it could read would reach the log.

Everything lives under ``/var/tmp`` (like ``/home/runner/work`` on GitHub, not under the
``/tmp`` that a worker may write).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from grader.ci import workflow
from grader.worker import landlock
from tests.adversarial.conftest import ARENA_PARENT
from tests.test_selfcheck import make_toy
from tests.toycourse import solution

REPO = Path(__file__).resolve().parents[2]
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SECRET_FILES = ("assignments/toy/checks/hidden/test_hidden.py", "reference/toy/ops.py")

PROBE = '''
def _probe(who):
    """Look for the private course everywhere this process can; write down what was found."""
    import json, os
    found = {"who": who, "pid": os.getpid(), "env": bool(os.environ.get("GRADER_COURSE_TGZ"))}
    found["course"] = []
    for here, _, names in os.walk(COURSE):
        for name in names:
            try:
                with open(os.path.join(here, name), "rb") as handle:
                    data = handle.read()
            except OSError:
                continue
            if CANARY.encode() in data:
                found["course"].append(data.decode(errors="replace")[:300])
    found["environ"] = []
    for pid in os.listdir("/proc") if os.path.isdir("/proc") else []:
        try:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        if b"GRADER_COURSE_TGZ=H4sI" in data:  # a gzip stream in base64
            found["environ"].append(pid)
    try:
        os.makedirs(MARKERS, exist_ok=True)
        with open(os.path.join(MARKERS, f"{who}-{os.getpid()}.json"), "w") as handle:
            json.dump(found, handle)
    except OSError:
        pass  # a sandboxed worker: it may still raise what it found
    return found
'''


def probe(markers: Path, course: Path, canary: str, who: str) -> str:
    """Python source that runs the probe as ``who`` when it is imported or executed."""
    head = f"MARKERS = {str(markers)!r}\nCOURSE = {str(course)!r}\nCANARY = {canary!r}\n"
    return f"{head}{PROBE}\n_found = _probe({who!r})\n"


def hostile_files(markers: Path, course: Path, canary: str) -> dict[str, str]:
    """Every file of a checkout that a trusting job would run, each a probe."""

    def p(who: str) -> str:
        return probe(markers, course, canary, who)

    real_pip = (
        "import os, sys\n"
        "os.execv(sys.executable, [sys.executable, '-I', '-m', 'pip', *sys.argv[1:]])\n"
    )
    plugin = "-p hostile_plugin -p conftest"
    return {
        "pip/__init__.py": p("pip"),
        "pip/__main__.py": p("pip-main") + real_pip,  # then the real pip, so nothing shows
        "sitecustomize.py": p("sitecustomize"),
        "usercustomize.py": p("usercustomize"),
        "hostile_probe.py": p("pth"),
        "zz-hostile.pth": "import hostile_probe\n",
        "grader/__init__.py": p("grader-package"),
        "grader/ci/__init__.py": p("grader-ci-package"),
        "grader/ci/__main__.py": p("grader-ci-main"),
        "conftest.py": p("conftest"),
        "hostile_plugin.py": p("pytest-plugin"),
        "pytest.ini": f"[pytest]\naddopts = {plugin}\n",
        "setup.cfg": f"[tool:pytest]\naddopts = {plugin}\n",
        "setup.py": p("setup.py"),
    }


def leaky_solution(markers: Path, course: Path, canary: str) -> str:
    """The toy solution, which at import looks for the course and raises what it found."""
    raising = (
        "if _found['env'] or _found['course'] or _found['environ']:\n"
        "    raise RuntimeError('LEAKED ' + repr(_found))\n"
    )
    return probe(markers, course, canary, "submission") + raising + solution()


# -- the runner -----------------------------------------------------------------------------


@dataclass
class Runner:
    """GitHub's runner, for one job of a workflow, on this machine."""

    root: Path
    secrets: dict[str, str]
    base_env: dict[str, str]
    python_bin: Path  # what actions/setup-python puts on PATH
    origin: Path  # the student's repository
    log: list[tuple[str, subprocess.CompletedProcess[str]]] = field(default_factory=list)
    job_env: dict[str, str] = field(default_factory=dict)  # from $GITHUB_ENV
    path: list[str] = field(default_factory=list)  # from $GITHUB_PATH, newest first

    @property
    def temp(self) -> Path:
        return self.root / "_temp"

    @property
    def workspace(self) -> Path:
        return self.root / "work/repo/repo"

    def expand(self, value: object) -> str:
        """``${{ secrets.X }}`` and ``${{ runner.temp }}``; anything else is a test error."""

        def one(match: re.Match[str]) -> str:
            expr = match[1].strip()
            if expr.startswith("secrets."):
                return self.secrets.get(expr.removeprefix("secrets."), "")
            if expr == "runner.temp":
                return str(self.temp)
            raise AssertionError(f"the simulated runner cannot evaluate ${{{{ {expr} }}}}")

        return re.sub(r"\$\{\{(.*?)\}\}", one, str(value))

    def condition(self, expr: str | None, env: dict[str, str]) -> bool:
        if expr is None or expr.strip() == "always()":
            return True
        match = re.fullmatch(r"\s*env\.(\w+)\s*!=\s*''\s*", expr)
        assert match, f"the simulated runner cannot evaluate if: {expr}"
        return env.get(match[1], "") != ""

    def run_job(self, job: dict[str, Any]) -> int:
        """Every step of ``job`` in turn, as long as they succeed; the first failing code."""
        self.temp.mkdir(parents=True)
        (self.temp / "_runner_file_commands").mkdir()
        job_level = {k: self.expand(v) for k, v in (job.get("env") or {}).items()}
        for number, step in enumerate(job["steps"]):
            env = {**self.base_env, **job_level, **self.job_env}
            env |= {k: self.expand(v) for k, v in (step.get("env") or {}).items()}
            if not self.condition(step.get("if"), env):
                continue
            code = self.step(number, step, env)
            if code != 0:
                return code
        return 0

    def step(self, number: int, step: dict[str, Any], env: dict[str, str]) -> int:
        uses = step.get("uses", "")
        if uses.startswith("actions/checkout@"):
            self.workspace.parent.mkdir(parents=True)
            git("clone", "-q", str(self.origin), str(self.workspace), cwd=self.root)
            return 0
        if uses.startswith("actions/setup-python@"):
            self.path.insert(0, str(self.python_bin))
            return 0
        if uses.startswith("actions/upload-artifact@"):
            return 0
        assert "run" in step, f"the simulated runner cannot play {uses}"
        files = {
            name: self.temp / "_runner_file_commands" / f"{name.lower()}_{number}"
            for name in ("GITHUB_ENV", "GITHUB_PATH", "GITHUB_OUTPUT")
        }
        for file in files.values():
            file.touch()
        script = self.temp / f"step-{number}.sh"
        script.write_text(step["run"])
        env = {**env, **{k: str(v) for k, v in files.items()}}
        env["PATH"] = ":".join([*self.path, env["PATH"]])
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        self.log.append((step.get("name", uses), proc))
        self.job_env |= read_env_file(files["GITHUB_ENV"].read_text())
        self.path[:0] = reversed(files["GITHUB_PATH"].read_text().split())
        return proc.returncode


def read_env_file(text: str) -> dict[str, str]:
    """``NAME=value`` lines and ``NAME<<DELIMITER`` blocks, as the runner reads $GITHUB_ENV."""
    out: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, end = line.split("<<", 1)
            body = []
            for more in lines:
                if more == end:
                    break
                body.append(more)
            out[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
    return out


def git(*args: str, cwd: Path) -> None:
    env = {
        "PATH": SYSTEM_PATH,
        "HOME": str(cwd),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "s",
        "GIT_AUTHOR_EMAIL": "s@example.org",
        "GIT_COMMITTER_NAME": "s",
        "GIT_COMMITTER_EMAIL": "s@example.org",
    }
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The grader as a wheel built from this tree, as `pip install <grader source>` gets it."""
    src = tmp_path_factory.mktemp("grader-src")
    shutil.copytree(REPO / "grader", src / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["--no-index", "-w", str(out), str(src)],
        check=True,
        capture_output=True,
        env={**os.environ, "PIP_FIND_LINKS": ""},
    )
    (found,) = out.glob("dl_grader-*.whl")
    return found


@pytest.fixture
def runner_root() -> Iterator[Path]:
    ARENA_PARENT.mkdir(parents=True, exist_ok=True)
    root = ARENA_PARENT / f"grader-ci-{uuid.uuid4().hex[:10]}"
    root.mkdir()
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def fresh_python(where: Path) -> Path:
    """A venv (``actions/setup-python``'s interpreter) that sees the grader's dependencies
    through a .pth file, as the dev environment does, but not the grader itself."""
    subprocess.run(
        [sys._base_executable, "-m", "venv", "--without-pip", str(where)],  # type: ignore[attr-defined]
        check=True,
        capture_output=True,
    )
    ours = Path(next(p for p in sys.path if p.endswith("site-packages")))
    deps = (ours / "_grader_deps.pth").read_text() if (ours / "_grader_deps.pth").is_file() else ""
    if not deps:  # dependencies installed beside the grader: see them all, hide the grader
        deps = f"import site; site.addsitedir({str(ours)!r})\n"
    (site,) = where.glob("lib/python*/site-packages")
    (site / "_deps.pth").write_text(deps)
    return where / "bin"


def student_repository(
    origin: Path, course: Path, files: dict[str, str], links: dict[str, Path]
) -> None:
    """The toy student template with ``files`` and symbolic ``links``, committed."""
    shutil.copytree(course / "student_template/toy", origin)
    for rel, text in files.items():
        (origin / rel).parent.mkdir(parents=True, exist_ok=True)
        (origin / rel).write_text(text)
    for rel, target in links.items():
        (origin / rel).symlink_to(target)
    git("init", "-q", "-b", "main", cwd=origin)
    git("add", "-A", "-f", cwd=origin)
    git("commit", "-q", "-m", "hand-in", cwd=origin)


def course_secret(course: Path, canary: str) -> str:
    """GRADER_COURSE_TGZ: the course's toy assignment and reference, each file with a canary."""
    for rel in SECRET_FILES:
        path = course / rel
        path.write_text(f"# {canary}\n" + path.read_text())
    archive = course.parent / "course.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(course / "assignments/toy", "assignments/toy")
        tar.add(course / "reference/toy", "reference/toy")
    return base64.b64encode(archive.read_bytes()).decode()


# -- the test -------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not landlock.abi_version(), reason="grader ci needs Landlock for the course")
@pytest.mark.parametrize("with_secret", [True, False], ids=["private-course", "public-checks"])
def test_hostile_checkout_cannot_read_the_private_course(
    runner_root: Path, wheel: Path, with_secret: bool
) -> None:
    """Graded by the printed workflow (with the private course, or without the secret: the
    public checks), does a repository full of files that run when trusted (pip/,
    sitecustomize.py, usercustomize.py, a .pth, grader/, conftest.py, pytest.ini, setup.py,
    links into the course) run none of them outside the sandbox, never see the course or
    the secret, and still get its full score?"""
    canary = f"SECRET-CANARY-{uuid.uuid4().hex}"
    markers = runner_root / "markers"
    course = make_toy(runner_root / "instructor")
    secret = course_secret(course, canary)
    unpacked = runner_root / "_temp/course"  # where the job unpacks the secret
    files = hostile_files(markers, unpacked, canary)
    files["ops.py"] = leaky_solution(markers, unpacked, canary)
    links = {"reference_ops.py": unpacked / "reference/toy/ops.py", "course": unpacked}
    student_repository(runner_root / "origin", course, files, links)

    text = workflow("toy", str(wheel))
    job = yaml.safe_load(text)["jobs"]["grade"]
    home = runner_root / "home"
    home.mkdir()
    runner = Runner(
        root=runner_root,
        secrets={"GRADER_COURSE_TGZ": secret} if with_secret else {},
        base_env={
            "PATH": SYSTEM_PATH,
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "RUNNER_TEMP": str(runner_root / "_temp"),
            "GITHUB_WORKSPACE": str(runner_root / "work/repo/repo"),
            "GITHUB_STEP_SUMMARY": str(runner_root / "summary.md"),
            "PIP_NO_INDEX": "1",  # the network: the wheel is the grader source
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        },
        python_bin=fresh_python(runner_root / "hostedtoolcache/python"),
        origin=runner_root / "origin",
    )
    code = runner.run_job(job)
    log = "\n".join(f"== {name}\n{p.stdout}\n{p.stderr}" for name, p in runner.log)

    ran = sorted(p.name for p in markers.glob("*.json")) if markers.is_dir() else []
    assert ran == [], f"hostile files ran outside the sandbox: {ran}\n{log}"
    assert code == 0, log
    junit = ET.parse(runner.temp / "grader-junit.xml").getroot()
    names = {c.get("name") for c in junit.iter("testcase")}
    hidden = {"test_norm_rows", "test_scale_matches_reference"}
    assert hidden <= names if with_secret else not hidden & names, log
    assert (junit.get("failures"), junit.get("errors")) == ("0", "0"), log
    summary = (runner_root / "summary.md").read_text()
    mode = "all checks" if with_secret else "public checks"
    assert mode in summary and "100%" in summary, summary
    outputs = [log, summary, (runner.temp / "grader-junit.xml").read_text()]
    outputs += [p.read_text() for p in (runner.temp / "_runner_file_commands").iterdir()]
    assert not [o for o in outputs if canary in o or "LEAKED" in o], log
    assert "hostile" not in json.dumps(runner.job_env) + ":".join(runner.path)
