"""The bundled assignments' alternatives: enough of them, complete, and written independently.

Whether each one scores 100% is what ``grader validate`` proves (minutes per assignment, so
it runs as the validate step of a release, not here); these tests check what can be checked
without grading: that every assignment ships at least five, that each is a whole submission
saying how it differs, and that none is the reference with its markers stripped.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from grader.alternatives import load_alternatives
from grader.course import load_assignment
from grader.markers import solution_text

REPO = Path(__file__).resolve().parent.parent
BUNDLED = ["nn_numpy", "backprop_torch", "cnn_classifiers", "segmentation_transfer"]
AT_LEAST = 5


@pytest.mark.parametrize("assignment_id", BUNDLED)
def test_every_assignment_ships_enough_complete_alternatives(assignment_id: str) -> None:
    """Does each bundled assignment ship at least five alternatives, each holding every
    submitted module, each module opening with a docstring that says how it differs?"""
    assignment = load_assignment(REPO, assignment_id)
    alternatives = load_alternatives(assignment)
    assert len(alternatives) >= AT_LEAST, sorted(alternatives)
    modules = [f for f in assignment.spec.submission.files if f.endswith(".py")]
    for name, folder in alternatives.items():
        for module in modules:
            path = folder / module
            assert path.is_file(), f"{name} lacks {module}"
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstring = ast.get_docstring(tree) or ""
            assert len(docstring.split()) >= 5, f"{path}: no docstring saying how it differs"


@pytest.mark.parametrize("assignment_id", BUNDLED)
def test_no_alternative_is_the_reference_copied(assignment_id: str) -> None:
    """Is every alternative module different code from the reference, beyond comments and
    docstrings? (An alternative proves something only if it is written another way.)"""
    assignment = load_assignment(REPO, assignment_id)

    def code(text: str) -> str:
        tree = ast.parse(text)
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
                if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                    node.body = body[1:] or [ast.Pass()]  # type: ignore[attr-defined]
        return ast.dump(tree)

    for folder in load_alternatives(assignment).values():
        differs = False
        for module in assignment.spec.submission.files:
            if not module.endswith(".py"):
                continue
            path = assignment.reference_dir / module
            reference = code(solution_text(path.read_text(encoding="utf-8"), str(path)))
            differs |= code((folder / module).read_text(encoding="utf-8")) != reference
        assert differs, f"{folder}: the same code as the reference"
