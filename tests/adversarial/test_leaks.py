"""Attack: read a hidden check's expected values off its failure message.

A hidden check compares the submission with the reference; the usual ways of comparing
(``np.testing``, ``torch.testing``, a bare ``assert``, ``pytest.approx``, an
``AssertionError`` of the author's) print the expected value when they fail. A student who
hands in a wrong answer on purpose would read it in the feedback. Each style is planted in a
hidden check of the toy course with distinctive expected values; a wrong submission is graded,
and no output may hold them, while shapes, dtypes and error sizes still show.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.ci.outputs import annotation_lines, junit_xml, markdown_summary
from grader.models import SubmissionResult
from grader.selfcheck.run import SelfCheckReport
from tests.clirun import grader
from tests.toycourse import make_course, solution

SECRETS = ("917.25", "6.4813", "917.2", "6.481", "4523.0")  # hidden expected values
PUBLIC_VALUE = "8128.5"  # a public check's value: public messages stay as they are

LEAKS = '''import numpy as np
import pytest
import torch

BASE = np.array([[917.25, 6.4813], [4523.0, 3.75]])


def _pair(submission, reference):
    return submission.ops.scale(BASE, 1.0), reference.ops.scale(BASE, 1.0)


def test_leak_allclose(submission, reference):
    """np.testing.assert_allclose."""
    got, want = _pair(submission, reference)
    np.testing.assert_allclose(got, want, err_msg="scale(x, 1) must be x")


def test_leak_array_equal(submission, reference):
    """np.testing.assert_array_equal."""
    got, want = _pair(submission, reference)
    np.testing.assert_array_equal(got, want)


def test_leak_almost_equal(submission, reference):
    """np.testing.assert_almost_equal on one number."""
    got, want = _pair(submission, reference)
    np.testing.assert_almost_equal(float(got[0, 0]), float(want[0, 0]))


def test_leak_torch(submission, reference):
    """torch.testing.assert_close."""
    got, want = _pair(submission, reference)
    torch.testing.assert_close(torch.as_tensor(got), torch.as_tensor(want))


def test_leak_torch_dtype(submission, reference):
    """torch.testing.assert_close with another dtype."""
    got, want = _pair(submission, reference)
    torch.testing.assert_close(torch.as_tensor(got).float(), torch.as_tensor(want))


def test_leak_bare_list(submission, reference):
    """A bare assert on lists."""
    got, want = _pair(submission, reference)
    assert got.tolist() == want.tolist()


def test_leak_bare_float(submission, reference):
    """A bare assert on floats."""
    got, want = _pair(submission, reference)
    expected = float(want[0, 1])
    assert float(got[0, 1]) == expected


def test_leak_allclose_message(submission, reference):
    """np.allclose with the expected value as the message."""
    a, b = _pair(submission, reference)
    assert np.allclose(a, b), f"{b}"


def test_leak_approx(submission, reference):
    """pytest.approx on a number."""
    got, want = _pair(submission, reference)
    assert float(got[0, 0]) == pytest.approx(float(want[0, 0]))


def test_leak_approx_array(submission, reference):
    """pytest.approx on an array."""
    got, want = _pair(submission, reference)
    assert got == pytest.approx(want)


def test_leak_raise(submission, reference):
    """raise AssertionError(repr(expected))."""
    got, want = _pair(submission, reference)
    if not np.array_equal(got, want):
        raise AssertionError(repr(want))


def test_leak_shape(submission, reference):
    """A bare assert on shapes: shapes may show."""
    got, want = _pair(submission, reference)
    assert got[:, :1].shape == want.shape
'''

PUBLIC_LEAK = f'''import numpy as np


def test_public_array_equal(submission):
    """np.testing.assert_array_equal in a public check."""
    x = np.array([{PUBLIC_VALUE}])
    np.testing.assert_array_equal(submission.ops.scale(x, 1.0), x)
'''

CHECKS = [
    "test_leak_allclose",
    "test_leak_array_equal",
    "test_leak_almost_equal",
    "test_leak_torch",
    "test_leak_torch_dtype",
    "test_leak_bare_list",
    "test_leak_bare_float",
    "test_leak_allclose_message",
    "test_leak_approx",
    "test_leak_approx_array",
    "test_leak_raise",
    "test_leak_shape",
]


@dataclass(frozen=True)
class Graded:
    root: Path
    result: SubmissionResult
    texts: dict[str, str]  # every output, by name


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    """The toy course with the leaking checks, a wrong submission (``k * x + 1``) graded by
    ``grader grade``, then ``grader report``, and the CI outputs of that result."""
    root = make_course(tmp_path_factory.mktemp("leaks"))
    toy = root / "assignments/toy"
    (toy / "checks/hidden/test_leaks.py").write_text(LEAKS)
    (toy / "checks/public/test_public_leak.py").write_text(PUBLIC_LEAK)
    listed = ", ".join(f"{name} = 1" for name in [*CHECKS, "test_public_array_equal"])
    spec = toy / "assignment.toml"
    spec.write_text(spec.read_text() + f'\n[[parts]]\nname = "Leaks"\nchecks = {{ {listed} }}\n')
    student = root / "subs" / "mallory"
    student.mkdir(parents=True)
    (student / "ops.py").write_text(solution({"return k * x": "return k * x + 1.0"}))
    proc = grader("grade", "subs", "-a", "toy", "-o", "res", "--seed", "3", cwd=root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = grader("report", "res", cwd=root)
    assert report.returncode == 0, report.stderr[-3000:]
    folder = root / "res" / "mallory"
    result = SubmissionResult.model_validate_json((folder / "result.json").read_text())
    ci = SelfCheckReport(
        assignment="toy", folder=student, mode="all checks", result=result, checked="ops.py"
    )
    texts = {
        name: (folder / name).read_text(encoding="utf-8")
        for name in ("result.json", "results.json", "feedback.html", "feedback.md")
    }
    texts["grade stdout"] = proc.stdout + proc.stderr
    texts["report stdout"] = report.stdout + report.stderr
    texts["CI summary"] = markdown_summary(ci, 50.0, 60.0)
    texts["CI annotations"] = "\n".join(annotation_lines(ci, student))
    texts["CI JUnit"] = junit_xml(ci).decode()
    texts.update(
        (p.name, p.read_text(encoding="utf-8", errors="replace"))
        for p in (root / "res").iterdir()
        if p.is_file()
    )
    return Graded(root, result, texts)


def _message(graded: Graded, name: str) -> str:
    return next(c.message for c in graded.result.checks if c.name == name)


def test_every_leaking_check_fails(graded: Graded) -> None:
    """Does every planted check fail on the wrong submission (so each has a message)?"""
    statuses = {c.name: c.status for c in graded.result.checks}
    assert all(statuses[name] == "failed" for name in CHECKS), statuses


@pytest.mark.parametrize("secret", SECRETS)
def test_no_output_holds_a_hidden_value(graded: Graded, secret: str) -> None:
    """Is a hidden expected value absent from result.json, the feedback pages, Gradescope's
    results.json, the class files, the terminal and the CI summary, annotations and JUnit?"""
    assert {"result.json", "results.json", "feedback.html", "CI summary"} <= set(graded.texts)
    leaked = [name for name, text in graded.texts.items() if secret in text]
    assert not leaked, (secret, leaked)


def test_sizes_shapes_and_dtypes_still_show(graded: Graded) -> None:
    """Do error sizes, mismatched counts, shapes and dtypes reach the student?"""
    allclose = _message(graded, "test_leak_allclose")
    assert "Mismatched elements: 4 / 4 (100%)" in allclose
    assert "Max absolute difference among violations: 1." in allclose
    assert "scale(x, …) must be x" in allclose  # the author's words, its number withheld
    assert "Greatest absolute difference: 1.0" in _message(graded, "test_leak_torch")
    dtype = _message(graded, "test_leak_torch_dtype")
    assert "torch.float32 != torch.float64" in dtype
    assert "assert (2, 1) == (2, 2)" in _message(graded, "test_leak_shape")
    assert "comparison failed" in _message(graded, "test_leak_approx")
    approx = _message(graded, "test_leak_approx_array")
    assert "Mismatched elements: 4 / 4" in approx and "Max absolute difference: 1.0" in approx
    assert "assert float(got[0, 1]) == expected" in _message(graded, "test_leak_bare_float")
    assert "assert np.allclose(a, b)" in _message(graded, "test_leak_allclose_message")
    feedback = graded.texts["feedback.md"]
    assert "Mismatched elements: 4 / 4 (100%)" in feedback
    assert "assert (2, 1) == (2, 2)" in graded.texts["results.json"]


def test_public_messages_are_unchanged(graded: Graded) -> None:
    """Does a public check's message still show its values (students have those checks)?"""
    message = _message(graded, "test_public_array_equal")
    assert "DESIRED" in message or "y:" in message
    assert PUBLIC_VALUE in message


def test_result_json_is_valid(graded: Graded) -> None:
    """Is result.json still a valid document after redaction?"""
    assert json.loads(graded.texts["result.json"])["student"] == "mallory"
