"""A tiny course written to disk for pipeline tests: one assignment, two checks files, mutants
and alternatives."""

from __future__ import annotations

from pathlib import Path

SPEC = """
id = "toy"
title = "Toy assignment"

[submission]
files = ["ops.py"]

[limits]
check_seconds = 3
submission_seconds = 60
memory_mb = 1024
import_seconds = 5

[worker]
preload = ["numpy"]

[[parts]]
name = "Scaling"
checks = { test_scale_public = 1, test_scale_matches_reference = 2 }

[[parts]]
name = "Norms"
checks = { test_norm_rows = { points = 3, seconds = 2 } }
"""

REFERENCE = '''import numpy as np


def scale(x, k):
    """Multiply x by k. x: (N,) -> (N,)."""
    # BEGIN SOLUTION
    return k * x
    # END SOLUTION


def norm_rows(x):
    """Row-wise L2 norm. x: (N, D) -> (N,)."""
    # BEGIN SOLUTION
    return np.sqrt((x * x).sum(axis=1))
    # END SOLUTION
'''

PUBLIC = '''from grader.checks import expect


def test_scale_public(submission, reference, rng):
    """scale(x, k) must multiply every entry by k."""
    x = rng.standard_normal(4)
    expect.close(submission.ops.scale(x, 3.0), reference.ops.scale(x, 3.0), what="scale(x, 3)")
'''

HIDDEN = '''from grader.checks import expect


def test_scale_matches_reference(submission, reference, rng):
    """scale(x, k) must match the reference on random inputs."""
    x = rng.standard_normal(50)
    k = float(rng.uniform(-2, 2))
    expect.close(submission.ops.scale(x, k), reference.ops.scale(x, k), what="scale(x, k)")


def test_norm_rows(submission, reference, rng):
    """norm_rows(x) must return one L2 norm per row."""
    x = rng.standard_normal((6, 5))
    expect.close(submission.ops.norm_rows(x), reference.ops.norm_rows(x), what="norm_rows(x)")
'''

MUTANTS = """
[[mutant]]
name = "norm_wrong_axis"
file = "ops.py"
description = "norm over columns instead of rows"
targets = ["test_norm_rows"]
[[mutant.replace]]
old = "(x * x).sum(axis=1)"
new = "(x * x).sum(axis=0)"
"""

# Correct code written differently: validate expects full marks from each.
ALTERNATIVES = {
    "linalg": """import numpy as np


def scale(x, k):
    return np.multiply(x, k)


def norm_rows(x):
    return np.linalg.norm(x, axis=1)
""",
    "loops": """import math

import numpy as np


def scale(x, k):
    return np.array([k * v for v in x])


def norm_rows(x):
    return np.array([math.sqrt(sum(v * v for v in row)) for row in x])
""",
}


def make_course(root: Path) -> Path:
    """Write the toy course under ``root`` and return it."""
    files = {
        "assignments/toy/assignment.toml": SPEC,
        "assignments/toy/checks/public/test_public.py": PUBLIC,
        "assignments/toy/checks/hidden/test_hidden.py": HIDDEN,
        "assignments/toy/mutants/mutants.toml": MUTANTS,
        "reference/toy/ops.py": REFERENCE,
        **{
            f"assignments/toy/alternatives/{name}/ops.py": text
            for name, text in ALTERNATIVES.items()
        },
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def solution(replace: dict[str, str] | None = None) -> str:
    """The reference without markers, with each ``old -> new`` text replacement applied."""
    text = "\n".join(line for line in REFERENCE.splitlines() if "SOLUTION" not in line) + "\n"
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return text


EXTRA_REFERENCE = '''import numpy as np


def double(x):
    """Twice x. x: (N,) -> (N,)."""
    # BEGIN SOLUTION
    return 2.0 * np.asarray(x)
    # END SOLUTION
'''

EXTRA_CHECK = '''from grader.checks import expect


def test_double_public(submission, reference, rng):
    """double(x) must multiply every entry by 2."""
    x = rng.standard_normal(5)
    expect.close(submission.extra.double(x), reference.extra.double(x), what="double(x)")
'''


def add_second_module(course: Path, *, notebook: bool = False) -> Path:
    """Make the toy assignment take two modules, ops.py and extra.py (with a public check of
    its own, worth 1 point), and a notebook ``toy.ipynb`` in their place when asked."""
    spec = course / "assignments/toy/assignment.toml"
    text = spec.read_text().replace('files = ["ops.py"]', 'files = ["ops.py", "extra.py"]')
    if notebook:
        text = text.replace(
            "\n[limits]", '\n[submission.notebook]\naccept = ["toy.ipynb"]\n\n[limits]'
        )
    spec.write_text(text + '\n[[parts]]\nname = "Extra"\nchecks = { test_double_public = 1 }\n')
    (course / "reference/toy/extra.py").write_text(EXTRA_REFERENCE)
    (course / "assignments/toy/checks/public/test_extra.py").write_text(EXTRA_CHECK)
    extra = "\n".join(line for line in EXTRA_REFERENCE.splitlines() if "SOLUTION" not in line)
    for folder in (course / "assignments/toy/alternatives").iterdir():
        (folder / "extra.py").write_text(extra + "\n")
    return course
