"""Warnings about check files that ``grader validate`` prints without failing.

Read from the source (nothing is imported or run):

* a check (``def test_*``) with no docstring: the docstring is the sentence the student reads
  when the check fails, so without one the feedback says only the check's name;
* a draw from module-level randomness (``np.random.normal``, ``random.randint``,
  ``torch.randn`` without ``generator=``, an unseeded ``np.random.default_rng()``): the
  inputs then change on every run and do not follow ``--seed``, so a failure cannot be
  reproduced. The fix is the ``rng`` fixture, or a generator seeded from ``seed``.
"""

from __future__ import annotations

import ast
from pathlib import Path

from pydantic import BaseModel, ConfigDict

__all__ = ["CheckWarning", "lint_checks"]

# Constructors in numpy.random and random that are fine when given a seed.
_SEEDABLE = {
    "default_rng",
    "RandomState",
    "Generator",
    "SeedSequence",
    "PCG64",
    "PCG64DXSM",
    "MT19937",
    "Philox",
    "SFC64",
    "Random",
}
# torch functions that draw from torch's global generator unless given generator=.
_TORCH_DRAWS = {
    "rand",
    "randn",
    "randint",
    "randperm",
    "rand_like",
    "randn_like",
    "randint_like",
    "normal",
    "bernoulli",
    "multinomial",
    "poisson",
}
_RNG_FIX = (
    "draw from the rng fixture instead (def test_x(submission, rng): x = rng.normal(size=(4, 3)))"
)
_TORCH_FIX = (
    "pass generator=torch.Generator().manual_seed(seed) (the seed fixture), or build the input "
    "from the rng fixture with torch.from_numpy(rng.normal(size=...))"
)


class CheckWarning(BaseModel):
    """One finding: where, and what to do about it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str  # relative to the course folder
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def lint_checks(course: Path, files: list[Path]) -> list[CheckWarning]:
    """Every warning about ``files`` (check files and check helpers), in file and line order."""
    found: list[CheckWarning] = []
    for path in files:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError:
            continue  # loading the assignment reports it, naming the line
        where = path.relative_to(course).as_posix() if path.is_relative_to(course) else str(path)
        findings = [*_missing_docstrings(tree), *_global_randomness(tree)]
        found += [CheckWarning(path=where, line=n, message=m) for n, m in sorted(findings)]
    return found


def _missing_docstrings(tree: ast.Module) -> list[tuple[int, str]]:
    return [
        (
            node.lineno,
            f"check {node.name} has no docstring; add one: it is the sentence the student "
            "reads when the check fails",
        )
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
        and not (ast.get_docstring(node) or "").strip()
    ]


def _global_randomness(tree: ast.Module) -> list[tuple[int, str]]:
    aliases = _aliases(tree)
    findings = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _dotted(node.func, aliases)
            problem = _problem(name, node) if name else None
            if problem:
                findings.append((node.lineno, problem))
    return findings


def _problem(name: str, call: ast.Call) -> str | None:
    """Why this call draws from unseeded or global randomness, with the fix; None if not."""
    module, _, func = name.rpartition(".")
    unseeded = not call.args and not call.keywords
    if module in ("numpy.random", "random"):
        if func in _SEEDABLE and not unseeded:
            return None
        what = f"{name}() without a seed" if func in _SEEDABLE else name
        return f"{what} draws different inputs on every run, whatever --seed says; {_RNG_FIX}"
    if module == "torch" and func in _TORCH_DRAWS:
        if any(k.arg == "generator" for k in call.keywords):
            return None
        return (
            f"{name} without generator= draws from torch's global generator, so the inputs "
            f"do not follow --seed; {_TORCH_FIX}"
        )
    return None


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted name it stands for (``np`` -> ``numpy``,
    ``randn`` -> ``torch.randn``), from the file's imports."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """``np.random.normal`` -> ``numpy.random.normal``, through the file's imports; None when
    the call is not on an imported name (a method of a local, ``rng.normal``)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in aliases:
        return None
    return ".".join([aliases[node.id], *reversed(parts)])
