"""Fuzzing what a student hands in: does any notebook, zip or folder make load() raise?

The property: :func:`grader.load.load` returns a :class:`LoadedSubmission` for whatever it
is given (graded, or not gradable with a reason), never raises, and leaves nothing outside
its scratch folder. The notebook reader and the module builder it calls are fuzzed on their
own too. A few dozen examples each run in the default suite; ``-m slow`` runs thousands.
"""

from __future__ import annotations

import io
import json
import tempfile
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.course import Assignment, load_assignment
from grader.load import load
from grader.models import LoadedSubmission, Submission
from grader.notebook.extract import build_module
from grader.notebook.read import MAX_JSON_VALUES, NotebookRefused, parse_notebook
from tests.toycourse import make_course, solution

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")

FAST = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
SLOW = settings(
    max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)

# -- hostile building blocks ---------------------------------------------------------------

HOSTILE = [
    "+".join(["x"] * 20_000),  # deep left-nested BinOp
    "(" * 300 + "1" + ")" * 300,  # too many parentheses for the parser
    "[" * 5000 + "]" * 5000,
    "not " * 5000 + "x",
    "if " + " + ".join(["a"] * 5000) + ' == "__main__":\n    pass',
    "lambda: " * 2000 + "0",
    "x = 1\x00\n",
    "\ufeffdef f():\n\treturn 1\n",
    "def f(:\n",
    "%%bash\nrm -rf /\n",
    "!pip install torch\n",
    "class A(" + "B," * 3000 + "C): pass",
    "def f():\n" + "".join(f"{'    ' * (i + 1)}if x:\n" for i in range(150)) + " " * 604 + "pass",
    "f'" + "{" * 200 + "x" + "}" * 200 + "'",
    "\r\n".join(["import numpy as np"] * 3) + "\r",
    "\udc80 = 1",
    solution(),
]
HOSTILE_SOURCE = st.sampled_from(HOSTILE)
SOURCE = st.one_of(st.text(max_size=300), HOSTILE_SOURCE)
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=40))
JSON = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=30,
)
CELL = st.one_of(
    st.fixed_dictionaries(
        {
            "cell_type": st.sampled_from(["code", "markdown", "raw", "heading", "weird", 3]),
            "source": st.one_of(SOURCE, st.lists(SOURCE, max_size=3), JSON),
        },
        optional={"id": st.one_of(st.text(max_size=5), st.integers()), "outputs": JSON},
    ),
    JSON,
)
NOTEBOOK = st.fixed_dictionaries(
    {"cells": st.one_of(st.lists(CELL, max_size=6), JSON)},
    optional={"nbformat": st.sampled_from([3, 4, "4", None]), "worksheets": JSON},
)


def deep_json(depth: int) -> str:
    return '{"cells": ' + "[" * depth + "]" * depth + "}"


NOTEBOOK_BYTES = st.one_of(
    NOTEBOOK.map(lambda nb: json.dumps(nb).encode()),
    st.binary(max_size=200),
    st.integers(100, 100_000).map(lambda depth: deep_json(depth).encode()),
    st.just(
        b"\xef\xbb\xbf" + json.dumps({"cells": [{"cell_type": "code", "source": "x"}]}).encode()
    ),
)

SEGMENT = st.one_of(
    st.sampled_from(["ops.py", "hw", "..", ".", "", "__MACOSX", ".git", "C:", "a\\b", "ops.PY"]),
    st.text(min_size=1, max_size=20).filter(lambda s: "\x00" not in s),
    st.just("x" * 300),
)
MEMBER_NAME = st.one_of(
    st.lists(SEGMENT, min_size=1, max_size=6).map("/".join),
    st.integers(60, 2000).map(lambda depth: "d/" * depth + "f.py"),
    st.just("/etc/passwd"),
)
MEMBER_DATA = st.one_of(st.binary(max_size=300), SOURCE.map(lambda s: s.encode("utf-8", "replace")))


