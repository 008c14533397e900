"""The class the self-harming adversaries were graded in: is everything else as it should be?"""

from __future__ import annotations

from tests.adversarial.conftest import Graded


def test_the_grader_finished_unchanged(shared_class: Graded) -> None:
    """Did the grader run to the end by itself, with its folder and environment unchanged?"""
    shared_class.assert_finished()


def test_the_honest_student_gets_full_marks(shared_class: Graded) -> None:
    """Does the control, graded beside every adversary, get 6/6 and a clean result?"""
    shared_class.assert_controls_intact()


def test_the_results_folder_holds_only_what_the_grader_wrote(shared_class: Graded) -> None:
    """A gradebook and one folder per student with the four result files, each as the
    grader reported it, each score the sum of its passed checks' points in the spec."""
    assert shared_class.out_problems() == []


def test_nothing_changed_outside_the_scratch_folder(shared_class: Graded) -> None:
    """The course, the class folder and $HOME are unchanged; no file appeared in the temp
    folders or the test's own folder."""
    assert shared_class.canary_changes == []
    assert shared_class.stray_files() == []


def test_no_process_outlives_the_run(shared_class: Graded) -> None:
    assert shared_class.survivors == {}
