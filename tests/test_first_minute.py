"""The student's first minute: the template notebook installs the grader in its first code
cell (from the spec's ``[student] grader_source``) and self-checks in its last; grading skips
the install cell; ``grader check`` names the functions no public check covers and
``--details`` says where to look."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Literal

import pytest

from grader.course import Assignment, load_assignment
from grader.errors import SpecError
from grader.markers import solution_text
from grader.notebook.extract import build_module
from grader.notebook.master import read_master, student_notebook
from grader.notebook.read import parse_notebook
from grader.notebook.template import notebook_template
from grader.notebook.write import (
    INSTALL_PLACEHOLDER,
    install_cell,
    notebook_from_modules,
    notebook_text,
)
from grader.selfcheck.coverage import (
    name_digests,
    recorded_functions,
    uncovered,
    written_by_student,
    written_functions,
)
from grader.selfcheck.run import self_check
from grader.selfcheck.show import details, plain
from grader.spec import StudentConfig, load_spec

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.parent.name for p in (REPO / "student_template").glob("*/*.ipynb"))
SOURCE = "git+https://github.com/course/grader@v1"
# pip would fail on this: were the cell run at grading, the notebook could not be graded
NEVER = "file:///nonexistent/dl-grader-never-installed"

SPEC = """
id = "toy"
title = "Toy"
[submission]
files = ["nn.py"]
[[parts]]
name = "A"
checks = { test_a = 2 }
"""


def _source(cell: dict[str, Any]) -> str:
    return "".join(cell["source"])


def _with_source(assignment: Assignment, source: str) -> Assignment:
    spec = assignment.spec.model_copy(update={"student": StudentConfig(grader_source=source)})
    return assignment.model_copy(update={"spec": spec})


# -- the spec key ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source, requirement",
    [
        (SOURCE, f"dl-grader @ {SOURCE}"),
        ("https://example.org/dl_grader-1.0-py3-none-any.whl", "dl-grader @ https://"),
        ("==1.4", "dl-grader==1.4"),
    ],
)
def test_grader_source_becomes_a_pip_requirement(
    tmp_path: Path, source: str, requirement: str
) -> None:
    path = tmp_path / "toy" / "assignment.toml"
    path.parent.mkdir()
    path.write_text(SPEC + f'[student]\ngrader_source = "{source}"\n')
    spec = load_spec(path)
    assert spec.student is not None
    assert (spec.student.requirement() or "").startswith(requirement)


@pytest.mark.parametrize(
    "source",
    [
        "git+https://github.com/<course>/<grader-repo>",  # the placeholder, never filled in
        "pip install dl-grader",
        "dl-grader",
        "github.com/course/grader",
        'https://x.org/a.whl"; rm -rf ~',
    ],
)
def test_bad_grader_source_fails_naming_the_key_and_the_fix(tmp_path: Path, source: str) -> None:
    path = tmp_path / "toy" / "assignment.toml"
    path.parent.mkdir()
    path.write_text(SPEC + f"[student]\ngrader_source = {json.dumps(source)}\n")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    message = str(info.value)
    assert "student.grader_source" in message and "git+https://" in message


def test_no_student_section_is_no_key(tmp_path: Path) -> None:
    path = tmp_path / "toy" / "assignment.toml"
    path.parent.mkdir()
    path.write_text(SPEC)
    assert load_spec(path).student is None


# -- the cells ------------------------------------------------------------------------------


def test_install_cell_installs_the_course_source_with_no_extras() -> None:
    text = _source(install_cell(f"dl-grader @ {SOURCE}"))
    assert f'%pip install -q "dl-grader @ {SOURCE}"' in text
    assert "[" not in text.split("%pip", 1)[1]  # the core only


def test_without_a_source_the_cell_leaves_the_line_to_the_instructor() -> None:
    cell = install_cell(None)
    text = _source(cell)
    assert cell["cell_type"] == "code"
    assert all(line.startswith("#") for line in text.splitlines())  # runs nothing
    assert INSTALL_PLACEHOLDER in text and "instructions" in text
    assert "github.com" not in text  # no invented URL


@pytest.mark.parametrize("assignment_id", NOTEBOOKS)
def test_released_template_installs_first_and_checks_last(assignment_id: str) -> None:
    nb = json.loads(
        (REPO / "student_template" / assignment_id / f"{assignment_id}.ipynb").read_text()
    )
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code[0] == {**install_cell(None), "id": code[0]["id"]}
    assert nb["cells"][-1]["cell_type"] == "code"
    assert _source(nb["cells"][-1]) == f'from grader import check\n\ncheck("{assignment_id}")'


def test_master_template_gets_the_spec_source_before_any_other_code() -> None:
    assignment = _with_source(load_assignment(REPO, "nn_numpy"), SOURCE)
    master = read_master(assignment)
    assert master is not None
    nb = json.loads(student_notebook(assignment, master))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert f'%pip install -q "dl-grader @ {SOURCE}"' in _source(code[0])
    assert "check(" in _source(nb["cells"][-1])


def test_py_template_notebook_gets_the_spec_source_first() -> None:
    assignment = _with_source(load_assignment(REPO, "backprop_torch"), "==2.0")
    stubs = {
        n: (assignment.template_dir / n).read_text()
        for n in assignment.spec.submission.files
        if (assignment.template_dir / n).is_file()
    }
    nb = json.loads(notebook_template(assignment, stubs)["backprop_torch.ipynb"])
    assert nb["cells"][0]["cell_type"] == "markdown"
    assert _source(nb["cells"][1]).endswith('%pip install -q "dl-grader==2.0"')


# -- grading skips the install cell ---------------------------------------------------------


@pytest.mark.parametrize("mode", ["definitions", "execute"])
def test_the_install_line_never_reaches_the_graded_module(
    mode: Literal["definitions", "execute"],
) -> None:
    nb = notebook_from_modules(
        {"nn.py": "def f(x):\n    return x\n"},
        handout="# hw",
        assignment_id="toy",
        install=install_cell(f"dl-grader @ {NEVER}"),
    )
    module = build_module(parse_notebook(notebook_text(nb).encode(), "toy.ipynb"), mode)
    assert "pip" not in module.source and NEVER not in module.source
    assert "def f(x):" in module.source and "check(" not in module.source


def _nn_numpy_notebook(tmp_path: Path, nb: dict[str, Any]) -> Path:
    folder = tmp_path / "nn_numpy"
    folder.mkdir()
    shutil.copytree(REPO / "student_template/nn_numpy/.grader", folder / ".grader")
    path = folder / "nn_numpy.ipynb"
    path.write_text(notebook_text(nb))
    return path


def test_template_with_a_real_install_cell_grades_zero(tmp_path: Path) -> None:
    """The released template, its install cell pointed at a source pip cannot install, still
    loads and grades 0: the cell never runs."""
    nb = json.loads((REPO / "student_template/nn_numpy/nn_numpy.ipynb").read_text())
    first = next(c for c in nb["cells"] if c["cell_type"] == "code")
    first["source"] = install_cell(f"dl-grader @ {NEVER}")["source"]
    report = self_check(_nn_numpy_notebook(tmp_path, nb), "nn_numpy")
    assert report.result.gradable and report.result.score == 0
    assert report.checked.startswith("the saved notebook")
    assert not any("pip" in note for note in report.result.notes)


def test_filled_notebook_with_the_install_cell_gets_full_marks(tmp_path: Path) -> None:
    reference = solution_text((REPO / "reference/nn_numpy/nn.py").read_text())
    nb = notebook_from_modules(
        {"nn.py": reference},
        handout="# hw",
        assignment_id="nn_numpy",
        install=install_cell(f"dl-grader @ {NEVER}"),
    )
    nb["cells"].insert(2, {**install_cell(None), "source": ["def my_helper():\n", "    pass"]})
    report = self_check(_nn_numpy_notebook(tmp_path, nb), "nn_numpy")
    assert report.result.max_score > 0
    assert report.result.score == report.result.max_score
    assert report.uncovered == [
        "nn.sigmoid_deriv",
        "nn.linear_deriv",
        "nn.relu",
        "nn.relu_deriv",
        "nn.momentum_step",
    ]


# -- coverage and "Look at" -----------------------------------------------------------------


def test_written_functions_are_the_reference_functions_with_a_solution_region() -> None:
    found = written_functions(load_assignment(REPO, "nn_numpy"))
    assert found[:2] == ["nn.initialize_weights", "nn.sigmoid"]
    assert "nn.train_mlp" in found and all(f.startswith("nn.") for f in found)


def test_the_bundle_names_no_function_and_a_student_helper_is_not_listed() -> None:
    manifest = (REPO / "student_template/nn_numpy/.grader/bundle.json").read_text()
    assert "train_mlp" not in manifest and "momentum_step" not in manifest
    digests = json.loads(manifest)["written"]
    assert digests == name_digests("nn_numpy", written_functions(load_assignment(REPO, "nn_numpy")))
    defined = ["nn.my_helper", "nn.train_mlp", "nn.sigmoid"]
    assert written_by_student("nn_numpy", defined, digests) == ["nn.train_mlp", "nn.sigmoid"]
    assert written_by_student("other", defined, digests) == []


def test_recordings_cover_what_a_check_calls_after_a_stub_stops_it() -> None:
    folder = REPO / "student_template/nn_numpy/.grader/recordings"
    recorded = recorded_functions({p.name: p.read_bytes() for p in folder.glob("*.rec")})
    assert "nn.backwards" in recorded  # the check stops at forward on the template
    assert recorded_functions({"bad.rec": b"not a recording"}) == set()


def test_uncovered_keeps_the_order_and_drops_what_was_used() -> None:
    from grader.models import CheckResult

    check = CheckResult(
        name="test_a",
        visibility="public",
        status="failed",
        part="A",
        points=0,
        max_points=1,
        uses=["nn.b"],
    )
    assert uncovered(["nn.a", "nn.b", "nn.c"], [check], recorded=["nn.c"]) == ["nn.a"]


def test_check_on_the_template_names_uncovered_functions_and_where_to_look() -> None:
    report = self_check(REPO / "student_template/nn_numpy", "nn_numpy")
    assert report.result.score == 0
    assert report.uncovered and "nn.momentum_step" in report.uncovered
    assert "nn.backwards" not in report.uncovered and "nn.forward" not in report.uncovered
    text = plain(report)
    assert f"not covered by any public check: {', '.join(report.uncovered)} (the hidden" in text
    shown = details(report)
    assert "  Look at: sgd_step (nn.py, line " in shown
    failed = [c for c in report.result.checks if c.status != "passed"]
    assert shown.count("Look at: ") == sum(bool(c.where) for c in failed) == len(failed)


def test_grader_check_details_at_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from grader.cli import app

    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(
        app, ["check", str(REPO / "student_template/nn_numpy"), "--details"]
    )
    assert result.exit_code == 0, result.output
    assert "not covered by any public check: nn.sigmoid_deriv" in result.output
    assert "Look at: train_mlp (nn.py, line " in result.output


def test_the_last_cell_runs_and_prints_the_uncovered_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The template's last cell, run in the template's folder, prints the table and hints."""
    folder = tmp_path / "nn_numpy"
    shutil.copytree(REPO / "student_template/nn_numpy", folder)
    nb = json.loads((folder / "nn_numpy.ipynb").read_text())
    code = _source(nb["cells"][-1]).replace(
        'check("nn_numpy")', f'check("nn_numpy", {str(folder)!r})'
    )
    exec(compile(code, "last-cell", "exec"), {})  # noqa: S102 - the template's own cell
    shown = capsys.readouterr().out
    assert "total 0 / " in shown and "not covered by any public check: nn.sigmoid_deriv" in shown
