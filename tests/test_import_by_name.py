"""Existing pytest files: a check file that imports the submitted module by name
(``from ops import scale``) grades the submission under grading, never a file on ``sys.path``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from grader.checks.imports import SubmissionFinder
from grader.course import Assignment, load_assignment
from grader.errors import MaterialError
from grader.load import load
from grader.models import CheckOutcome, LoadedSubmission, Submission
from grader.release import template_files
from grader.run import check_session
from grader.selfcheck.fresh import forget_check_modules
from grader.validate import validate
from tests.toycourse import make_course, solution

# The toy assignment's three checks, written as an existing pytest file would be: no
# `submission` fixture, the module imported by name at the top (three ways) and in a check.
PLAIN_PUBLIC = '''import numpy as np
from ops import scale


def test_scale_public():
    """scale(x, k) must multiply every entry by k."""
    x = np.arange(4.0)
    np.testing.assert_allclose(scale(x, 3.0), 3.0 * x)
'''

PLAIN_HIDDEN = '''import numpy as np
import ops
import ops as mine


def test_scale_matches_reference(rng):
    """scale(x, k) must match k * x on random inputs."""
    x = rng.standard_normal(50)
    np.testing.assert_allclose(ops.scale(x, -1.5), -1.5 * x)


def test_norm_rows(rng):
    """norm_rows(x) must return one L2 norm per row."""
    from ops import norm_rows

    x = rng.standard_normal((6, 5))
    np.testing.assert_allclose(norm_rows(x), np.sqrt((x * x).sum(axis=1)))
    np.testing.assert_allclose(mine.norm_rows(x), np.sqrt((x * x).sum(axis=1)))
'''

WRONG_NORM = {"(x * x).sum(axis=1)": "(x * x).sum(axis=0)"}


def _course(root: Path, public: str = PLAIN_PUBLIC, hidden: str = PLAIN_HIDDEN) -> Path:
    forget_check_modules()  # each test's check files, not an earlier test's of the same name
    course = make_course(root / "course")
    checks = course / "assignments/toy/checks"
    (checks / "public/test_public.py").write_text(public)
    (checks / "hidden/test_hidden.py").write_text(hidden)
    return course


def _loaded(root: Path, assignment: Assignment, student: str, code: str) -> LoadedSubmission:
    folder = root / "subs" / student
    folder.mkdir(parents=True)
    (folder / "ops.py").write_text(code)
    scratch = root / "scratch" / student
    scratch.mkdir(parents=True)
    submission = Submission(student=student, path=folder, kind="directory")
    return load(submission, assignment.spec, scratch, provided=assignment.provided_files())


def _by_name(outcomes: list[CheckOutcome]) -> dict[str, CheckOutcome]:
    return {o.name: o for o in outcomes}


def _trap(root: Path) -> Path:
    """A folder holding a correct ops.py (the reference, as `PYTHONPATH=solution` gives it)."""
    folder = root / "solution"
    folder.mkdir()
    (folder / "ops.py").write_text(solution())
    return folder


def test_a_plain_pytest_file_grades_each_submission_in_turn(tmp_path: Path) -> None:
    """Do names imported at collection (`from ops import scale`, `import ops as mine`) call
    the code of the submission whose check runs, one submission after another, with each call
    recorded in `uses` as the `submission` fixture's are?"""
    assignment = load_assignment(_course(tmp_path), "toy")
    right = _loaded(tmp_path, assignment, "ann", solution())
    wrong = _loaded(tmp_path, assignment, "bob", solution(WRONG_NORM))
    stubs = _loaded(tmp_path, assignment, "tpl", template_files(assignment)["ops.py"])

    with check_session(assignment, seed=3) as checks:
        runs = {
            name: _by_name(checks.run_checks(sub, output_path=tmp_path / f"{name}.out").outcomes)
            for name, sub in [("ann", right), ("bob", wrong), ("tpl", stubs)]
        }

    assert {n: o.status for n, o in runs["ann"].items()} == dict.fromkeys(runs["ann"], "passed")
    assert runs["bob"]["test_norm_rows"].status == "failed"
    assert runs["bob"]["test_scale_public"].status == "passed"
    assert {o.status for o in runs["tpl"].values()} == {"error"}
    assert "NotImplementedError" in runs["tpl"]["test_scale_public"].message
    assert runs["ann"]["test_scale_public"].uses == ["ops.scale"]
    assert runs["ann"]["test_scale_matches_reference"].uses == ["ops.scale"]
    assert runs["ann"]["test_norm_rows"].uses == ["ops.norm_rows"]


