"""The similarity report: near-copies found, independent work and the template not, every
kind of hand-in read without running it, and student text escaped on the page."""

from __future__ import annotations

import importlib.util
import json
import sys
import zipfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import pytest

from grader.course import Assignment, load_assignment
from grader.extras import MissingExtra
from grader.release import release
from grader.similarity import (
    CodeDocument,
    CopydetectDetector,
    MatchedPair,
    Overlap,
    SimilarityReport,
    compare,
    read_submissions,
    render_similarity,
    template_code,
)
from grader.similarity.models import SourceFile, Span
from grader.similarity.report import segments
from tests.clirun import grader
from tests.toycourse import make_course

needs_copydetect = pytest.mark.skipif(
    importlib.util.find_spec("copydetect") is None, reason="the similarity extra is not installed"
)

ALICE = '''import numpy as np

BANNER = "<script>alert('owned')</script>"


def scale(x, k):
    # multiply every entry
    return k * x


def norm_rows(x):
    # one norm per row
    return np.sqrt((x * x).sum(axis=1))


def normalise_rows(matrix, eps=1e-8):
    """Rows divided by their norms."""
    lengths = norm_rows(matrix)
    safe = np.maximum(lengths, eps)
    return matrix / safe[:, None]


def batches(data, size):
    """Consecutive slices of at most size rows."""
    out = []
    start = 0
    while start < len(data):
        out.append(data[start : start + size])
        start = start + size
    return out


def running_mean(values, momentum=0.9):
    """Exponential moving average of a sequence."""
    avg = None
    history = []
    for value in values:
        avg = value if avg is None else momentum * avg + (1 - momentum) * value
        history.append(avg)
    return history
'''

# alice's code with every name changed and the comments rewritten
BOB = '''import numpy as np

TITLE = "my homework"


def scale(v, factor):
    # scaling by factor
    return factor * v


def norm_rows(a):
    # L2 of each row, see lecture 3
    return np.sqrt((a * a).sum(axis=1))


def unit_rows(m, tiny=1e-8):
    """Make each row have length one."""
    ns = norm_rows(m)
    guarded = np.maximum(ns, tiny)
    return m / guarded[:, None]


def chunks(arr, n):
    """Split into pieces of n rows."""
    res = []
    i = 0
    while i < len(arr):
        res.append(arr[i : i + n])
        i = i + n
    return res


def ema(xs, beta=0.9):
    """Smoothed sequence."""
    cur = None
    seen = []
    for x in xs:
        cur = x if cur is None else beta * cur + (1 - beta) * x
        seen.append(cur)
    return seen
'''

CAROL = """import numpy as np


def scale(x, k):
    return np.multiply(x, k)


def norm_rows(x):
    return np.linalg.norm(x, axis=1)


def split(data, size):
    count = -(-len(data) // size)
    return np.array_split(data, count) if len(data) else []
"""

FRANK_CELLS = [
    "%matplotlib inline\nimport math\nimport numpy as np",
    "def scale(x, k):\n    return np.array([k * v for v in x])",
    "def norm_rows(x):\n    return np.array([math.sqrt(sum(v * v for v in row)) for row in x])",
    "def smooth(seq, keep=0.5):\n    acc, out = 0.0, []\n"
    "    for item in seq:\n        acc = keep * acc + (1 - keep) * item\n"
    "        out.append(acc)\n    return out",
]

GINA = """from functools import reduce

import numpy as np


def scale(x, k):
    return x * k


def norm_rows(x):
    squares = np.einsum("ij,ij->i", x, x)
    return squares ** 0.5


def product(values):
    return reduce(lambda acc, v: acc * v, values, 1)
"""


def _notebook(cells: list[str]) -> str:
    code = [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": c}
        for c in cells
    ]
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": code})


@pytest.fixture
def toy(tmp_path: Path) -> tuple[Assignment, Path]:
    """The toy course, released, and six hand-ins of it."""
    course = make_course(tmp_path / "course")
    assignment = load_assignment(course, "toy")
    release(assignment)
    subs = tmp_path / "submissions"
    for name, text in {"alice": ALICE, "bob": BOB, "carol": CAROL}.items():
        (subs / name).mkdir(parents=True)
        (subs / name / "ops.py").write_text(text)
    stub = (assignment.template_dir / "ops.py").read_text()
    (subs / "erin").mkdir()
    (subs / "erin" / "ops.py").write_text(stub + "\nLEARNING_RATE = 0.01\n")
    (subs / "frank.ipynb").write_text(_notebook(FRANK_CELLS))
    with zipfile.ZipFile(subs / "gina.zip", "w") as archive:
        archive.writestr("hw/ops.py", GINA)
    return assignment, subs


def _report(toy: tuple[Assignment, Path], tmp_path: Path) -> SimilarityReport:
    assignment, subs = toy
    docs = read_submissions(subs, assignment, tmp_path / "scratch")
    return compare(docs, template_code(assignment), assignment="toy", top=50)


