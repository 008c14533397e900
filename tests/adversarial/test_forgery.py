"""Attack 3: can a submission forge results or spoil the other students' grading?"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.adversarial.conftest import Graded, graded_class
from tests.adversarial.submissions.forgery import FORGER

CONTROLS = ("control_1", "control_2", "control_3")


@pytest.fixture(scope="module")
def forged() -> Iterator[Graded]:
    """The forger is graded first, while three controls go through the other lane."""
    with graded_class({"a_forger": FORGER}, CONTROLS) as run:
        yield run


def test_forger_earns_only_its_honest_points(forged: Graded) -> None:
    """Whatever it wrote, the forger's result is ``scale``'s 3 points."""
    forged.assert_finished()
    forged.assert_earns("a_forger", 3)


def test_other_students_are_graded_as_if_it_were_not_there(forged: Graded) -> None:
    """The controls get 6/6, with nothing of the forger's in their results.

    Without the sandbox it rewrites their copies in the scratch folder, appends to their
    output and overwrites their result.json.
    """
    forged.assert_controls_intact()


def test_the_results_folder_holds_only_what_the_grader_wrote(forged: Graded) -> None:
    """Without the sandbox it finds the results folder from its own folder's parents and
    the grader's command line, and leaves results.json, result.json, score.txt there."""
    assert forged.out_problems() == []


def test_nothing_changed_outside_its_scratch_folder(forged: Graded) -> None:
    """The course (no planted conftest.py), the class folder (no rewritten submission),
    $HOME (no changed .bashrc) and the temp folders (no tag-named file) are untouched.

    Without the sandbox every one of them changes.
    """
    assert forged.canary_changes == []
    assert forged.stray_files() == []
