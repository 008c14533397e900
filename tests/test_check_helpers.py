"""Check helpers as modules (grader.checks.helpers): imported by checks, defined in the
worker, hashed with the material, shipped in the public bundle only when public checks use
them."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from grader.checks.helpers import helpers_importable, helpers_used, in_worker
from grader.course import load_assignment
from grader.errors import MaterialError
from grader.release import release
from grader.selfcheck.bundle import BUNDLE_DIR
from grader.selfcheck.run import self_check
from tests.toycourse import make_course, solution

REPO = Path(__file__).resolve().parent.parent

HELPERS = {
    "__init__.py": '"""The toy\'s check helpers."""\n',
    # trusted side: the expected value, computed here
    "shared.py": "def doubled(x):\n    return 2.0 * x\n",
    # worker side: calls the student's function there
    "calls.py": "import numpy as np\n\n\ndef twice(f, x):\n    return f(np.asarray(x), 2.0)\n",
    # only a hidden check imports it
    "secret.py": "FACTOR = 7.0\n",
}

PUBLIC = '''

from helpers.calls import twice
from helpers.shared import doubled

from grader.checks.helpers import in_worker


def test_scale_helpers_public(submission, rng):
    """scale(x, 2), called by a helper inside your process, must double x."""
    x = rng.standard_normal(4)
    got = in_worker(submission, twice)(submission.ops.scale, x)
    expect.close(got, doubled(x), what="scale(x, 2)")
'''


def make_helper_course(root: Path) -> Path:
    course = make_course(root)
    checks = course / "assignments/toy/checks"
    (checks / "helpers").mkdir()
    for name, text in HELPERS.items():
        (checks / "helpers" / name).write_text(text)
    public = checks / "public/test_public.py"
    public.write_text(public.read_text() + PUBLIC)
    hidden = checks / "hidden/test_hidden.py"
    hidden.write_text("from helpers.secret import FACTOR  # noqa: F401\n" + hidden.read_text())
    spec = course / "assignments/toy/assignment.toml"
    spec.write_text(
        spec.read_text().replace(
            "test_scale_public = 1,", "test_scale_public = 1, test_scale_helpers_public = 1,"
        )
    )
    release(load_assignment(course, "toy"))
    return course


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_helper_course(tmp_path_factory.mktemp("course"))


def test_bundle_ships_only_helpers_public_checks_import(course: Path) -> None:
    """Does the public bundle hold the helpers the public checks import, and not the one only
    a hidden check imports?"""
    shipped = sorted(
        p.name for p in (course / "student_template/toy" / BUNDLE_DIR / "checks/helpers").iterdir()
    )
    assert shipped == ["__init__.py", "calls.py", "shared.py"]


def test_self_check_runs_with_helpers(course: Path, tmp_path: Path) -> None:
    """Does `grader check` on the reference pass the check that uses a trusted-side helper and
    a helper defined in the worker, and fail it on a wrong scale?"""
    folder = tmp_path / "s"
    shutil.copytree(course / "student_template/toy", folder)
    (folder / "ops.py").write_text(solution())
    found = {c.name: c.status for c in self_check(folder).result.checks}
    assert found["test_scale_helpers_public"] == "passed"
    (folder / "ops.py").write_text(solution({"return k * x": "return k * x + 1.0"}))
    found = {c.name: c.status for c in self_check(folder).result.checks}
    assert found["test_scale_helpers_public"] == "failed"
    assert not [n for n in sys.modules if n == "helpers" or n.startswith("helpers.")]


def test_helpers_change_the_material_hash(tmp_path: Path) -> None:
    """Does editing a helper module change the assignment's material hash (so it re-grades)?"""
    course = make_course(tmp_path)
    folder = course / "assignments/toy/checks/helpers"
    folder.mkdir()
    (folder / "shared.py").write_text("A = 1\n")
    before = load_assignment(course, "toy").material_hash()
    (folder / "shared.py").write_text("A = 2\n")
    assert load_assignment(course, "toy").material_hash() != before


