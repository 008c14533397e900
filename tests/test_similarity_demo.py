"""The similarity demo: independent correct solutions and two planted copies. The copies are
the top two pairs, and no two independent solutions come near them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from examples.build_similarity_demo import DISGUISED, OUT, RECOMMENTED, STUDENTS, build
from grader.course import load_assignment
from grader.similarity import compare, read_submissions, template_code

REPO = Path(__file__).resolve().parents[1]
INDEPENDENT_AT_MOST = 0.6
"""Independent solutions of nn_numpy share its vocabulary (np.exp, the shapes, the loop over
layers): 15-39% here. Half again above that, 60%, still sits far below the planted copies
(100%); docs/similarity.md explains how to read the numbers."""


def test_checked_in_similarity_demo_is_current(tmp_path: Path) -> None:
    built = {p.relative_to(tmp_path): p.read_text() for p in build(tmp_path / "demo")}
    built = {p.relative_to("demo"): text for p, text in built.items()}
    checked_in = {p.relative_to(OUT): p.read_text() for p in OUT.rglob("*.py")}
    assert built == checked_in, "run: python examples/build_similarity_demo.py"


@pytest.mark.skipif(
    importlib.util.find_spec("copydetect") is None, reason="the similarity extra is not installed"
)
def test_the_planted_copies_top_the_report_and_independent_work_does_not(tmp_path: Path) -> None:
    material = load_assignment(REPO, "nn_numpy")
    docs = read_submissions(OUT, material, tmp_path)
    report = compare(docs, template_code(material), assignment="nn_numpy", top=30)
    pairs = [(p.student_a, p.student_b, min(p.a_to_b, p.b_to_a)) for p in report.pairs]
    planted = {frozenset(DISGUISED), frozenset(RECOMMENTED)}
    assert {frozenset(p[:2]) for p in pairs[:2]} == planted
    assert all(score > 0.9 for *_, score in pairs[:2])
    independent = [p for p in pairs if {p[0], p[1]} <= set(STUDENTS)]
    assert len(independent) == 10  # every pair of the five was compared and listed
    assert max(score for *_, score in independent) <= INDEPENDENT_AT_MOST
