"""The local executor: a pool of lane processes on this machine (``--executor local``).

Batches shrink as the class goes on (:func:`batches`). A lane that dies, or whose grading
code raises, costs its batch one retry, one submission per batch; a submission that fails
again gets a result saying so (:func:`grader.lane.lane_died`). Ctrl-C kills the lanes at once.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from grader.boundary import fault_of
from grader.errors import InstructorError
from grader.lane import GradeTask, LaneResult, grade_batch, lane_died, write_result
from grader.procutil import lane_initializer

__all__ = ["LocalPool", "batches"]


class LocalPool:
    """``jobs`` lanes on this machine."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs

    def run(self, tasks: list[GradeTask], record: Callable[[LaneResult], None]) -> None:
        _run_pool(tasks, self.jobs, record)


def _run_pool(tasks: list[GradeTask], jobs: int, on_result: Callable[[LaneResult], None]) -> None:
    """Run tasks in lanes; a lane that dies or fails costs only its submission, after one
    retry with one submission per batch."""
    done: dict[str, LaneResult] = {}  # a broken batch's finished submissions are not retried
    since = time.time()  # progress files older than this are an earlier run's
    pending, tries = list(tasks), {t.submission.student: 0 for t in tasks}
    most = 8
    while pending:
        failed = _one_pool(pending, jobs, done, on_result, most)
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
            done[task.submission.student] = lane
            on_result(lane)


def _one_pool(
    tasks: list[GradeTask],
    jobs: int,
    done: dict[str, LaneResult],
    on_result: Callable[[LaneResult], None],
    most: int = 8,
) -> list[tuple[GradeTask, str | None]]:
    """One pool over ``tasks``; returns the tasks whose lane died (with None) or raised (with
    what it raised) before they had a result. An instructor's error stops the run. On
    Ctrl-C the lanes are killed at once: submissions in flight get no result, so a re-run
    grades them."""
    context = multiprocessing.get_context("spawn")
    workers = max(1, min(jobs, len(tasks)))
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=lane_initializer)
    failed: list[tuple[GradeTask, str | None]] = []
    try:
        futures = {
            pool.submit(grade_batch, batch): batch for batch in batches(tasks, workers, most)
        }
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
                done[lane.result.student] = lane
                on_result(lane)
    except BaseException:
        for child in multiprocessing.active_children():  # lanes first, so none finishes late
            child.kill()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    return failed


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
