"""Time of the similarity report on many submissions, generated in a temporary folder.

    python bench/similarity_200.py [--n 200] [--assignment nn_numpy] [--seed 0]

Each generated submission is the assignment's template (student_template/<id>/) with every
stub (``raise NotImplementedError``) replaced by a random body of 4 to 12 statements, its
own names and constants: different code of a homework's size. Every tenth one is handed in
as a zip. Five planted pairs are near-copies: the second of each is the first with its
names renamed and its comments rewritten. Prints the time to read the submissions (unpack,
read, never run), the time to fingerprint and compare every pair, and whether the planted
pairs are the top five.
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import time
import zipfile
from pathlib import Path

from grader.course import load_assignment
from grader.similarity import compare, read_submissions, template_code

ROOT = Path(__file__).resolve().parent.parent
STUB = re.compile(r"^(?P<indent>[ \t]*)raise NotImplementedError.*$", re.MULTILINE)
PLANTED = 5


def _statement(rng: random.Random, names: list[str], indent: str) -> list[str]:
    """One random statement (two or three lines for a loop or a branch)."""
    a, b, c = rng.choice(names), rng.choice(names), f"v{rng.randrange(10_000)}"
    k = round(rng.uniform(0.1, 9.9), 2)
    shapes = [
        [f"{c} = np.sum({a} * {k}, axis={rng.randrange(2)})"],
        [f"{c} = {a} @ {b}.T + {k}"],
        [f"{c} = np.maximum({a}, {k}) - np.exp(-{b})"],
        [f"{c} = [{a}[i] ** {rng.randrange(2, 5)} for i in range(len({a}))]"],
        [f"for i in range({rng.randrange(2, 50)}):", f"    {c} = {a} * i - {b} / {k}"],
        [f"if np.any({a} > {k}):", f"    {c} = np.clip({b}, -{k}, {k})", "else:", f"    {c} = {a}"],
        [f"{c} = np.{rng.choice(['mean', 'std', 'max', 'min'])}({a}) # step {rng.randrange(99)}"],
        [f"{c} = {a}.reshape(-1, {rng.randrange(1, 9)}).{rng.choice(['sum', 'mean'])}(axis=0)"],
    ]
    names.append(c)
    return [indent + line for line in rng.choice(shapes)]


def _body(rng: random.Random, indent: str) -> str:
    names = ["x", "W", "b"]
    lines: list[str] = []
    for _ in range(rng.randint(4, 12)):
        lines += _statement(rng, names, indent)
    return "\n".join([*lines, f"{indent}return {names[-1]}"])


def _disguised(code: str, rng: random.Random) -> str:
    """The same code with every generated name renamed and every comment rewritten."""
    code = re.sub(r"\bv(\d+)\b", lambda m: f"tmp_{int(m[1]) * 7 + 3}", code)
    return re.sub(r"# step \d+", lambda _: f"# note {rng.randrange(99)}", code)


def generate(folder: Path, template: dict[str, str], n: int, seed: int) -> None:
    rng = random.Random(seed)
    previous: dict[str, str] = {}
    for i in range(n):
        if i < 2 * PLANTED and i % 2 == 1:
            files = {rel: _disguised(text, rng) for rel, text in previous.items()}
        else:
            files = {
                rel: STUB.sub(lambda m: _body(rng, m["indent"]), text)
                for rel, text in template.items()
            }
        previous = files
        name = f"student{i:03d}"
        if i % 10 == 9:
            with zipfile.ZipFile(folder / f"{name}.zip", "w") as archive:
                for rel, text in files.items():
                    archive.writestr(rel, text)
        else:
            for rel, text in files.items():
                (folder / name / rel).parent.mkdir(parents=True, exist_ok=True)
                (folder / name / rel).write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--assignment", default="nn_numpy")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    assignment = load_assignment(ROOT, args.assignment)
    template = {
        p.relative_to(assignment.template_dir).as_posix(): p.read_text()
        for p in sorted(assignment.template_dir.glob("*.py"))
    }
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp, "submissions")
        subs.mkdir()
        generate(subs, template, args.n, args.seed)
        started = time.perf_counter()
        docs = read_submissions(subs, assignment, Path(tmp, "scratch"))
        read_s = time.perf_counter() - started
        report = compare(docs, template_code(assignment), assignment=assignment.id, top=10)
    lines = sum(d.text.count("\n") for d in docs) / max(len(docs), 1)
    print(
        f"{len(docs)} submissions of {args.assignment}, {lines:.0f} lines of code each on average"
    )
    print(f"read (unpack, never run): {read_s:.2f} s")
    print(
        f"fingerprint and compare {report.compared} pairs: {report.seconds:.2f} s ({report.detector})"
    )
    print(f"total: {read_s + report.seconds:.2f} s")
    for pair in report.pairs:
        print(f"  {pair.student_a} {pair.student_b} {pair.a_to_b:.0%} {pair.b_to_a:.0%}")
    planted = {(f"student{i:03d}", f"student{i + 1:03d}") for i in range(0, 2 * PLANTED, 2)}
    top = {(p.student_a, p.student_b) for p in report.pairs[:PLANTED]}
    print(f"planted near-copies in the top {PLANTED}: {len(planted & top)} of {PLANTED}")


if __name__ == "__main__":
    main()