def _score(report: SimilarityReport, a: str, b: str) -> float:
    found = [p for p in report.pairs if {p.student_a, p.student_b} == {a, b}]
    return found[0].score if found else 0.0


def test_every_kind_of_hand_in_is_read(toy: tuple[Assignment, Path], tmp_path: Path) -> None:
    """Are a folder's .py files, a zip's files and a notebook's code cells all read?"""
    assignment, subs = toy
    docs = {d.student: d for d in read_submissions(subs, assignment, tmp_path / "scratch")}
    assert sorted(docs) == ["alice", "bob", "carol", "erin", "frank", "gina"]
    assert docs["gina"].files == ["ops.py"]  # the root is the folder in the zip
    assert "np.einsum" in docs["gina"].text
    assert docs["frank"].files == ["frank.ipynb"]
    assert "# In[4]\ndef smooth(seq, keep=0.5):" in docs["frank"].text
    assert "def scale(v, factor):" in docs["bob"].text
    assert not list((tmp_path / "scratch").iterdir())  # nothing unpacked is left behind


@needs_copydetect
def test_near_copies_are_the_top_pair(toy: tuple[Assignment, Path], tmp_path: Path) -> None:
    """Do renamed, re-commented copies rank first, far above independent solutions?"""
    report = _report(toy, tmp_path)
    top = report.pairs[0]
    assert {top.student_a, top.student_b} == {"alice", "bob"}
    assert top.a_to_b > 0.8 and top.b_to_a > 0.8
    others = [p.score for p in report.pairs[1:]]
    assert max(others, default=0.0) < 0.4
    assert min(top.a_to_b, top.b_to_a) > 2 * max(others, default=0.0)
    assert top.spans_a and top.spans_b
    assert report.compared == 15  # 6 submissions, every pair once


@needs_copydetect
def test_independent_solutions_score_low(toy: tuple[Assignment, Path], tmp_path: Path) -> None:
    """Do solutions written differently stay low against each other?"""
    report = _report(toy, tmp_path)
    for a, b in [("carol", "frank"), ("carol", "gina"), ("frank", "gina"), ("alice", "carol")]:
        assert _score(report, a, b) < 0.4, (a, b)


@needs_copydetect
def test_template_is_boilerplate(toy: tuple[Assignment, Path], tmp_path: Path) -> None:
    """Does the untouched template plus a line match nobody, while two such hand-ins would
    match each other if the template were not left out?"""
    assignment, subs = toy
    report = _report(toy, tmp_path)
    assert max(_score(report, "erin", s) for s in ["alice", "bob", "carol", "frank", "gina"]) < 0.2
    assert report.boilerplate == ["ops.py"]
    stub = (assignment.template_dir / "ops.py").read_text()
    docs = [
        CodeDocument(student="erin", text=stub + "\nLEARNING_RATE = 0.01\n"),
        CodeDocument(student="hal", text=stub + "\nprint(scale([1.0, 2.0], 3))\n"),
    ]
    with_template = compare(docs, template_code(assignment), assignment="toy")
    without = compare(docs, [], assignment="toy")
    assert with_template.pairs == [] and with_template.compared == 1
    assert without.pairs[0].score > 0.8


@needs_copydetect
def test_past_terms_are_compared_with_this_term_only(
    toy: tuple[Assignment, Path], tmp_path: Path
) -> None:
    """Is a past term's copy found, and are two past submissions never paired?"""
    assignment, subs = toy
    past = tmp_path / "2024"
    for name in ("old1", "old2"):
        (past / name).mkdir(parents=True)
        (past / name / "ops.py").write_text(ALICE)
    docs = read_submissions(subs, assignment, tmp_path / "s1")
    docs += read_submissions(past, assignment, tmp_path / "s2", past_label="2024")
    report = compare(docs, template_code(assignment), assignment="toy", top=100)
    assert report.compared == 15 + 6 * 2
    assert all({p.student_a, p.student_b} != {"2024/old1", "2024/old2"} for p in report.pairs)
    pair = next(p for p in report.pairs if (p.student_a, p.student_b) == ("alice", "2024/old1"))
    assert pair.b_is_past and pair.score > 0.9


@needs_copydetect
def test_page_escapes_student_text(toy: tuple[Assignment, Path], tmp_path: Path) -> None:
    """Is a student's <script> shown as text, never run, in the page?"""
    report = _report(toy, tmp_path)
    page = render_similarity(report, generated=datetime(2026, 1, 1))
    assert "<script" not in page
    assert "&lt;script&gt;alert(" in page
    assert "<mark>" in page and "alice" in page and "not proof" in page


