"""Each check's outcome, streamed to ``<out>/<student>/progress.jsonl`` as soon as it is known.

A grading run that is interrupted (Ctrl-C, a killed grader, a lane that died, a cluster node
that went away) leaves this file behind. The next run of the same submission keeps the checks
it holds and runs only the rest, with the same seed, so the result is the one an
uninterrupted run would have given. ``result.json`` is written when the submission is
finished; the progress file is removed then.

The file is JSON lines: a header (what the outcomes were computed from), then one
:class:`grader.models.CheckOutcome` per finished check. The last line of a killed run may be
cut short; lines that do not parse are ignored. The lane (trusted) writes it; nothing from
the worker is read back except through these models.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from grader.models import CheckOutcome

__all__ = ["PROGRESS_FILE", "ProgressHeader", "ProgressWriter", "read_progress", "resume"]

PROGRESS_FILE = "progress.jsonl"


class ProgressHeader(BaseModel):
    """What a progress file's outcomes were computed from; all of it must match to resume."""

    model_config = ConfigDict(extra="forbid")

    assignment: str
    content_hash: str  # the submission and the assignment's material (checks, reference, spec)
    seed: int
    grader_version: str


class Resumed(BaseModel):
    """What a new run takes over from an interrupted one (empty when nothing matches)."""

    model_config = ConfigDict(extra="forbid")

    seed: int
    outcomes: dict[str, CheckOutcome] = {}


def progress_path(student_dir: Path) -> Path:
    return student_dir / PROGRESS_FILE


def read_progress(student_dir: Path) -> tuple[ProgressHeader | None, dict[str, CheckOutcome]]:
    """The header and the finished checks of a progress file (None, {} when there is none)."""
    try:
        lines = progress_path(student_dir).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None, {}
    if not lines:
        return None, {}
    try:
        header = ProgressHeader.model_validate_json(lines[0])
    except ValidationError:
        return None, {}
    outcomes: dict[str, CheckOutcome] = {}
    for line in lines[1:]:
        try:
            outcome = CheckOutcome.model_validate_json(line)
        except ValidationError:
            continue  # the last line of a run killed mid-write
        outcomes[outcome.name] = outcome
    return header, outcomes


def resume(student_dir: Path, header: ProgressHeader, *, seed_given: bool) -> Resumed:
    """The checks an interrupted run of this same submission finished, and the seed to go on
    with. Without a seed on the command line the interrupted run's seed is kept, so every
    check of the result comes from one seed; with one, only a run with that seed counts."""
    before, outcomes = read_progress(student_dir)
    same = before is not None and before.model_copy(update={"seed": header.seed}) == header
    if before is None or not same or (seed_given and before.seed != header.seed):
        return Resumed(seed=header.seed)
    return Resumed(seed=before.seed, outcomes=outcomes)


class ProgressWriter:
    """Appends outcomes to one submission's progress file; a new header starts a new file."""

    def __init__(self, student_dir: Path, header: ProgressHeader, kept: int) -> None:
        self.path = progress_path(student_dir)
        student_dir.mkdir(parents=True, exist_ok=True)
        if not kept:  # nothing taken over: start the file afresh
            self.path.write_text(header.model_dump_json() + "\n", encoding="utf-8")

    def record(self, outcome: CheckOutcome) -> None:
        """One finished check, on disk before the next one starts (flushed, not fsynced: a
        killed process loses nothing, a machine that loses power may lose the last lines)."""
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(outcome.model_dump_json() + "\n")

    def finish(self) -> None:
        """The submission's result.json is written: the progress file has served."""
        self.path.unlink(missing_ok=True)