def test_helpers_importable_only_during_the_block() -> None:
    """Is `helpers` this assignment's only inside the block, and another assignment's helpers
    never taken for it?"""
    nn_numpy = load_assignment(REPO, "nn_numpy")
    backprop = load_assignment(REPO, "backprop_torch")
    with helpers_importable(nn_numpy):
        from helpers import diagnosis  # type: ignore[import-not-found]

        assert Path(diagnosis.__file__).parent == nn_numpy.helpers_dir
    assert "helpers" not in sys.modules and "helpers.diagnosis" not in sys.modules
    with helpers_importable(backprop), pytest.raises(ImportError):
        from helpers import diagnosis  # noqa: F401


def test_helpers_used_follows_imports() -> None:
    """Does helpers_used list a helper that a public check reaches through another helper?"""
    backprop = load_assignment(REPO, "backprop_torch")
    used = {
        p.name
        for p in helpers_used(backprop, [backprop.checks_dir("public") / "test_network_public.py"])
    }
    assert {"functions.py", "verdict.py", "tensors.py", "__init__.py"} <= used
    assert "umd_net.py" not in used


class _Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def define(self, source: str, name: str) -> Any:
        self.sent.append((source, name))
        return SimpleNamespace(name=name)


def test_in_worker_sends_the_helper_module_source() -> None:
    """Does in_worker send the whole helper file and the function's name, refuse a function
    that is not in a helpers module, and make a module a namespace?"""
    backprop = load_assignment(REPO, "backprop_torch")
    recorder = _Recorder()
    with helpers_importable(backprop):
        from helpers import functions  # type: ignore[import-not-found]

        in_worker(recorder, functions.fit)  # type: ignore[arg-type]
        in_worker(recorder, functions)  # type: ignore[arg-type]
    source, name = recorder.sent[0]
    text = (backprop.helpers_dir / "functions.py").read_text()
    future = "from __future__ import annotations\n"
    assert name == "fit" and source.startswith(future)
    assert text.replace(future, "") == source.removeprefix(future)
    namespace: dict[str, Any] = {}
    exec(compile(recorder.sent[1][0], "<helper>", "exec"), namespace)
    assert namespace[recorder.sent[1][1]].sigmoid is namespace["sigmoid"]
    with pytest.raises(MaterialError, match="checks/helpers"):
        in_worker(recorder, make_course)  # type: ignore[arg-type]


def test_in_worker_joins_modules_into_one_namespace() -> None:
    """Do several helper modules (each with `from __future__ import annotations`, the later
    importing the earlier for the linter) compile as one source, the later's names winning?"""
    segmentation = load_assignment(REPO, "segmentation_transfer")
    recorder = _Recorder()
    with helpers_importable(segmentation):
        from helpers import segmentation_probes, segnet  # type: ignore[import-not-found]

        in_worker(recorder, segnet, segmentation_probes)  # type: ignore[arg-type]
    source, name = recorder.sent[0]
    assert source.startswith("from __future__ import annotations\n")
    assert "from helpers" not in source
    namespace: dict[str, Any] = {}
    exec(compile(source, "<helper>", "exec"), namespace)
    helpers = namespace[name]
    assert helpers.tiny_segnet is namespace["tiny_segnet"]
    assert helpers.tiny_segnet.__doc__ == segmentation_probes.tiny_segnet.__doc__
    assert helpers.make_loader.__doc__ == segnet.make_loader.__doc__


def test_in_worker_refuses_a_helper_that_imports_helpers() -> None:
    """Is a worker helper that imports another helper (absent in the worker) refused, naming
    the file?"""
    backprop = load_assignment(REPO, "backprop_torch")
    with helpers_importable(backprop):
        from helpers import verdict  # type: ignore[import-not-found]

        with pytest.raises(MaterialError, match="verdict.py"):
            in_worker(_Recorder(), verdict.backward_verdict)  # type: ignore[arg-type]