def test_the_reference_on_sys_path_is_never_graded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a correct ops.py on sys.path and PYTHONPATH, and another `ops` already imported,
    does the untouched template still score nothing, and is the process's `ops` put back?"""
    trap = _trap(tmp_path)
    monkeypatch.syspath_prepend(str(trap))
    monkeypatch.setenv("PYTHONPATH", str(trap))
    before = ModuleType("ops")
    monkeypatch.setitem(sys.modules, "ops", before)
    assignment = load_assignment(_course(tmp_path), "toy")
    stubs = _loaded(tmp_path, assignment, "tpl", template_files(assignment)["ops.py"])

    with check_session(assignment, seed=3) as checks:
        found = importlib.util.find_spec("ops")
        assert found is not None and isinstance(found.loader, SubmissionFinder)
        run = checks.run_checks(stubs, output_path=tmp_path / "tpl.out")

    assert {o.status for o in run.outcomes} == {"error"}
    assert sys.modules["ops"] is before
    assert not any(isinstance(f, SubmissionFinder) for f in sys.meta_path)


def test_the_trap_under_validate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Does `grader validate` of a plain pytest file pass with the reference on PYTHONPATH:
    the template scores 0 and the reference full marks, every check calling the submission?"""
    trap = _trap(tmp_path)
    monkeypatch.syspath_prepend(str(trap))
    monkeypatch.setenv("PYTHONPATH", str(trap))
    report = validate(_course(tmp_path), "toy", jobs=1, seed=4)
    rows = {r.name: r for r in report.rows}
    assert report.ok, [r.problem for r in report.rows]
    assert rows["template"].score == 0 and rows["reference"].score == 6


BY_PATH = """import importlib.util
import os

import numpy as np

_spec = importlib.util.spec_from_file_location("solution_ops", os.environ["SOLUTION_OPS"])
ops = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ops)


def test_scale_public():
    \"\"\"scale(x, k) must multiply every entry by k.\"\"\"
    np.testing.assert_allclose(ops.scale(np.arange(4.0), 3.0), 3.0 * np.arange(4.0))
"""


def test_the_trap_through_another_door_fails_validate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check file that still reaches the reference (loaded by path, past the finder) passes
    the template: does validate fail, naming that check as one that never calls the
    submission?"""
    monkeypatch.setenv("SOLUTION_OPS", str(_trap(tmp_path) / "ops.py"))
    report = validate(_course(tmp_path, public=BY_PATH), "toy", jobs=1, seed=4)
    rows = {r.name: r for r in report.rows}
    assert not report.ok and rows["template"].problem == "passes: test_scale_public"
    assert rows["reference"].problem == (
        "check test_scale_public never called the submission's code: use the `submission` "
        "fixture or import the module by name (`from <module> import <function>` in the check "
        "file), and compare with the `reference` fixture"
    )


def test_calling_the_submission_outside_a_check_is_an_instructor_error(tmp_path: Path) -> None:
    """Is a call at the top of a check file (while it is collected) an instructor error that
    names the function and says to call it inside a check?"""
    public = PLAIN_PUBLIC.replace(
        "\n\ndef test", "\nDOUBLED = scale(np.ones(2), 2.0)\n\n\ndef test"
    )
    assignment = load_assignment(_course(tmp_path, public=public), "toy")

    with pytest.raises(MaterialError) as info:
        with check_session(assignment, seed=3):
            pass

    assert "ops.scale was used outside a check" in str(info.value)
    assert "inside a check function" in str(info.value)


CONSTANTS = '''import numpy as np
import ops
from ops import K


def test_scale_public():
    """scale(x, k) must multiply every entry by k."""
    x = np.arange(4.0)
    assert ops.K == 3.0 and K.fetch() == 3.0
    np.testing.assert_allclose(ops.scale(x, ops.K), 3.0 * x)
'''

VALUE_USE = '''import numpy as np
from ops import K, scale


def test_scale_public():
    """scale(x, k) must multiply every entry by k."""
    x = np.arange(4.0)
    np.testing.assert_allclose(scale(x, 3.0), x * K)
'''


