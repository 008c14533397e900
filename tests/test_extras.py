"""The light core: every extra's package is imported through grader.extras.require, and a missing
one is the grader's environment, named with the extra to install, never the student's fault."""

from __future__ import annotations

import re
import shutil
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.checks.plugin import classify
from grader.course import load_assignment
from grader.datasets.digits import load_digits
from grader.errors import MaterialError
from grader.extras import EXTRAS, MissingExtra, missing_message, require
from grader.models import STATUS
from grader.protocol import WorkerLimits
from grader.release import release
from grader.selfcheck.run import full_check, self_check
from grader.selfcheck.show import plain
from grader.supervisor import WorkerClient, WorkerConfig, prepare_runtime
from tests.toycourse import make_course, solution

REPO = Path(__file__).resolve().parent.parent
DATA_FIX = "this check needs scikit-learn (the digits dataset): pip install 'dl-grader[data]'"

DIGITS_CHECK = '''

def test_scale_digits_public(submission, reference, rng):
    """scale must keep the digits' pixels in shape."""
    from grader.datasets import load_digits

    x = load_digits(13).train_x[0]
    expect.close(submission.ops.scale(x, 1.0), x, what="scale(x, 1)")
'''


def hide_sklearn(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make importing scikit-learn raise ModuleNotFoundError, as where it is not installed."""
    for name in [m for m in sys.modules if m == "sklearn" or m.startswith("sklearn.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sklearn", None)


@pytest.fixture
def no_sklearn(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An environment without scikit-learn, and no digits cached from before."""
    hide_sklearn(monkeypatch)
    load_digits.cache_clear()
    yield
    load_digits.cache_clear()


def test_require_names_the_extra(no_sklearn: None) -> None:
    """Does a missing package raise MissingExtra with the pip line of its extra?"""
    with pytest.raises(MissingExtra) as caught:
        require("sklearn.datasets", why="the digits dataset")
    assert str(caught.value) == DATA_FIX and caught.value.module == "sklearn"


def test_digits_without_sklearn_names_the_extra(no_sklearn: None) -> None:
    """Does the digits loader, not the caller, say which extra it needs?"""
    with pytest.raises(MissingExtra, match=r"dl-grader\[data\]"):
        load_digits(11)


def test_missing_extra_is_not_run_never_the_students_fault(no_sklearn: None) -> None:
    """Is a check that hit a missing extra `not_run` (no failure), with the extra named?"""
    with pytest.raises(MissingExtra) as caught:
        load_digits(12)
    status, message, _, traceback = classify(caught)
    assert (status, message, traceback) == ("not_run", DATA_FIX, "")
    assert not STATUS[status].failure and "your code" not in message


def test_plain_import_of_an_extra_in_a_check_is_not_run() -> None:
    """Does a check's own `import torchvision` that fails name the [torch] extra?"""
    with pytest.raises(ModuleNotFoundError) as caught:
        raise ModuleNotFoundError("No module named 'torchvision'", name="torchvision")
    status, message, _, _ = classify(caught)
    assert status == "not_run" and message.endswith("pip install 'dl-grader[torch]'")


def test_unknown_package_gets_a_plain_pip_line() -> None:
    assert missing_message("scipy.linalg") == "this check needs scipy: pip install scipy"


def test_self_check_runs_the_rest_and_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without scikit-learn, does the self-check still pass the checks that need nothing more,
    and report the digits check as not run, naming the extra?"""
    course = make_course(tmp_path / "course")
    public = course / "assignments/toy/checks/public/test_public.py"
    public.write_text(public.read_text() + DIGITS_CHECK)
    spec = course / "assignments/toy/assignment.toml"
    text = spec.read_text().replace(
        "test_scale_public = 1,", "test_scale_public = 1, test_scale_digits_public = 1,"
    )
    spec.write_text(text)
    release(load_assignment(course, "toy"))
    folder = tmp_path / "s"
    shutil.copytree(course / "student_template/toy", folder)
    (folder / "ops.py").write_text(solution())
    hide_sklearn(monkeypatch)  # after the release, which the instructor runs with every extra
    load_digits.cache_clear()
    found = {c.name: c for c in self_check(folder).result.checks}
    assert found["test_scale_public"].status == "passed"
    digits = found["test_scale_digits_public"]
    assert digits.status == "not_run" and digits.message == DATA_FIX


def test_missing_preload_is_the_environment(tmp_path: Path) -> None:
    """When the worker cannot preload a package the spec lists ([worker] preload), does starting
    it say which extra to install, before the student's `import torch` could be blamed?"""
    (tmp_path / "sub").mkdir()
    config = WorkerConfig(
        workdir=tmp_path / "sub",
        limits=WorkerLimits(memory_mb=1024),
        output_path=tmp_path / "out.txt",
        runtime_dir=prepare_runtime(tmp_path / "runtime"),
        preload=("numpy", "ray_not_installed_here"),
    )
    with pytest.raises(MissingExtra) as caught:
        WorkerClient(config)
    assert caught.value.module == "ray_not_installed_here"
    assert "pip install ray_not_installed_here" in str(caught.value)
    assert classify(caught)[0] == "not_run"


def test_a_check_file_importing_a_missing_extra_is_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When a public check file does `import sklearn` and scikit-learn is missing, are its
    checks not run naming the extra, while the self-check goes on with the other files?"""
    course = make_course(tmp_path / "course")
    extra = course / "assignments/toy/checks/public/test_sklearn_public.py"
    extra.write_text(
        "import sklearn\n\n\ndef test_scale_sklearn_public(submission):\n"
        '    """Needs scikit-learn."""\n    assert sklearn\n'
    )
    spec = course / "assignments/toy/assignment.toml"
    text = spec.read_text().replace(
        "test_scale_public = 1,", "test_scale_public = 1, test_scale_sklearn_public = 1,"
    )
    spec.write_text(text)
    release(load_assignment(course, "toy"))
    folder = tmp_path / "s"
    shutil.copytree(course / "student_template/toy", folder)
    (folder / "ops.py").write_text(solution())
    hide_sklearn(monkeypatch)
    report = self_check(folder)
    found = {c.name: c for c in report.result.checks}
    assert found["test_scale_public"].status == "passed"
    missing = found["test_scale_sklearn_public"]
    assert missing.status == "not_run"
    assert missing.message == "this check needs scikit-learn: pip install 'dl-grader[data]'"
    shown = plain(report)  # the hint names the extra, not the instructor's solution
    assert "pip install 'dl-grader[data]' runs them here too" in shown
    assert "need the instructor's solution" not in shown


def test_grading_against_the_reference_stops_on_a_missing_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the real reference (the instructor's run), does a missing extra stop with an
    instructor error naming it, rather than give every student a check not run?"""
    course = make_course(tmp_path / "course")
    public = course / "assignments/toy/checks/public/test_public.py"
    public.write_text(public.read_text() + DIGITS_CHECK)
    spec = course / "assignments/toy/assignment.toml"
    text = spec.read_text().replace(
        "test_scale_public = 1,", "test_scale_public = 1, test_scale_digits_public = 1,"
    )
    spec.write_text(text)
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "ops.py").write_text(solution())
    hide_sklearn(monkeypatch)
    load_digits.cache_clear()
    with pytest.raises(MaterialError, match=re.escape(DATA_FIX)):
        full_check(folder, course, "toy", seed=1)


def test_extras_cover_every_runtime_package() -> None:
    """Is the core free of every extra's package, and is [all] every runtime extra?"""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    core = " ".join(project["dependencies"])
    assert not any(e.distribution in core for e in EXTRAS.values())
    runtime = {r for name, reqs in extras.items() if name not in ("all", "dev") for r in reqs}
    assert set(extras["all"]) == runtime
    for module, extra in EXTRAS.items():
        if module != "PIL":  # pillow comes with torchvision
            assert any(r.startswith(extra.distribution) for r in extras[extra.extra]), module
