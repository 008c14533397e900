"""validate warns (without failing) about checks with no docstring or unseeded randomness."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.checklint import lint_checks
from tests.clirun import grader
from tests.toycourse import PUBLIC, make_course

PLANTED = '''import random
import numpy as np
import torch
from numpy.random import default_rng
from torch import randn as tr


def helper(n):
    return np.random.normal(size=n)


def test_no_docstring(submission, rng):
    x = rng.normal(size=3)
    assert x.shape == (3,)


def test_empty_docstring(submission):
    """ """


def test_draws(submission, seed):
    """Draws every way there is."""
    a = random.randint(0, 3)
    b = np.random.default_rng()
    c = default_rng(seed)
    d = torch.randn(3)
    e = torch.randn(3, generator=torch.Generator().manual_seed(seed))
    f = tr(2)
    g = random.Random(seed).random()
    h = np.random.default_rng(seed).normal()
'''


def _lint(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "checks" / "public" / "test_planted.py"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return [str(w) for w in lint_checks(tmp_path, [path])]


def test_each_planted_problem_is_named_with_file_line_and_fix(tmp_path: Path) -> None:
    found = _lint(tmp_path, PLANTED)
    where = "checks/public/test_planted.py"
    lines = sorted(int(w.split(":")[1]) for w in found)
    assert lines == [9, 12, 17, 23, 24, 26, 28], found
    by_line = {int(w.split(":")[1]): w for w in found}
    assert all(w.startswith(where + ":") for w in found)
    assert (
        "numpy.random.normal draws different inputs" in by_line[9] and "rng fixture" in by_line[9]
    )
    assert "check test_no_docstring has no docstring; add one" in by_line[12]
    assert "check test_empty_docstring has no docstring" in by_line[17]
    assert "random.randint" in by_line[23]
    assert "numpy.random.default_rng() without a seed" in by_line[24]
    assert "torch.randn without generator=" in by_line[26] and "manual_seed(seed)" in by_line[26]
    assert "torch.randn without generator=" in by_line[28]


@pytest.mark.parametrize(
    "text",
    [
        PUBLIC,
        'import numpy as np\n\n\ndef test_a(rng):\n    """Doc."""\n    x = rng.random(3)\n',
        "def test_a(:\n",  # not Python: loading the assignment reports it, not the lint
    ],
)
def test_clean_files_give_no_warning(tmp_path: Path, text: str) -> None:
    assert _lint(tmp_path, text) == []


def test_validate_warns_but_passes(tmp_path: Path) -> None:
    """Does `grader validate` stay all-ok (exit 0) and print each warning with file:line?"""
    course = make_course(tmp_path)
    public = course / "assignments/toy/checks/public/test_public.py"
    public.write_text(
        PUBLIC.replace('    """scale(x, k) must multiply every entry by k."""\n', "")
        .replace("x = rng.standard_normal(4)", "x = np.random.standard_normal(4)")
        .replace("from grader", "import numpy as np\nfrom grader")
    )
    proc = grader("validate", "-a", "toy", "--seed", "1", cwd=course)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 warning(s), which do not fail validation:" in proc.stdout
    path = "assignments/toy/checks/public/test_public.py"
    assert f"warning: {path}:5: check test_scale_public has no docstring" in proc.stdout
    assert f"warning: {path}:6: numpy.random.standard_normal draws different" in proc.stdout