@pytest.mark.parametrize("check", [CONSTANTS, VALUE_USE])
def test_module_constants(tmp_path: Path, check: str) -> None:
    """Is a constant read inside a check (`ops.K`, `K.fetch()`) the submission's value, and is a
    name imported at the top and used as a value an instructor error saying how to read it?"""
    assignment = load_assignment(_course(tmp_path, public=check), "toy")
    code = solution() + "\nK = 3.0\n"
    right = _loaded(tmp_path, assignment, "ann", code)

    with check_session(assignment, seed=3) as checks:
        if check is VALUE_USE:
            with pytest.raises(
                MaterialError, match=r"ops\.K was imported from ops .* K\.fetch\(\)"
            ):
                checks.run_checks(right, output_path=tmp_path / "ann.out")
            return
        run = _by_name(checks.run_checks(right, output_path=tmp_path / "ann.out").outcomes)

    assert run["test_scale_public"].status == "passed", run["test_scale_public"].message
    assert run["test_scale_public"].uses == ["ops.K", "ops.scale"]


def test_a_stand_in_passed_to_the_submission_crosses_as_its_function(tmp_path: Path) -> None:
    """Can a name imported from the submission be an argument of a call into it (an activation
    handed to a forward pass), reaching the worker as that submission's function?"""
    check = '''import numpy as np
from ops import apply, scale


def test_scale_public():
    """apply(f, x) must call f."""
    x = np.arange(3.0)
    np.testing.assert_allclose(apply(scale, [x, 2.0]), 2.0 * x)
'''
    assignment = load_assignment(_course(tmp_path, public=check), "toy")
    code = solution() + "\n\ndef apply(f, args):\n    return f(*args)\n"
    right = _loaded(tmp_path, assignment, "ann", code)

    with check_session(assignment, seed=3) as checks:
        run = _by_name(checks.run_checks(right, output_path=tmp_path / "ann.out").outcomes)

    assert run["test_scale_public"].status == "passed", run["test_scale_public"].message
    assert run["test_scale_public"].uses == ["ops.apply", "ops.scale"]


def test_star_import_is_refused_with_the_fix(tmp_path: Path) -> None:
    """Does `from ops import *` stop collection with a message that gives the fix?"""
    public = PLAIN_PUBLIC.replace("from ops import scale", "from ops import *")
    assignment = load_assignment(_course(tmp_path, public=public), "toy")

    with pytest.raises(MaterialError, match=r"`from ops import \*` cannot be used in a check"):
        with check_session(assignment, seed=3):
            pass


@pytest.mark.parametrize(("name", "hint"), [("opz", True), ("no_such_module", False)])
def test_a_misspelt_module_gets_a_hint(tmp_path: Path, name: str, hint: bool) -> None:
    """Does a collection error for a missing module keep pytest's message, with "did you mean"
    when the name is close to a submission module, and only then?"""
    public = PLAIN_PUBLIC.replace("from ops import", f"from {name} import")
    assignment = load_assignment(_course(tmp_path, public=public), "toy")

    with pytest.raises(MaterialError) as info:
        with check_session(assignment, seed=3):
            pass

    message = str(info.value)
    assert f"No module named '{name}'" in message
    assert ("did you mean ops?" in message) is hint


def test_a_check_module_kept_from_an_earlier_session_grades_the_current_one(
    tmp_path: Path,
) -> None:
    """A lane grades batch after batch, each in a session of its own, and pytest keeps the
    check modules it imported: do their names, bound in the first session, call the code of
    the submission graded in the second?"""
    assignment = load_assignment(_course(tmp_path), "toy")
    right = _loaded(tmp_path, assignment, "ann", solution())
    wrong = _loaded(tmp_path, assignment, "bob", solution(WRONG_NORM))
    runs = []
    for sub in (right, wrong):
        with check_session(assignment, seed=3) as checks:
            outcomes = checks.run_checks(sub, output_path=tmp_path / f"{sub.student}.out")
            runs.append(_by_name(outcomes.outcomes))

    assert [r["test_norm_rows"].status for r in runs] == ["passed", "failed"]
    assert [r["test_scale_public"].status for r in runs] == ["passed", "passed"]
