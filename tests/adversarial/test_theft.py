"""Attack 1: can a submission find the reference on disk and let it answer?

Both adversaries compute ``scale`` honestly and delegate ``norm_rows`` to whatever reference
they find, so they must earn exactly ``scale``'s 3 points.
"""

from __future__ import annotations

from tests.adversarial.conftest import Graded


def test_searching_the_file_system_finds_no_reference(shared_class: Graded) -> None:
    """Does a search from its folder's parents, ``sys.path``, ``grader.__file__``, the
    installed package's metadata, ``$HOME``, ``/work``, ``/tmp`` and ``/`` turn up
    ``reference/toy/ops.py``? It must not.

    Without the sandbox it finds the course through the scratch folder's parents: 6 points.
    """
    shared_class.assert_earns("theft_walk", 3)


def test_the_graders_processes_give_no_reference_away(shared_class: Graded) -> None:
    """Do the grader's processes lead to the reference (their working folder, command line,
    environment, open files or memory under ``/proc``)? They must not.

    Without the sandbox ``/proc/<parent>/cwd`` of the lane is the course folder: 6 points.
    """
    shared_class.assert_earns("theft_proc", 3)
