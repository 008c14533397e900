"""Notebook submissions through the whole pipeline, in both modes, with the bad input real
classes hand in: each is graded or refused with a clear reason, and the rest of the batch is
unaffected."""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

import pytest

from grader.grade import grade
from grader.models import GradeReport, SubmissionResult
from tests.toycourse import SPEC, make_course, solution

SCALE = 'def scale(x, k):\n    """Multiply x by k."""\n    return k * x'
NORM = "def norm_rows(x):\n    return np.sqrt((x * x).sum(axis=1))"


def notebook(*sources: str, **metadata: object) -> str:
    cells = [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": i, "source": s}
        for i, s in enumerate(sources, start=1)
    ]
    cells.insert(0, {"cell_type": "markdown", "metadata": {}, "source": "# Toy homework"})
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": cells})


def with_notebooks(course: Path, mode: str) -> Path:
    spec = SPEC.replace(
        '[submission]\nfiles = ["ops.py"]\n',
        '[submission]\nfiles = ["ops.py"]\n\n[submission.notebook]\n'
        f'accept = ["ops.ipynb", "toy*.ipynb"]\nmode = "{mode}"\ncell_seconds = 1\nseconds = 20\n',
    )
    assert spec != SPEC
    (course / "assignments/toy/assignment.toml").write_text(spec)
    return course


def write(folder: Path, files: dict[str, str | bytes]) -> None:
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())


COLAB = json.loads(
    notebook(
        "!pip -q install numpy\nimport numpy as np",
        NORM,
        "print(norm_rows(np.ones((2, 2))))",
        SCALE,
    )
)
COLAB["metadata"] = {
    "colab": {"provenance": [], "gpuType": "T4"},
    "widgets": {
        "application/vnd.jupyter.widget-state+json": {"m1": {"model_name": "FloatProgressModel"}}
    },
}
COLAB["cells"][3]["outputs"] = [
    {"output_type": "stream", "name": "stdout", "text": ["[1.414 1.414]\n"]},
    {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo="}, "metadata": {}},
]


@pytest.fixture(scope="module")
def definitions(tmp_path_factory: pytest.TempPathFactory) -> GradeReport:
    root = tmp_path_factory.mktemp("nbdef")
    course = with_notebooks(make_course(root / "course"), "definitions")
    subs = root / "subs"
    crlf_bom = codecs.BOM_UTF8 + solution().replace("\n", "\r\n").encode()
    write(
        subs,
        {
            "ada.ipynb": notebook("import numpy as np", SCALE, NORM),
            # Colab export, solutions pasted out of order, a print and a pip line at top level
            "ben/Copy of toy_hw (1).ipynb": json.dumps(COLAB),
            # the cell defining norm_rows raises when run: only scale can be graded
            "cy/ops.ipynb": notebook(
                "import numpy as np", SCALE, "def norm_rows(x, k=undefined_name):\n    return x"
            ),
            "dee/ops.ipynb": notebook("", "  "),
            "eve/ops.ipynb": '{"cells": [{"cell_type": "code", "source": "x = 1"',
            "fay/ops.py": crlf_bom,
            "gus/first.ipynb": notebook(SCALE),
            "gus/second.ipynb": notebook(SCALE),
            # training at the top level, which definitions mode must not run
            "hal/toy_hw.ipynb": notebook(
                "import numpy as np", SCALE, NORM, "while True:\n    pass"
            ),
        },
    )
    return grade(course, "toy", subs, root / "out", seed=5)


def by_student(report: GradeReport) -> dict[str, SubmissionResult]:
    return {r.student: r for r in report.results}


def test_definitions_mode_grades_notebooks(definitions: GradeReport) -> None:
    results = by_student(definitions)
    assert {s: r.score for s, r in results.items()} == {
        "ada": 6,
        "ben": 6,
        "cy": 3,
        "dee": 0,
        "eve": 0,
        "fay": 6,
        "gus": 0,
        "hal": 6,
    }


def test_renamed_colab_notebook_is_found_and_said(definitions: GradeReport) -> None:
    notes = " | ".join(by_student(definitions)["ben"].notes)
    assert "graded the notebook Copy of toy_hw (1).ipynb in place of ops.py" in notes
    assert "left out top-level code in cell 4" in notes  # the print


def test_a_failing_cell_costs_only_what_it_defines(definitions: GradeReport) -> None:
    cy = by_student(definitions)["cy"]
    assert any("cell 4 (def norm_rows) failed and was skipped (NameError" in n for n in cy.notes)
    failed = [c for c in cy.checks if c.status != "passed"]
    assert {c.name for c in failed} == {"test_norm_rows"}


def test_refusals_name_the_notebook_and_the_fix(definitions: GradeReport) -> None:
    results = by_student(definitions)
    assert "ops.ipynb has no code in it" in (results["dee"].not_gradable_reason or "")
    assert "ops.ipynb is not valid JSON (line 1" in (results["eve"].not_gradable_reason or "")
    assert "found 2 notebooks (first.ipynb, second.ipynb)" in (
        results["gus"].not_gradable_reason or ""
    )


def test_windows_line_endings_and_bom_are_normalised(definitions: GradeReport) -> None:
    fay = by_student(definitions)["fay"]
    assert any("byte-order mark" in n and "line endings" in n for n in fay.notes)


def test_feedback_names_cells(definitions: GradeReport, tmp_path: Path) -> None:
    out = definitions.out_dir
    ada = json.loads((out / "ada" / "result.json").read_text())
    assert ada["checks"][0]["uses"] == ["ops.scale"]
    page = (out / "cy" / "feedback.md").read_text()
    assert "cell 4 (def norm_rows)" in page


@pytest.fixture(scope="module")
def execute(tmp_path_factory: pytest.TempPathFactory) -> GradeReport:
    root = tmp_path_factory.mktemp("nbexec")
    course = with_notebooks(make_course(root / "course"), "execute")
    subs = root / "subs"
    write(
        subs,
        {
            "ada.ipynb": notebook(
                "import numpy as np", SCALE, NORM, "print('trained', scale(2, 3))"
            ),
            "bo.ipynb": notebook("import numpy as np", "name = input('your name? ')", SCALE, NORM),
            "cat.ipynb": notebook("import numpy as np", SCALE, "while True:\n    pass", NORM),
            "dan.ipynb": notebook("import numpy as np", SCALE, "import sys\nsys.exit(0)", NORM),
            "eli.ipynb": notebook("import os\nos._exit(3)", SCALE),
            "fin.ipynb": notebook("import numpy as np", "def scale(x, k):\n    return x", NORM),
        },
    )
    return grade(course, "toy", subs, root / "out", seed=5)


def test_execute_mode_runs_every_cell_and_survives_bad_ones(execute: GradeReport) -> None:
    results = by_student(execute)
    assert {s: r.score for s, r in results.items()} == {
        "ada": 6,
        "bo": 6,
        "cat": 6,
        "dan": 6,
        "eli": 0,
        "fin": 3,
    }
    assert "trained 6" in results["ada"].stdout_tail
    notes = {s: " | ".join(r.notes) for s, r in results.items()}
    assert "cell 3 failed" in notes["bo"] and "input() asks someone to type" in notes["bo"]
    assert re.search(
        r"used \d+ s of CPU time.*, the limit for a cell, and was stopped", notes["cat"]
    )
    assert "sys.exit" in notes["dan"]
    eli = results["eli"]
    assert all(c.status in ("error", "crashed") for c in eli.checks)
    assert "while importing eli.ipynb" in eli.notes[-1] or "eli.ipynb" in eli.checks[0].message
