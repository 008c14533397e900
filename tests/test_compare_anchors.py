"""The benchmark against nbgrader and Otter (bench/compare_anchors), without the anchors: its
class and its three forms are built as described, and our grader gives the scores the
students must get by construction."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from bench.compare_anchors.assignment import FUNCTIONS, MAX_POINTS, NOTEBOOK, TESTS
from bench.compare_anchors.forms import (
    make_our_course,
    nbgrader_source,
    otter_master,
    write_our_submissions,
)
from bench.compare_anchors.students import INFINITE_LOOP, make_class
from grader.grade import grade
from grader.models import SubmissionResult


def valid(nb: dict[str, object]) -> None:
    nbformat.validate(nbformat.from_dict(nb))  # type: ignore[no-untyped-call]


def test_class_of_fifty_has_every_kind_once_before_repeats() -> None:
    """Is the class deterministic, with one infinite loop and 30 correct notebooks?"""
    students = make_class(50)
    assert students == make_class(50)
    kinds = Counter(s.kind for s in students)
    assert kinds[INFINITE_LOOP] == 1
    assert sum(n for k, n in kinds.items() if k.startswith("correct")) == 30
    assert len({s.kind for s in make_class(12)}) == 12
    assert Counter(s.expected for s in students) == {9: 30, 6: 13, 7: 5, 0: 2}


def test_forms_carry_the_same_points_and_hidden_tests() -> None:
    """Do nbgrader's and Otter's instructor notebooks hold the same tests and points as ours?"""
    source = nbgrader_source()
    valid(source)
    graded = [c["metadata"]["nbgrader"] for c in source["cells"] if "nbgrader" in c["metadata"]]
    points = {m["grade_id"]: m["points"] for m in graded if m["grade"]}
    assert points == {t.name: t.points for t in TESTS}
    assert sum(points.values()) == MAX_POINTS
    hidden = [c["source"] for c in source["cells"] if "BEGIN HIDDEN TESTS" in c["source"]]
    assert len(hidden) == sum(t.hidden for t in TESTS)
    master = otter_master()
    valid(master)
    configs = [c["source"] for c in master["cells"] if "BEGIN TEST CONFIG" in c["source"]]
    assert len(configs) == len(TESTS)
    for config, test in zip(configs, TESTS, strict=True):
        assert ("hidden: true" in config, f"points: {test.points}" in config) == (test.hidden, True)


def test_our_notebooks_hold_each_students_code(tmp_path: Path) -> None:
    """Is every generated notebook valid, with the student's code in place of the template's?"""
    students = make_class(50)
    write_our_submissions(tmp_path, students)
    for student in students:
        nb = json.loads((tmp_path / student.name / NOTEBOOK).read_text())
        valid(nb)
        sources = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
        assert student.setup in sources
        assert all(student.cells[f] in sources for f in FUNCTIONS)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, SubmissionResult]]:
    root = tmp_path_factory.mktemp("anchors")
    course = make_our_course(root, timeout_s=1.0)
    wanted = {"correct", "softmax_unstable", "import_typo", "softmax_syntax_error", INFINITE_LOOP}
    students = [s for s in make_class(12) if s.kind in wanted]
    write_our_submissions(root / "subs", students)
    report = grade(course, "activations", root / "subs", root / "out", seed=3)
    results = {r.student: r for r in report.results}
    return {s.kind: (s.expected, results[s.name]) for s in students}


def test_our_grader_gives_the_expected_scores(
    graded: dict[str, tuple[int, SubmissionResult]],
) -> None:
    """Does grader grade score a correct, a wrong, two erroring and a looping notebook right?"""
    assert {kind: result.score for kind, (_, result) in graded.items()} == {
        kind: expected for kind, (expected, _) in graded.items()
    }
    assert graded["correct"][1].score == MAX_POINTS


def test_the_infinite_loop_costs_only_its_checks(
    graded: dict[str, tuple[int, SubmissionResult]],
) -> None:
    """Do only the looping function's checks time out, the others keeping their points?"""
    result = graded[INFINITE_LOOP][1]
    statuses = {c.name: c.status for c in result.checks}
    assert {n for n, s in statuses.items() if s == "timeout"} == {
        "test_tanh_grad_values",
        "test_tanh_grad_matrix",
    }
    assert all(s == "passed" for n, s in statuses.items() if "tanh" not in n)
