"""What a check's time limit sees on a loaded host: the worker's CPU, wall and queued seconds.

    python bench/time_limits.py [--busy 0,4,8] [--cpu 2.0] [--repeat 3] [--threads 1]
                                [--torch]

For each number of busy processes (each in its own session, so its own scheduling group,
killed on the way out), one worker runs a check that needs ``--cpu`` seconds of CPU time
(measured by the worker's own clock, so the work is the same on any machine; ``--torch``:
a float32 matmul loop instead, ``--threads`` torch threads) and the script prints what the
trusted side measured: CPU seconds of the worker's tree, wall-clock seconds, seconds queued
for a core, and the share of a core the worker got. A wall-clock limit equal to the CPU
needed would have failed every row whose wall exceeds it.

Prints figures; asserts nothing (tests/test_time_limits.py does that).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from grader.protocol import WorkerLimits
from grader.remote import SubmissionHandle, SubmissionSession
from grader.supervisor import WorkerConfig, prepare_runtime

STUDENT = """
import time

def burn(seconds):
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
    return 1

def matmuls(seconds):
    import torch
    a = torch.randn(256, 256)
    start = time.process_time()
    while time.process_time() - start < seconds:
        a = torch.tanh(a @ a)
    return 1
"""

BUSY = "import time\nend = time.monotonic() + 600\nwhile time.monotonic() < end:\n    pass\n"


@contextlib.contextmanager
def busy(count: int) -> Iterator[None]:
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(count):
            procs.append(subprocess.Popen([sys.executable, "-c", BUSY], start_new_session=True))  # noqa: S603
        time.sleep(0.5 if count else 0)
        yield
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--busy", default="0,4,8")
    parser.add_argument("--cpu", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--torch", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-time-") as scratch:
        work = Path(scratch) / "sub"
        work.mkdir()
        (work / "nn.py").write_text(STUDENT)
        config = WorkerConfig(
            workdir=work,
            limits=WorkerLimits(memory_mb=4096),
            output_path=Path(scratch) / "out.txt",
            runtime_dir=prepare_runtime(Path(scratch) / "runtime"),
            threads=args.threads,
            preload=("numpy", "torch") if args.torch else ("numpy",),
        )
        session = SubmissionSession(config, ["nn"], import_seconds=120, submission_seconds=3600)
        fn = "matmuls" if args.torch else "burn"
        print(
            f"cores {len(os.sched_getaffinity(0))}, load {os.getloadavg()[0]:.1f}, "
            f"check: {fn}({args.cpu:g}) on {args.threads} thread(s)"
        )
        print("busy  cpu_s  wall_s  queued_s  share  wall>cpu-limit")
        try:
            session.begin_check(600)
            getattr(SubmissionHandle(session).nn, fn)(0.01)  # start and import before the load
            session.end_check()
            for count in (int(b) for b in args.busy.split(",")):
                with busy(count):
                    for _ in range(args.repeat):
                        session.begin_check(600)
                        getattr(SubmissionHandle(session).nn, fn)(args.cpu)
                        s = session.end_check()
                        share = s.cpu_s / s.wall_s / args.threads
                        print(
                            f"{count:4d}  {s.cpu_s:5.2f}  {s.wall_s:6.2f}  {s.queued_s:8.2f}"
                            f"  {share:5.2f}  {'yes' if s.wall_s > args.cpu * 1.05 else 'no'}"
                        )
        finally:
            session.close()


if __name__ == "__main__":
    main()
