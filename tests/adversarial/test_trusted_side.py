"""Attack 16: input that breaks the trusted side's own code, not the sandbox.

Each adversary hands in something the grader's trusted process must read (a notebook, a zip,
an exception message) and that once made that code raise outside any handler: the run
stopped at the attacker and every student after it got no result. Now the code that reads
each one copes with it (the attacker is graded like anyone else), and the honest students
graded around it, before and after in the same lane, get their full score. What stands
behind that code when it misses a case (:mod:`grader.boundary`) is tested in
``tests/test_boundary.py``.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.adversarial.conftest import Arena, Graded
from tests.toycourse import solution

DEPTH = 1200
NOTEBOOK_SPEC = {"\n[limits]": '\n[submission.notebook]\naccept = ["toy.ipynb"]\n\n[limits]'}


def notebook(*cells: str) -> str:
    """An nbformat 4 notebook holding ``cells`` as code cells."""
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [
                {
                    "cell_type": "code",
                    "id": f"c{i}",
                    "metadata": {},
                    "execution_count": None,
                    "outputs": [],
                    "source": source,
                }
                for i, source in enumerate(cells)
            ],
        }
    )


def deep_main_guard() -> str:
    """A notebook whose ``if __name__ == ...`` test is a 30,000-term sum: parsing is
    iterative, but turning it back into text recurses once per term."""
    chain = "+".join(["x"] * 30_000)
    return notebook(solution(), f'if {chain} == "__main__":\n    pass\n')


def huge_line_number() -> str:
    """A notebook whose functions raise a message that looks like a traceback frame in the
    notebook's module with a 5,000-digit line number."""
    raiser = (
        "def scale(x, k):\n"
        f"    raise ValueError('File \"ops.py\", line {'9' * 5000}, in scale')\n"
    )
    return notebook(solution(), raiser)


SURROGATES = solution(
    {"return k * x": "raise ValueError('lone surrogates: \\udc80 \\ud800')"}
)


def deep_zip(path: Path) -> None:
    """A zip with ops.py at the top and one member 1,200 folders deep."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ops.py", solution())
        archive.writestr("d/" * DEPTH + "deep.txt", "deep\n")


def deep_folder(folder: Path) -> None:
    """A submission folder with ops.py at the top and a file 1,200 folders down (os.walk,
    in Python 3.11, recurses once per folder)."""
    folder.mkdir()
    (folder / "ops.py").write_text(solution())
    deep = folder
    for _ in range(DEPTH):  # one level at a time: mkdir(parents=True) recurses too
        deep = deep / "d"
        deep.mkdir()
    (deep / "deep.txt").write_text("deep\n")


def remove_deep_folder(folder: Path) -> None:
    """Undo :func:`deep_folder` bottom up (shutil.rmtree recurses once per level)."""
    deep = folder.joinpath(*["d"] * DEPTH)
    (deep / "deep.txt").unlink(missing_ok=True)
    while deep != folder:
        deep.rmdir()
        deep = deep.parent


@pytest.fixture(scope="module")
def graded() -> Iterator[Graded]:
    """The attackers between honest students, in one lane, so one batch holds them all."""
    made = Arena(spec_edits=NOTEBOOK_SPEC)
    try:
        made.add_control("a_control")
        for name, text in (("b_deep_guard", deep_main_guard()), ("d_line", huge_line_number())):
            (made.subs / f"{name}.ipynb").write_text(text)
        deep_zip(made.subs / "c_deep_zip.zip")
        deep_folder(made.subs / "f_deep_folder")
        deep_zip(made.subs / "g\\back.zip")  # a backslash in a student's name
        made.add("h_surrogates", SURROGATES)
        bad_name = os.path.join(os.fsencode(made.subs), b"i_bad\xff")
        os.mkdir(bad_name)
        Path(os.fsdecode(bad_name), "ops.py").write_text(solution())
        made.add_control("z_control")
        yield made.grade(jobs=1, timeout=240)
    finally:
        if (made.subs / "f_deep_folder").exists():
            remove_deep_folder(made.subs / "f_deep_folder")
        made.close()


def test_the_run_finishes_and_the_controls_keep_their_points(graded: Graded) -> None:
    """One lane grades everyone: the attackers cost neither the run nor the students after."""
    graded.assert_finished()
    graded.assert_controls_intact()
    assert set(graded.results) == {
        "a_control",
        "b_deep_guard",
        "c_deep_zip",
        "d_line",
        "f_deep_folder",
        "g\\back",
        "h_surrogates",
        "i_bad\\xff",
        "z_control",
    }


def test_a_deep_main_guard_is_left_out_and_the_rest_graded(graded: Graded) -> None:
    """The notebook whose ``if ... "__main__"`` made ``ast.unparse`` recurse: the guard is
    recognised without unparsing it, left out like any main guard, and the solution earns 6."""
    graded.assert_earns("b_deep_guard", 6)
    assert graded.results["b_deep_guard"].grader_fault is None


@pytest.mark.parametrize(
    ("student", "said"),
    [
        ("c_deep_zip", "1200 folders deep, deeper than the limit of 64"),
        ("f_deep_folder", "65 folders deep, deeper than the limit of 64"),
    ],
)
def test_files_too_deep_are_skipped_with_a_note(graded: Graded, student: str, said: str) -> None:
    """A zip member, or a file in a folder, 1,200 folders down: skipped with a note naming
    the depth and the limit (a folder's walk stops at the limit); ops.py at the top earns 6."""
    graded.assert_earns(student, 6)
    notes = " ".join(graded.results[student].notes)
    assert said in notes, notes


def test_a_huge_line_number_in_a_message_costs_only_its_check(graded: Graded) -> None:
    """The 5,000-digit "line number" fails ``scale``'s checks; ``norm_rows`` still earns 3."""
    graded.assert_earns("d_line", 3)


def test_a_backslash_in_a_name_is_a_student_like_any_other(graded: Graded) -> None:
    """``g\\back.zip``: a backslash is an ordinary character in a file name here."""
    graded.assert_earns("g\\back", 6)


def test_lone_surrogates_in_a_message_cost_only_the_check(graded: Graded) -> None:
    """A message no UTF-8 writer accepts: the text is repaired, ``norm_rows`` earns 3."""
    graded.assert_earns("h_surrogates", 3)
    assert "lone surrogates: " in graded.message("h_surrogates", "test_scale_public")


def test_a_folder_name_that_is_not_utf8_is_spelled_with_escapes(graded: Graded) -> None:
    """A folder named with the byte 0xff is graded as ``i_bad\\xff``."""
    graded.assert_earns("i_bad\\xff", 6)
