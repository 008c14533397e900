"""The one status table (``grader.models.STATUS``): one row per status, read by every output.

STYLE.md, "One table per concept": no output keeps a per-status mapping of its own.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import get_args

import pytest

from grader.models import STATUS, Status

GRADER = Path(__file__).resolve().parents[1] / "grader"
STATUS_NAMES = set(get_args(Status))

OUTPUTS = [
    "report/feedback.py",
    "report/gradescope.py",
    "report/classstats.py",
    "report/classreport.py",
    "report/gradebook.py",
    "report/lms.py",
    *sorted(str(p.relative_to(GRADER)) for p in (GRADER / "outputs").glob("*.py")),
    "ci/outputs.py",
    "ci/run.py",
    "selfcheck/show.py",
    "cli.py",
]
TEMPLATES = sorted((GRADER / "report" / "templates").glob("*.j2"))


def test_one_row_per_status_in_the_literals_order() -> None:
    assert list(STATUS) == list(get_args(Status))


def test_rows_agree_with_each_other() -> None:
    for name, row in STATUS.items():
        assert row.label and row.icon and row.style, name
        assert re.fullmatch(r"#[0-9a-f]{6}", row.colour), name
        assert re.fullmatch(r"#[0-9a-f]{6}", row.bar), name
        # a failing check is a JUnit failure or error and an ::error annotation
        assert row.failure == (row.annotation == "error"), name
        if row.failure:
            assert row.junit in ("failure", "error"), name
    assert STATUS["passed"].junit is None and not STATUS["passed"].failure
    assert STATUS["not_run"].junit == "skipped"


def _status_collections(tree: ast.AST) -> list[tuple[int, list[str]]]:
    """Dict literals keyed by, and tuple/list/set literals of, two or more status names."""
    types = {  # a ``Literal[...]`` names an outside format's values (Gradescope's), not ours
        id(n)
        for sub in ast.walk(tree)
        if isinstance(sub, ast.Subscript)
        and isinstance(sub.value, ast.Name)
        and sub.value.id == "Literal"
        for n in ast.walk(sub.slice)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in types:
            continue
        if isinstance(node, ast.Dict):
            items: list[ast.expr | None] = list(node.keys)
        elif isinstance(node, ast.Tuple | ast.List | ast.Set):
            items = list(node.elts)
        else:
            continue
        names = [
            n.value
            for n in items
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in STATUS_NAMES
        ]
        if len(set(names)) >= 2:
            found.append((node.lineno, names))
    return found


@pytest.mark.parametrize("module", OUTPUTS)
def test_no_output_module_keeps_its_own_status_table(module: str) -> None:
    tree = ast.parse((GRADER / module).read_text(encoding="utf-8"))
    assert _status_collections(tree) == [], f"{module} lists statuses itself; read models.STATUS"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_no_template_spells_out_the_statuses(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    # a CSS class or a quoted name; ``c.status != "passed"`` alone is allowed
    named = {s for s in STATUS_NAMES if re.search(rf"(\.s-|[\"']){s}\b", text)}
    assert len(named) < 2, f"{template.name} names {sorted(named)}; loop over `statuses`"


def test_the_docs_table_has_every_label() -> None:
    docs = (GRADER.parent / "docs" / "result-formats.md").read_text(encoding="utf-8")
    for name, row in STATUS.items():
        line = re.search(rf"^\| `{name}` \| {re.escape(row.label)} \|.*$", docs, re.M)
        assert line is not None, name
        cells = [c.strip() for c in line[0].strip("|").split("|")]
        assert cells[3:] == [
            "yes" if row.failure else "no",
            f"`{row.junit}`" if row.junit else "—",
            row.icon,
        ], name