def test_segments_fold_unmatched_code() -> None:
    """Are long unmatched stretches folded, and the matched span kept whole?"""
    text = "".join(f"line {i}\n" for i in range(40))
    start = text.index("line 20")
    parts = segments(text, [Span(start=start + 2, end=start + 4)], context=2)
    kinds = [s.kind for s in parts]
    assert kinds == ["gap", "plain", "match", "plain", "gap"]
    assert parts[2].text == "line 20"  # widened to the whole line
    assert "line 18" in parts[1].text and "line 17" not in parts[1].text


def test_missing_extra_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without copydetect, is the fix the similarity extra?"""
    monkeypatch.setitem(sys.modules, "copydetect", None)
    with pytest.raises(MissingExtra, match=r"pip install 'dl-grader\[similarity\]'"):
        CopydetectDetector("")


@needs_copydetect
def test_command_prints_pairs_and_writes_page(toy: tuple[Assignment, Path], tmp_path: Path) -> None:
    """Does `grader similarity` list the top pair and write the page?"""
    assignment, subs = toy
    page = tmp_path / "sim.html"
    done = grader(
        "similarity",
        "-a",
        "toy",
        str(subs),
        "-o",
        str(page),
        "--top",
        "3",
        "--course",
        str(assignment.course),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    first_row = next(line for line in done.stdout.splitlines() if "alice" in line)
    assert "bob" in first_row
    assert page.is_file() and "&lt;script&gt;" in page.read_text()


class _Lines:
    """A stand-in detector's fingerprint: the set of non-blank lines."""

    def __init__(self, code: str) -> None:
        self.lines = {line.strip() for line in code.splitlines() if line.strip()}

    def overlap(self, other: _Lines) -> Overlap:
        shared = len(self.lines & other.lines)
        return Overlap(shared / len(self.lines), shared / len(other.lines), [], [])


class _LineDetector:
    """Lines in common; fails on code that holds BOOM, as a library might on odd text."""

    name = "lines"

    def __init__(self, boilerplate: str) -> None:
        self.boilerplate = boilerplate

    def fingerprint(self, code: str) -> _Lines:
        if "BOOM" in code:
            raise RecursionError("too deep")
        return _Lines(code)


def test_detector_is_one_swap_and_one_failure_stays_one(tmp_path: Path) -> None:
    """Does another detector plug in, and does one document it cannot read, or one with no
    code, leave the rest compared?"""
    docs = [
        CodeDocument(student="a", text="x = 1\ny = 2\n"),
        CodeDocument(student="b", text="x = 1\nz = 3\n"),
        CodeDocument(student="c", text="BOOM\n"),
        CodeDocument(student="d", text="", notes=["left out nn.py: too big"]),
    ]
    report = compare(docs, [], assignment="toy", make_detector=_LineDetector)
    assert report.detector == "lines" and report.compared == 1
    assert [(p.student_a, p.student_b, p.a_to_b) for p in report.pairs] == [("a", "b", 0.5)]
    assert report.not_compared == {
        "c": "the detector could not read its code (RecursionError)",
        "d": "left out nn.py: too big",
    }


def test_page_escapes_student_names() -> None:
    """Are a student's name and a file name with markup shown as text, and control
    characters removed?"""
    evil = 'eve<img src=x onerror="alert(1)">'
    code = "# ==== <b>x</b>.py ====\nx = '\u202e'\n"
    report = SimilarityReport(
        assignment="toy",
        detector="copydetect",
        compared=1,
        seconds=0.1,
        boilerplate=[],
        documents=[CodeDocument(student=evil, text=code), CodeDocument(student="bob", text=code)],
        pairs=[
            MatchedPair(
                student_a=evil,
                student_b="bob",
                a_to_b=1.0,
                b_to_a=1.0,
                spans_a=[Span(start=0, end=len(code))],
                spans_b=[Span(start=0, end=len(code))],
            )
        ],
    )
    page = render_similarity(report, generated=datetime(2026, 1, 1))
    assert "<img" not in page and "<b>" not in page and "\u202e" not in page
    assert "eve&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page


def test_a_submission_the_reader_fails_on_is_that_students_alone(
    toy: tuple[Assignment, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The grader's own code failing on one submission's files lists that student as not
    compared, with the reason; every other submission is read as usual."""
    import grader.similarity.sources as sources

    assignment, subs = toy
    real = sources._code_files

    def broken(folder: Path, rels: Iterable[str], notes: list[str]) -> Iterable[SourceFile]:
        if folder.name == "bob":
            raise MemoryError("a hostile file")
        return real(folder, rels, notes)

    monkeypatch.setattr(sources, "_code_files", broken)
    by = {d.student: d for d in read_submissions(subs, assignment, tmp_path / "scratch")}
    assert by["alice"].text and by["carol"].text and by["bob"].text == ""
    assert by["bob"].notes == ["reading the code: MemoryError: a hostile file"]
    report = compare(list(by.values()), template_code(assignment), assignment="toy")
    assert report.not_compared["bob"] == "reading the code: MemoryError: a hostile file"
