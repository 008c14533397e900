"""Grade the demo class and print the wall time and each check's pass count.

    python bench/demo_class.py [--jobs N] [--seed S]

Prints figures; asserts nothing (the tests do that).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

from grader.grade import grade

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    submissions = ROOT / "examples" / "nn_numpy" / "submissions"
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        report = grade(ROOT, "nn_numpy", submissions, Path(out), jobs=args.jobs, seed=args.seed, force=True)
        wall = time.perf_counter() - started
    graded = [r for r in report.results if r.gradable]
    print(f"demo class: {len(report.results)} submissions ({len(graded)} gradable), jobs={args.jobs}, seed={report.seed}")
    print(f"wall time: {wall:.1f} s; per submission (sum of lane times / n): "
          f"{sum(r.duration_s for r in report.results) / len(report.results):.2f} s")
    for r in sorted(report.results, key=lambda r: -r.duration_s):
        print(f"  {r.student:8s} {r.score:5.1f}/{r.max_score:g}  {r.duration_s:6.2f} s")
    passes: Counter[str] = Counter()
    for r in graded:
        passes.update(c.name for c in r.checks if c.status == "passed")
    names = [c.name for c in graded[0].checks] if graded else []
    print(f"\ncheck pass counts over the {len(graded)} gradable submissions:")
    for name in names:
        print(f"  {passes[name]:3d}/{len(graded)}  {name}")


if __name__ == "__main__":
    main()