# -- the properties ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> Assignment:
    course = make_course(tmp_path_factory.mktemp("course"))
    accept = '\n[submission.notebook]\naccept = ["toy.ipynb"]\n\n[limits]'
    spec = course / "assignments/toy/assignment.toml"
    spec.write_text(spec.read_text().replace("\n[limits]", accept, 1))
    return load_assignment(course, "toy")


def loaded(assignment: Assignment, make: Callable[[Path], Submission]) -> LoadedSubmission:
    """load() on what ``make`` writes into a fresh folder; nothing may appear beside it."""
    with tempfile.TemporaryDirectory() as root:
        base = Path(root)
        (base / "subs").mkdir()
        submission = make(base / "subs")
        scratch = base / "scratch"
        scratch.mkdir()
        result = load(submission, assignment.spec, scratch, provided=assignment.provided_files())
        assert {p.name for p in scratch.iterdir()} <= {submission.student}
        assert {p.name for p in base.iterdir()} == {"subs", "scratch"}
        return result


def check_notebook_bytes(data: bytes) -> None:
    try:
        parsed = parse_notebook(data, "toy.ipynb")
    except NotebookRefused as exc:
        assert str(exc).startswith("toy.ipynb")
        return
    for mode in ("definitions", "execute"):
        build_module(parsed, mode)  # type: ignore[arg-type]


def check_notebook_load(assignment: Assignment, data: bytes) -> None:
    def make(subs: Path) -> Submission:
        (subs / "toy.ipynb").write_bytes(data)
        return Submission(student="toy", path=subs / "toy.ipynb", kind="notebook")

    result = loaded(assignment, make)
    assert result.gradable or result.not_gradable


def check_zip_load(assignment: Assignment, members: list[tuple[str, bytes]], cut: int) -> None:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")  # "Duplicate name": a zip may hold one name twice
        for name, data in members:
            try:
                archive.writestr(name, data)
            except (ValueError, UnicodeEncodeError, IndexError):
                pass  # a name zipfile itself refuses to write (IndexError: "")
    raw = buffer.getvalue()
    raw = raw[: len(raw) - cut] if 0 < cut < len(raw) else raw  # a truncated download

    def make(subs: Path) -> Submission:
        (subs / "s.zip").write_bytes(raw)
        return Submission(student="s", path=subs / "s.zip", kind="zip")

    result = loaded(assignment, make)
    assert result.gradable or result.not_gradable


def check_folder_load(assignment: Assignment, members: list[tuple[str, bytes]]) -> None:
    def make(subs: Path) -> Submission:
        top = subs / "s"
        top.mkdir()
        for name, data in members:
            parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
            if not parts or len(parts) > 80 or any(len(p.encode()) > 255 for p in parts):
                continue
            target = top.joinpath(*parts)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            except (OSError, UnicodeEncodeError):
                pass  # a file and a folder of one name, or a name the disk refuses
        return Submission(student="s", path=top, kind="directory")

    result = loaded(assignment, make)
    assert result.gradable or result.not_gradable


# -- the tests: a few dozen examples by default, thousands under -m slow --------------------

MEMBERS = st.lists(st.tuples(MEMBER_NAME, MEMBER_DATA), max_size=6)


def as_notebook(*sources: str) -> bytes:
    cells = [{"cell_type": "code", "source": source} for source in sources]
    return json.dumps({"nbformat": 4, "cells": cells}).encode()


@pytest.mark.parametrize("index", range(len(HOSTILE)))
def test_each_hostile_cell_is_read_and_loaded(toy: Assignment, index: int) -> None:
    """Every hostile cell, beside a solution, through the reader, the builder and load()."""
    data = as_notebook(solution(), HOSTILE[index])
    check_notebook_bytes(data)
    check_notebook_load(toy, data)
    check_zip_load(toy, [("ops.py", HOSTILE[index].encode("utf-8", "replace"))], 0)


