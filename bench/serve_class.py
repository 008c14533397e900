"""How fast the grading page answers on a large class, over a gradebook generated in a
temporary folder.

    python bench/serve_class.py [--n 200] [--rounds 20]

Builds a class of N students (each a folder with a notebook holding a tagged derivation and
a plot, as in tests/servecourse.py), records it in a course gradebook, then through Flask's
test client: opens each student's question page once (the first view unpacks the
submission), then times R more page views and R saves. Prints the median and the slowest of
each, in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.coursebook.store import Coursebook  # noqa: E402
from grader.models import CheckResult, SubmissionResult  # noqa: E402
from grader.serve.app import ServeConfig, create_app  # noqa: E402
from grader.serve.security import HEADER, Guard  # noqa: E402
from tests.servecourse import COURSE, SPEC, _notebook  # noqa: E402

TOKEN = "bench"
BASE = "http://127.0.0.1:8765"


def build(root: Path, n: int) -> tuple[Path, list[str]]:
    students = [f"s{i:03d}" for i in range(n)]
    gradebook = root / "gradebook.sqlite"
    with Coursebook.open(gradebook) as book:
        book.sync_course(COURSE)
        book.set_assignment("hw1", SPEC.title, SPEC.max_points)
        book.sync_manual("hw1", SPEC.manual)
        run = book.begin_run("hw1", root / "subs", root / "out", "grade")
        for i, student in enumerate(students):
            folder = root / "subs" / student
            folder.mkdir(parents=True)
            (folder / "nn.py").write_text("x = 1\n")
            _notebook(folder, f"Student {i}: $J = \\mathrm{{diag}}(s) - s s^\\top$")
            checks = [
                CheckResult(
                    name=c, visibility="hidden", status="passed", part="P", points=2, max_points=2
                )
                for c in ("test_a", "test_b")
            ]
            result = SubmissionResult(
                student=student, assignment="hw1", score=4, max_score=4, gradable=True,
                checks=checks, seed=1, content_hash=f"h{i}",
            )  # fmt: skip
            book.record(run, result, folder)
    return gradebook, students


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        gradebook, students = build(root, args.n)
        config = ServeConfig(
            gradebook=gradebook, spec=SPEC, guard=Guard.for_server(TOKEN, "127.0.0.1", 8765),
            grader="bench", scratch=root / "scratch",
        )  # fmt: skip
        client = create_app(config).test_client()
        client.get(f"{BASE}/?token={TOKEN}")
        started = time.perf_counter()
        for student in students:
            assert client.get(f"{BASE}/q/jacobian/{student}").status_code == 200
        first = time.perf_counter() - started
        views, saves = [], []
        for i in range(args.rounds):
            student = students[i * len(students) // args.rounds]
            t = time.perf_counter()
            assert client.get(f"{BASE}/q/jacobian/{student}").status_code == 200
            views.append(time.perf_counter() - t)
            t = time.perf_counter()
            body = {"applied": ["diagonal"], "version": 0, "comment": "ok"}
            reply = client.post(
                f"{BASE}/api/grade/jacobian/{student}", json=body, headers={HEADER: TOKEN}
            )
            assert reply.status_code == 200, reply.json
            saves.append(time.perf_counter() - t)
    ms = 1000
    print(f"class of {args.n}: first view of every page (unpacks each) {first:.1f} s in all")
    print(
        f"page view: median {statistics.median(views) * ms:.0f} ms, slowest {max(views) * ms:.0f} ms"
    )
    print(
        f"save:      median {statistics.median(saves) * ms:.0f} ms, slowest {max(saves) * ms:.0f} ms"
    )


if __name__ == "__main__":
    main()
