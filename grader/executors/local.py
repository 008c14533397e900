"""The local executor: a pool of lane processes on this machine (``--executor local``).

Batches shrink as the class goes on (:func:`batches`). A lane that dies, or whose grading
code raises, costs its batch one retry, one submission per batch; a submission that fails
again gets a result saying so (:func:`grader.lane.lane_died`). Ctrl-C kills the lanes at once.

Lanes can be started early (:func:`early_lanes`), while the command is still starting up: a
lane's own start (a fresh interpreter importing pytest, numpy and the grader) then overlaps
the caller's. Once every result is in, the lanes are idle and are ended at once rather than
left to tear their interpreters down. Importing this module is light: the lane's modules are
imported in the lanes.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from collections.abc import Generator, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from grader.errors import InstructorError
from grader.procutil import lane_initializer

if TYPE_CHECKING:
    from grader.lane import GradeTask, LaneResult

__all__ = ["LocalPool", "batches", "early_lanes"]

_early: list[tuple[int, ProcessPoolExecutor]] = []  # (lanes, pool) by early_lanes, not yet taken


class LocalPool:
    """``jobs`` lanes on this machine."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs

    def run(self, tasks: list[GradeTask]) -> Iterator[LaneResult]:
        return _run_pool(tasks, self.jobs)


def _run_pool(tasks: list[GradeTask], jobs: int) -> Iterator[LaneResult]:
    """Run tasks in lanes, yielding each result as it comes back; a lane that dies or fails
    costs only its submission, after one retry with one submission per batch."""
    from grader.lane import LaneResult, lane_died, write_result

    done: set[str] = set()  # a broken batch's finished submissions are not retried
    since = time.time()  # progress files older than this are an earlier run's
    pending, tries = list(tasks), {t.submission.student: 0 for t in tasks}
    most = 8
    while pending:
        failed = yield from _one_pool(pending, jobs, done, most)
        most = (
            1  # retries run one submission per batch, so a lane that dies again costs only its own
        )
        pending = []
        for task, why in failed:
            tries[task.submission.student] += 1
            if tries[task.submission.student] < 2:
                pending.append(task)
                continue
            lane = LaneResult(result=lane_died(task, since, why))
            write_result(lane.result, task.out_dir)
            done.add(task.submission.student)
            yield lane


def _one_pool(
    tasks: list[GradeTask],
    jobs: int,
    done: set[str],
    most: int = 8,
) -> Generator[LaneResult, None, list[tuple[GradeTask, str | None]]]:
    """One pool over ``tasks``, yielding results as they come back; returns the tasks whose lane died (with None) or raised (with
    what it raised) before they had a result. An instructor's error stops the run. On
    Ctrl-C the lanes are killed at once: submissions in flight get no result, so a re-run
    grades them."""
    from grader.boundary import fault_of
    from grader.lane import grade_batch

    workers = max(1, min(jobs, len(tasks)))
    pool = _take_early(workers) or _new_pool(workers)
    failed: list[tuple[GradeTask, str | None]] = []
    try:
        try:
            futures = {pool.submit(grade_batch, b): b for b in batches(tasks, workers, most)}
        except BrokenProcessPool:  # an early lane died before its first batch: start afresh
            _end(pool)
            pool = _new_pool(workers)
            futures = {pool.submit(grade_batch, b): b for b in batches(tasks, workers, most)}
        for future in as_completed(futures):
            try:
                lanes = future.result()
            except BrokenProcessPool:
                failed += [(t, None) for t in futures[future] if t.submission.student not in done]
                continue
            except InstructorError:
                raise
            except Exception as exc:  # noqa: BLE001 - a lane's failure costs its batch a retry
                why = fault_of("grading", exc)
                failed += [(t, why.error) for t in futures[future]]
                continue
            for lane in lanes:
                done.add(lane.result.student)
                yield lane
    except BaseException:
        _end(pool)  # lanes first, so none finishes late
        raise
    _end(pool)  # every batch is back: the lanes are idle, nothing of theirs is left to finish
    return failed


def _new_pool(workers: int) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=lane_initializer)


def _end(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's lanes and shut it down. Only called when no lane holds work that must
    finish: every batch came back, or the run is stopping. Other processes of the caller's
    are left alone."""
    lanes = getattr(pool, "_processes", None) or {}  # pid -> Process; without it: a clean stop
    for lane in list(lanes.values()):
        lane.kill()
    pool.shutdown(wait=True, cancel_futures=True)


def _warm_up() -> None:
    """Run in an early lane: import what grading a batch needs (pytest, numpy, the checks'
    plugin, pydantic's models), so that the lane is ready when its first batch comes."""
    import grader.lane  # noqa: F401


@contextlib.contextmanager
def early_lanes(lanes: int) -> Iterator[None]:
    """Start ``lanes`` lanes now; the first pool of that size takes them (:func:`_one_pool`
    starts ``min(jobs, submissions)`` lanes). Lanes no pool took are ended on the way out."""
    pool = _new_pool(lanes)
    for _ in range(lanes):  # a spawn pool starts one lane per task that finds none idle
        pool.submit(_warm_up)
    early = (lanes, pool)
    _early.append(early)
    try:
        yield
    finally:
        if early in _early:
            _early.remove(early)
            _end(pool)


def _take_early(workers: int) -> ProcessPoolExecutor | None:
    """The early lanes, when there are ``workers`` of them; lanes of another count are ended."""
    if not _early:
        return None
    lanes, pool = _early.pop()
    if lanes == workers:
        return pool
    _end(pool)
    return None


def batches(tasks: list[GradeTask], lanes: int, most: int = 8) -> list[list[GradeTask]]:
    """Split tasks into batches that shrink as the class goes on ("guided" scheduling).

    Each batch is an eighth of the remaining tasks' share per lane, at most ``most``: early
    batches are big, so one pytest session serves several submissions (on a large class of
    quick submissions that halves the grader's cost per submission); later ones are single,
    so no lane idles at the end while another works through a batch holding a slow
    submission (two 22 s submissions in one batch of three once cost a 2-lane run 30 %).
    Lanes take batches in order as they come free.
    """
    out: list[list[GradeTask]] = []
    start = 0
    while start < len(tasks):
        size = max(1, min(most, (len(tasks) - start) // (lanes * 8)))
        out.append(tasks[start : start + size])
        start += size
    return out