@FAST
@given(NOTEBOOK_BYTES)
def test_notebook_reader_and_builder_only_refuse(data: bytes) -> None:
    """Do parse_notebook and build_module take any bytes, refusing only with NotebookRefused?"""
    check_notebook_bytes(data)


@FAST
@given(data=NOTEBOOK_BYTES)
def test_any_notebook_loads_or_is_not_gradable(toy: Assignment, data: bytes) -> None:
    """Does load() return a result for any notebook handed in as the whole submission?"""
    check_notebook_load(toy, data)


@FAST
@given(members=MEMBERS, cut=st.integers(0, 40))
def test_any_zip_loads_or_is_not_gradable(
    toy: Assignment, members: list[tuple[str, bytes]], cut: int
) -> None:
    """Does load() return a result for any zip: hostile names, depths, contents, truncation?"""
    check_zip_load(toy, members, cut)


@FAST
@given(members=MEMBERS)
def test_any_folder_loads_or_is_not_gradable(
    toy: Assignment, members: list[tuple[str, bytes]]
) -> None:
    """Does load() return a result for any folder of hostile names and contents?"""
    check_folder_load(toy, members)


@pytest.mark.slow
@SLOW
@given(data=NOTEBOOK_BYTES, members=MEMBERS, cut=st.integers(0, 40))
def test_inputs_long_run(
    toy: Assignment, data: bytes, members: list[tuple[str, bytes]], cut: int
) -> None:
    """The four properties above, with thousands of examples."""
    check_notebook_bytes(data)
    check_notebook_load(toy, data)
    check_zip_load(toy, members, cut)
    check_folder_load(toy, members)


@pytest.mark.parametrize("value", ["{}", "[]", "0", '"a"'])
def test_reading_a_notebook_costs_bounded_memory(value: str) -> None:
    """Is a notebook of millions of tiny values refused before it is parsed, and does the
    largest one allowed stay under 200 MB in the grader's process?"""
    import tracemalloc

    def junk(n: int) -> bytes:
        cells = '[{"cell_type": "code", "source": "x = 1"}]'
        return f'{{"cells": {cells}, "metadata": {{"j": [{",".join([value] * n)}]}}}}'.encode()

    with pytest.raises(NotebookRefused, match="clear the outputs"):
        parse_notebook(junk(MAX_JSON_VALUES + 1), "big.ipynb")
    per_value = 1 + value.count("{") + value.count("[")  # its comma, and its brace if any
    tracemalloc.start()
    try:
        parse_notebook(junk(MAX_JSON_VALUES // per_value - 10), "big.ipynb")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200 * 2**20, f"{peak / 2**20:.0f} MB"


def test_a_zip_with_a_huge_directory_is_refused_before_it_is_read(toy: Assignment) -> None:
    """100,000 empty entries (a directory zipfile would read into memory whole): refused
    from the end-of-directory record, fast, with the reason."""
    import time

    def make(subs: Path) -> Submission:
        with zipfile.ZipFile(subs / "many.zip", "w") as archive:
            archive.writestr("ops.py", solution())
            for i in range(100_000):
                archive.writestr(f"{i}", b"")
        return Submission(student="many", path=subs / "many.zip", kind="zip")

    started = time.monotonic()
    result = loaded(toy, make)
    assert "more than 65,000 entries" in (result.not_gradable or ""), result.not_gradable
    assert time.monotonic() - started < 20


def test_a_notebook_of_too_many_cells_is_refused() -> None:
    """Every code cell is parsed in the grader's process: a cap keeps that bounded."""
    from grader.notebook.read import MAX_CELLS

    with pytest.raises(NotebookRefused, match="10,001 cells, more than the 10,000"):
        parse_notebook(as_notebook(*["x = 1"] * (MAX_CELLS + 1)), "many.ipynb")
    assert len(parse_notebook(as_notebook(*["x = 1"] * MAX_CELLS), "ok.ipynb").cells) == MAX_CELLS
