"""``python -m grader.worker --fd N --workdir DIR --memory-mb M``: start a worker.

Limits are applied here, before any submission code is imported.
"""

from __future__ import annotations

import argparse
import resource


def _limit(which: int, value: int) -> None:
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value if hard == resource.RLIM_INFINITY else hard))


def main() -> None:
    parser = argparse.ArgumentParser(prog="grader.worker")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--memory-mb", type=int, required=True)
    args = parser.parse_args()
    _limit(resource.RLIMIT_AS, args.memory_mb * 1024 * 1024)
    _limit(resource.RLIMIT_CORE, 0)
    from grader.procutil import die_with_parent

    die_with_parent()  # a grader that dies takes its workers with it

    from grader.worker.serve import run

    run(args.fd, args.workdir, args.memory_mb)


if __name__ == "__main__":
    main()
