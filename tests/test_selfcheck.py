"""Student self-check: the public bundle, replayed reference answers, `grader check`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch

from grader.course import load_assignment
from grader.markers import solution_text
from grader.mutants import load_mutants, write_mutant
from grader.release import release
from grader.selfcheck.bundle import BUNDLE_DIR, public_spec
from grader.selfcheck.recording import MISS_MESSAGE, Recorder, Replayer, ReplayMiss, digest
from grader.selfcheck.run import checked_files, self_check
from tests.toycourse import make_course, solution

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENTS = sorted(p.parent.name for p in (REPO / "assignments").glob("*/assignment.toml"))

# A public check whose reference call takes the student's output: it can only be replayed
# when that output is the reference's own. It swallows exceptions, as a careless check might.
ROUNDTRIP = '''

def test_scale_roundtrip_public(submission, reference, rng):
    """scale(x, 2) then the reference's scale(., 0.5) must give x back."""
    x = rng.standard_normal(4)
    y = submission.ops.scale(x, 2.0)
    try:
        back = reference.ops.scale(y, 0.5)
    except Exception:
        back = x
    expect.close(back, x, what="scale(scale(x, 2), 0.5)")
'''


def make_toy(root: Path) -> Path:
    """The toy course with one more public check (ROUNDTRIP) and `[ci] pass_percent = 60`, released."""
    course = make_course(root)
    public = course / "assignments/toy/checks/public/test_public.py"
    public.write_text(public.read_text() + ROUNDTRIP)
    spec = course / "assignments/toy/assignment.toml"
    text = spec.read_text().replace(
        "test_scale_public = 1,", "test_scale_public = 1, test_scale_roundtrip_public = 1,"
    )
    spec.write_text(text + "\n[ci]\npass_percent = 60\n")
    release(load_assignment(course, "toy"))
    return course


def student(course: Path, dest: Path, text: str) -> Path:
    """A student's folder as handed out (template with its .grader/), with ops.py = text."""
    shutil.copytree(course / "student_template/toy", dest)
    (dest / "ops.py").write_text(text)
    return dest


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_toy(tmp_path_factory.mktemp("course"))


def statuses(folder: Path) -> dict[str, str]:
    return {c.name: c.status for c in self_check(folder).result.checks}


def test_reference_passes_public_checks(toy: Path, tmp_path: Path) -> None:
    """Does the reference, handed in as a student's file, pass every public check?"""
    report = self_check(student(toy, tmp_path / "s", solution()))
    assert {c.name: c.status for c in report.result.checks} == {
        "test_scale_public": "passed",
        "test_scale_roundtrip_public": "passed",
    }
    assert report.mode == "public checks" and report.result.seed == 2024
    assert report.pass_percent == 60 and report.checked == "ops.py"


def test_template_fails_public_checks(toy: Path, tmp_path: Path) -> None:
    """Does the untouched template earn nothing?"""
    template = (toy / "student_template/toy/ops.py").read_text()
    report = self_check(student(toy, tmp_path / "s", template))
    assert report.result.score == 0
    assert {c.status for c in report.result.checks} == {"error"}


def test_replay_miss_is_not_run_never_passed(toy: Path, tmp_path: Path) -> None:
    """When the reference's input derives from the student's output, is the check not run
    (even though it catches every Exception), while the direct check still fails?"""
    off = solution({"return k * x": "return k * x + 1e-3"})
    found = {c.name: c for c in self_check(student(toy, tmp_path / "s", off)).result.checks}
    roundtrip = found["test_scale_roundtrip_public"]
    assert roundtrip.status == "not_run" and roundtrip.message == MISS_MESSAGE
    assert roundtrip.points == 0
    assert found["test_scale_public"].status == "failed"


def test_bundle_holds_no_hidden_check(toy: Path) -> None:
    """Does the toy bundle leave out every hidden check name and file?"""
    hidden = ["test_scale_matches_reference", "test_norm_rows", "test_hidden", "norm_rows"]
    for path in (toy / "student_template/toy" / BUNDLE_DIR).rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not [h for h in hidden if named(h, data)], path


def hidden_words(assignment_id: str) -> list[str]:
    """Every hidden check name and file name, and the [params] keys public checks do not read."""
    a = load_assignment(REPO, assignment_id)
    words = [n for n, v in a.checks.items() if v == "hidden"]
    words += [p.name for p in a.checks_dir("hidden").glob("test_*.py")]
    kept = set(public_spec(a)["params"])
    return words + [k for k in a.spec.params if k not in kept]


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_committed_bundle_holds_no_hidden_check(assignment_id: str) -> None:
    """Is no hidden check name, hidden file or hidden-only param anywhere in a bundle's bytes?"""
    folder = REPO / "student_template" / assignment_id / BUNDLE_DIR
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files, f"run `grader release --assignment {assignment_id}`"
    words = hidden_words(assignment_id)
    assert words
    for path in files:
        data = path.read_bytes()
        leaked = [w for w in words if named(w, data)]
        assert not leaked, f"{path} names hidden material: {leaked}"


def named(word: str, data: bytes) -> bool:
    """Is ``word`` in ``data`` as a whole name (test_sigmoid_values is not in test_sigmoid_values_small)?"""
    return (
        re.search(rb"(?<![A-Za-z0-9_])" + re.escape(word.encode()) + rb"(?![A-Za-z0-9_])", data)
        is not None
    )


def test_public_spec_keeps_only_params_public_checks_read() -> None:
    """Does cnn_classifiers' public spec keep budget_cnn (read by a public check) and drop the rest?"""
    a = load_assignment(REPO, "cnn_classifiers")
    assert set(public_spec(a)["params"]) == {"budget_cnn"}
    assert len(a.spec.params) > 1


# -- recording and replay, without a worker ----------------------------------------------------


def record_and_replay(module: Any, body: Any, check: str = "test_x") -> tuple[Any, Any, Replayer]:
    """Run ``body(reference)`` against the real module (recording), then against a replayer."""
    recorder = Recorder(SimpleNamespace(ops=module))
    want = body(recorder.for_check(check))
    replayer = Replayer(["ops"], recorder.files())
    return want, body(replayer.for_check(check)), replayer


def test_replay_applies_recorded_argument_changes() -> None:
    """Does a replayed call return the result and change a dict argument as the reference did?"""

    def forward(x: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        params["cache"] = (x, 2 * x)
        return 2 * x

    def body(reference: Any) -> tuple[Any, dict[str, Any]]:
        params: dict[str, Any] = {"W": np.ones(2)}
        out = reference.ops.forward(np.arange(3.0), params)
        return out, params

    want, got, _ = record_and_replay(SimpleNamespace(forward=forward), body)
    np.testing.assert_array_equal(got[0], want[0])
    assert set(got[1]) == {"W", "cache"}
    np.testing.assert_array_equal(got[1]["cache"][1], np.arange(3.0) * 2)


def test_unencodable_result_and_unknown_input_miss() -> None:
    """Is a call whose result the codec cannot carry, or whose input was never recorded, a miss?"""

    def build(n: int) -> object:
        return object()  # an nn.Module, say

    def body(reference: Any) -> None:
        reference.ops.build(3)

    recorder = Recorder(SimpleNamespace(ops=SimpleNamespace(build=build, scale=lambda x: x)))
    body(recorder.for_check("test_x"))
    recorder.for_check("test_x").ops.scale(np.ones(2))
    replayer = Replayer(["ops"], recorder.files())
    with pytest.raises(ReplayMiss):
        body(replayer.for_check("test_x"))
    with pytest.raises(ReplayMiss):
        replayer.for_check("test_x").ops.scale(np.zeros(2))
    assert not issubclass(ReplayMiss, Exception)  # a check's `except Exception` cannot hide it


def test_digest_ignores_last_bits_but_not_values() -> None:
    """Do inputs a last bit apart (np.exp on another CPU) share a digest, and real changes not?"""
    x = np.random.default_rng(0).normal(size=(20, 5))
    assert digest((x,), {}, str) == digest((np.nextafter(x, np.inf),), {}, str)
    assert digest((x,), {}, str) != digest((x * (1 + 1e-6),), {}, str)
    assert digest((x,), {}, str) != digest((x.astype(np.float32),), {}, str)
    assert digest((x, "a"), {}, str) != digest((x, "b"), {}, str)
    t = torch.from_numpy(x.astype(np.float32))
    assert digest((t,), {}, str) == digest((torch.nextafter(t, torch.tensor(np.inf)),), {}, str)
    assert digest((t,), {}, str) != digest((x.astype(np.float32),), {}, str)  # tensor, not array


# -- what was checked, and from Python --------------------------------------------------------


def test_checked_files_names_the_saved_notebook(tmp_path: Path) -> None:
    """With no nn.py but a notebook, does the report say which notebook and how old it is?"""
    a = load_assignment(REPO, "nn_numpy")
    notebook = tmp_path / "hw5.ipynb"
    notebook.write_text("{}")
    old = time.time() - 125
    os.utime(notebook, (old, old))
    assert checked_files(tmp_path, a) == "the saved notebook hw5.ipynb, saved 2 minutes ago"
    (tmp_path / "nn.py").write_text("")
    assert checked_files(tmp_path, a) == "nn.py"


def test_check_from_python_prints_the_table(toy: Path, tmp_path: Path) -> None:
    """Does `from grader import check; check()` print the table without exiting, and does
    `import grader` stay light?"""
    folder = student(toy, tmp_path / "s", solution())
    code = (
        "import sys, grader; assert 'pytest' not in sys.modules; "
        "from grader import check; check('toy', '.'); check('nope', '.'); print('still here')"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert "test_scale_roundtrip_public" in proc.stdout and "total 2 / 2" in proc.stdout
    assert "error: " in proc.stdout and "'nope'" in proc.stdout and "still here" in proc.stdout


@pytest.mark.slow
def test_nn_numpy_self_check_reference_template_and_mutant(tmp_path: Path) -> None:
    """On nn_numpy's committed bundle: does the reference pass every public check that can
    run, the template fail them, and the mutant loss_averaged fail the check it is aimed at?"""
    a = load_assignment(REPO, "nn_numpy")
    bundle = REPO / "student_template/nn_numpy" / BUNDLE_DIR
    ref = tmp_path / "reference"
    ref.mkdir()
    (ref / "nn.py").write_text(solution_text((a.reference_dir / "nn.py").read_text()))
    got = {c.name: c.status for c in self_check(ref, "nn_numpy", bundle=bundle).result.checks}
    # every public check runs offline: the training check computes accuracy with its own
    # forward pass instead of asking the reference about the student's weights
    assert set(got.values()) == {"passed"}
    assert len(got) == 10

    tpl = tmp_path / "template"
    tpl.mkdir()
    shutil.copy(a.template_dir / "nn.py", tpl / "nn.py")
    template = self_check(tpl, "nn_numpy", bundle=bundle).result
    assert template.score == 0 and "passed" not in {c.status for c in template.checks}

    mutant = next(m for m in load_mutants(a) if m.name == "loss_averaged")
    write_mutant(a, mutant, tmp_path / "mutant")
    found = {c.name: c.status for c in self_check(tmp_path / "mutant", bundle=bundle).result.checks}
    assert found["test_compute_loss_and_acc_small_batch"] == "failed"
    assert found["test_sigmoid_matches_reference"] == "passed"


def test_a_notebook_beside_the_py_files_is_what_gets_checked(tmp_path: Path) -> None:
    """The template folder holds nn.py and nn_numpy.ipynb: check() called from the notebook
    (or given the notebook's path) checks the notebook, not the stubs beside it."""
    import json

    from grader.notebook.write import notebook_from_modules, notebook_text

    folder = tmp_path / "nn_numpy"
    shutil.copytree(REPO / "student_template" / "nn_numpy", folder)
    reference = (REPO / "reference" / "nn_numpy" / "nn.py").read_text()
    nb = notebook_from_modules(
        {"nn.py": solution_text(reference)}, handout="# hw", assignment_id="nn_numpy"
    )
    (folder / "nn_numpy.ipynb").write_text(notebook_text(nb))
    on_notebook = self_check(folder / "nn_numpy.ipynb", "nn_numpy")
    on_folder = self_check(folder, "nn_numpy")
    assert on_notebook.checked.startswith("the saved notebook nn_numpy.ipynb")
    assert {c.status for c in on_notebook.result.checks} <= {"passed", "not_run"}
    assert sum(c.status == "passed" for c in on_notebook.result.checks) >= 8
    # the folder: nn.py still has every stub, the notebook none, so the notebook is graded
    assert on_folder.checked.startswith("the saved notebook nn_numpy.ipynb")
    assert on_folder.result.score == on_notebook.result.score > 0
    assert json.loads((folder / "nn_numpy.ipynb").read_text())["nbformat"] == 4
