"""Attack 23: can a forged reply cost anyone but its forger, or the lane its memory and time?

Three forgers write replies straight onto their own channel (a header nested 100,000 deep,
three million zero-length buffers, a 300 MiB frame; see the submission module). Each may lose
the check it forged, with a plain reason, and nothing else: the run ends normally, and every
control graded after a forger, in the same lane and in the same pytest session, gets 6/6.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from grader.models import SubmissionResult
from tests.adversarial.conftest import REPO, SEED, Arena, Graded, graded_class
from tests.adversarial.submissions.forged_replies import FORGE_DEEP, STUDENTS

CONTROLS = ("b_control", "c_control", "d_control")  # graded between and after the forgers
REASONS = {
    "a_deep": "nested deeper than 64 levels",
    "b_many": "more than 1048576 values",
    "c_huge": "over the limit of 268435456 bytes",
}

BATCH_RUNNER = """
import json, sys
sys.path[0] = sys.argv[1]
from pathlib import Path
from grader.discover import discover
from grader.lane import GradeTask, grade_batch
_, course, subs, out, scratch, seed, mode = sys.argv[1:8]
if mode == "raise-at-end":  # whatever a check's end raises, for students named a_*
    from grader.remote import SubmissionSession
    real = SubmissionSession.end_check
    def end_check(self):
        spent = real(self)
        if self.config.workdir.name.startswith("a_"):
            raise RecursionError("maximum recursion depth exceeded while decoding")
        return spent
    SubmissionSession.end_check = end_check
tasks = [
    GradeTask(course=Path(course), assignment="toy", submission=s, out_dir=Path(out),
              scratch_root=Path(scratch), seed=int(seed))
    for s in discover(Path(subs))
]
lanes = grade_batch(tasks)  # one lane, one pytest session, the forger first
print("@@LANES@@" + json.dumps([lane.result.model_dump(mode="json") for lane in lanes]))
"""


@pytest.fixture(scope="module")
def forged() -> Iterator[Graded]:
    """The forgers and the controls, sorted by name, graded one after another in one lane."""
    with graded_class(STUDENTS, CONTROLS, jobs=1, timeout=180) as run:
        yield run


def test_the_run_ends_normally_and_every_control_gets_full_marks(forged: Graded) -> None:
    """Without the codec's bounds the deep header ended the lane's pytest session: the run
    exited with a KeyError and the students after the forger got no result."""
    forged.assert_finished()
    forged.assert_controls_intact()
    assert forged.out_problems() == []


@pytest.mark.parametrize("student", sorted(STUDENTS))
def test_a_forger_loses_only_the_check_it_forged(forged: Graded, student: str) -> None:
    """``scale`` is honest (3 points); ``norm_rows``'s forged reply is refused with a plain
    reason (without the bounds, the buffer table and the huge frame earned its 3 points)."""
    forged.assert_earns(student, 3)
    status, message = forged.checks(student)["test_norm_rows"]
    assert status == "error", forged.describe(student)
    assert "cannot read" in message and REASONS[student] in message, forged.describe(student)


def grade_one_batch(arena: Arena, mode: str = "") -> dict[str, SubmissionResult]:
    """Grade the arena's class as one batch (one lane, one pytest session), in a child."""
    scratch = arena.root / "tmp" / "scratch"
    scratch.mkdir()
    cmd = [sys.executable, "-c", BATCH_RUNNER, str(REPO), str(arena.course), str(arena.subs)]
    cmd += [str(arena.out), str(scratch), str(SEED), mode]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(HOME=str(arena.home), TMPDIR=str(arena.tmp), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(  # noqa: S603 - our own interpreter
        cmd, cwd=arena.course, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("@@LANES@@"))
    found = [SubmissionResult.model_validate(x) for x in json.loads(line[len("@@LANES@@") :])]
    return {r.student: r for r in found}


def test_a_forged_clean_up_reply_leaves_the_rest_of_the_batch_its_results(arena: Arena) -> None:
    """In one pytest session (one batch of a lane), the deep header answers the grader's
    clean-up after each check: the forger keeps ``scale``'s points, and the control graded
    next in the same session still gets all of its own."""
    arena.add("a_deep", FORGE_DEEP)
    arena.add_control("z_control")
    results = grade_one_batch(arena)
    assert sorted(results) == ["a_deep", "z_control"]
    assert results["z_control"].score == 6
    assert results["a_deep"].score == 3


def test_anything_a_checks_end_raises_costs_only_that_check(arena: Arena) -> None:
    """Whatever ending a check raises (here a RecursionError from every check's end of the
    first student, as a decoder without bounds raised), the plugin turns it into that
    check's error and the pytest session goes on: the next student gets 6/6."""
    arena.add_control("a_unlucky")
    arena.add_control("z_control")
    results = grade_one_batch(arena, "raise-at-end")
    assert sorted(results) == ["a_unlucky", "z_control"]
    assert results["z_control"].score == 6
    unlucky = results["a_unlucky"]
    assert unlucky.score == 0
    for check in unlucky.checks:
        assert check.status == "error", check
        assert "could not clean up after it (RecursionError)" in check.message, check
