"""Attack 2: can a submission read what the grader keeps back and smuggle it out?"""

from __future__ import annotations

from tests.adversarial.conftest import Graded


def test_nothing_hidden_can_be_read(shared_class: Graded) -> None:
    """Can it read the hidden checks, the spec, the mutants, the reference, another
    student's code or results, or the grader's processes (command line, environment,
    memory, open files), or find anything in its own descriptors and memory? It must not:
    it says what it read, and ``scale`` alone earns 3 points.

    Without the sandbox it reads all of that, down to the grader's secret environment
    variable and memory, and ``norm_rows`` raises it into the feedback.
    """
    shared_class.assert_earns("snoop", 3)


def test_no_secret_reaches_the_results_folder(shared_class: Graded) -> None:
    """Does any secret line (of a hidden file, the grader's environment or another
    student's code) appear anywhere in the results folder? None may.

    Without the sandbox the snooper's output and messages carry every one of them.
    """
    assert shared_class.leaked_secrets() == []
