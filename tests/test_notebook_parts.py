"""The notebook pieces on their own: reading, IPython syntax, what definitions mode keeps,
the name rule, the template notebook. Nothing here runs student code."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from grader.course import load_assignment
from grader.models import NotebookSource
from grader.notebook.attach import attach_notebook, normalised_name
from grader.notebook.cells import in_cells
from grader.notebook.extract import build_module
from grader.notebook.magics import clean_cell
from grader.notebook.read import NotebookRefused, parse_notebook
from grader.notebook.write import notebook_from_modules, notebook_text
from grader.release import template_files
from grader.spec import NotebookConfig, SubmissionConfig

REPO = Path(__file__).resolve().parent.parent


def nb_bytes(*sources: str, **extra: object) -> bytes:
    cells = [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": s}
        for s in sources
    ]
    return json.dumps(
        {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells, **extra}
    ).encode()


# -- reading -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "is empty"),
        (b'{"cells": [', "not valid JSON (line 1"),
        (b"[1, 2]", "not an object with cells"),
        (b'{"metadata": {}}', "no list of cells"),
        (b"\xff\xfe{", "not UTF-8"),
        (nb_bytes("", "   \n"), "has no code in it"),
        (nb_bytes()[:-1] + b"", "not valid JSON"),
    ],
)
def test_unreadable_notebooks_are_refused_with_the_fix(data: bytes, words: str) -> None:
    with pytest.raises(NotebookRefused) as info:
        parse_notebook(data, "hw.ipynb")
    assert words in str(info.value)
    assert "hw.ipynb" in str(info.value)


def test_colab_export_with_outputs_and_widgets_reads() -> None:
    colab = json.loads(nb_bytes("import numpy as np", "def f(x):\n    return 2 * x"))
    colab["metadata"] = {
        "colab": {"provenance": []},
        "widgets": {
            "application/vnd.jupyter.widget-state+json": {"a": {"model_name": "IntProgressModel"}}
        },
        "accelerator": "GPU",
    }
    colab["cells"][1]["outputs"] = [
        {
            "output_type": "display_data",
            "data": {
                "image/png": "iVBORw0KGgo=",
                "application/vnd.jupyter.widget-view+json": {"model_id": "a"},
            },
            "metadata": {},
        }
    ]
    colab["cells"][1]["source"] = ["def f(x):\n", "    return 2 * x"]  # a list of lines, as saved
    parsed = parse_notebook(json.dumps(colab).encode(), "hw.ipynb")
    assert [c.source for c in parsed.code_cells] == [
        "import numpy as np",
        "def f(x):\n    return 2 * x",
    ]


def test_duplicate_cell_ids_are_a_note_not_a_refusal() -> None:
    raw = json.loads(nb_bytes("x = 1", "y = 2"))
    for cell in raw["cells"]:
        cell["id"] = "same"
    parsed = parse_notebook(json.dumps(raw).encode(), "hw.ipynb")
    assert len(parsed.code_cells) == 2
    assert any("share the id 'same'" in n for n in parsed.notes)


def test_nbformat3_notebooks_read() -> None:
    v3 = {
        "nbformat": 3,
        "worksheets": [{"cells": [{"cell_type": "code", "input": "def f():\n    return 1"}]}],
    }
    assert (
        parse_notebook(json.dumps(v3).encode(), "old.ipynb")
        .code_cells[0]
        .source.startswith("def f")
    )


# -- IPython syntax ---------------------------------------------------------------------------


def test_line_magics_become_pass_keeping_line_numbers() -> None:
    clean = clean_cell(
        "%matplotlib inline\n!pip install torch\nfiles = !ls\nx = 1\nnp.sum?\nif x:\n    %time y = 2"
    )
    assert clean.text.split("\n") == ["pass", "pass", "pass", "x = 1", "pass", "if x:", "    pass"]
    assert clean.removed[0] == "%matplotlib inline"


def test_cell_magics_skip_the_cell_except_timing() -> None:
    assert clean_cell("%%bash\nls -l").skipped == "a %%bash cell"
    assert clean_cell("%%time\nx = 1").text == "pass\nx = 1"


# -- definitions mode ---------------------------------------------------------------------


def test_definitions_mode_keeps_what_functions_need_and_drops_work() -> None:
    nb = parse_notebook(
        nb_bytes(
            "import numpy as np\nfrom grader import check",
            "LR = 0.1\nscale = np.float64(3)\ndata = np.load('train.npz')\nmodel = object()",
            "def f(x):\n    return x * scale * LR",
            "for i in range(10**9):\n    pass\nlosses = f(model)",
            "if __name__ == '__main__':\n    f(1)",
            "try:\n    import google.colab\n    IN_COLAB = True\nexcept ImportError:\n    IN_COLAB = False",
        ),
        "hw.ipynb",
    )
    module = build_module(nb, "definitions")
    kept = module.source
    assert "scale = np.float64(3)" in kept  # read by f, so kept though it calls
    assert "LR = 0.1" in kept  # a constant
    assert "np.load" not in kept and "object()" not in kept  # calls nothing kept needs
    assert "range(10**9)" not in kept and "__main__" not in kept
    assert "IN_COLAB = True" in kept  # a try of imports and constants
    assert "check" not in kept  # the self-check cell is not graded
    assert module.definitions["f"].cell == 3
    assert any("left out top-level code in cells 2, 4 and 5" in n for n in module.notes)
    compile(kept, "hw.py", "exec")


def _kept(*cells: str) -> str:
    return build_module(parse_notebook(nb_bytes(*cells), "hw.ipynb"), "definitions").source


def test_a_training_call_stays_out_even_when_a_later_alias_reads_it() -> None:
    """Is ``losses = train(...)`` left out although a later cell aliases its result, and is
    the alias left out with it (it would fail without the training call)?"""
    kept = _kept(
        "import numpy as np",
        "def train(steps):\n    return [1.0 / (s + 1) for s in range(steps)]",
        "losses = train(10**9)",
        "final_loss = losses",
    )
    assert "def train" in kept
    assert "train(10**9)" not in kept and "final_loss" not in kept
    compile(kept, "hw.py", "exec")


@pytest.mark.parametrize(
    ("cells", "kept", "dropped"),
    [
        # a constant computed with a numpy call, read by a function: kept
        (
            ["import numpy as np", "SCALE = np.sqrt(2.0)", "def f(x):\n    return SCALE * x"],
            ["SCALE = np.sqrt(2.0)", "def f"],
            [],
        ),
        # a call to the student's function: dropped, even when a function reads its result
        (
            ["def my_function(n):\n    return n", "x = my_function(3)", "def g():\n    return x"],
            ["def my_function", "def g"],
            ["x = my_function(3)"],
        ),
        # the student's class, built at the top level and used in a call: dropped
        (
            ["class Net:\n    pass", "model = Net()", "out = list(map(model, [1]))"],
            ["class Net"],
            ["model = Net()", "map(model"],
        ),
        # plain constants and an alias of a kept constant: kept
        (["LR = 0.1", "HIDDEN = [64, 32]", "BASE_LR = LR"], ["LR = 0.1", "HIDDEN", "BASE_LR"], []),
        # the student's function passed by name, not called: kept
        (["def relu(x):\n    return x", "ACTIVATION = relu"], ["ACTIVATION = relu"], []),
    ],
)
def test_definitions_mode_keeps_definitions_and_drops_calls_into_student_code(
    cells: list[str], kept: list[str], dropped: list[str]
) -> None:
    source = _kept(*cells)
    assert all(text in source for text in kept), source
    assert not any(text in source for text in dropped), source


def test_execute_mode_keeps_every_cell_and_maps_lines_back() -> None:
    nb = parse_notebook(
        nb_bytes("x = 1\ny = 2", "def broken(:", "def f():\n    return 1 / 0"), "hw.ipynb"
    )
    module = build_module(nb, "execute")
    assert [u.cell for u in module.units] == [1, 3]
    assert any("cell 2 has a syntax error" in n for n in module.notes)
    line = module.source.split("\n").index("    return 1 / 0") + 1
    source = NotebookSource(
        notebook="hw.ipynb",
        file="hw.py",
        modules=["hw"],
        mode="execute",
        units=module.units,
        unit_seconds=1,
        seconds=5,
    )
    assert source.cell_of(line) == (3, 2)
    tb = f'  File "hw.py", line {line}, in f\n  File "other.py", line 3, in g\n'
    assert (
        in_cells(tb, source)
        == '  File "hw.ipynb", cell 3, line 2, in f\n  File "other.py", line 3, in g\n'
    )


def test_a_later_definition_wins_with_a_note() -> None:
    nb = parse_notebook(
        nb_bytes("def f():\n    return 1", "x = 5", "def f():\n    return 2"), "hw.ipynb"
    )
    module = build_module(nb, "definitions")
    assert module.definitions["f"].cell == 3
    assert any("the last one (cell 3)" in n for n in module.notes)


# -- the name rule ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "hw5.ipynb",
        "HW5.ipynb",
        "Copy of hw5.ipynb",
        "hw5 (1).ipynb",
        "hw5 copy.ipynb",
        "sub/Hw5(2).ipynb",
    ],
)
def test_forgiving_names(name: str) -> None:
    assert normalised_name(name) == "hw5.ipynb"


def config(*accept: str) -> SubmissionConfig:
    return SubmissionConfig(files=["ops.py"], notebook=NotebookConfig(accept=list(accept)))


def test_pick_rules(tmp_path: Path) -> None:
    (tmp_path / "a.ipynb").write_bytes(nb_bytes("def scale(x, k):\n    return k * x"))
    (tmp_path / "b.ipynb").write_bytes(nb_bytes("x = 1"))
    notes: list[str] = []
    source, _, refusal = attach_notebook(
        config("ops.ipynb"), tmp_path, ["a.ipynb", "b.ipynb"], notes
    )
    assert source is None and refusal is not None and "none is named ops.ipynb" in refusal
    source, where, refusal = attach_notebook(
        config("a*.ipynb"), tmp_path, ["a.ipynb", "b.ipynb"], notes
    )
    assert refusal is None and source is not None and source.notebook == "a.ipynb"
    assert where["ops.scale"].cell == 1 and (tmp_path / "ops.py").is_file()
    notes.clear()
    (tmp_path / "ops.py").write_text("def scale(x, k):\n    return k * x\n")
    source, _, _ = attach_notebook(config("ops.ipynb"), tmp_path, ["ops.py", "a.ipynb"], notes)
    assert source is None and ".py files come first" in notes[0]


def test_a_finished_notebook_beats_untouched_py_stubs(tmp_path: Path) -> None:
    """The template holds ops.py and a notebook; a student who worked in the notebook hands
    in both, and the stubs left in ops.py must not be what gets graded."""
    stub = 'def scale(x, k):\n    raise NotImplementedError("scale: your code here")\n'
    (tmp_path / "ops.py").write_text(stub)
    (tmp_path / "ops.ipynb").write_bytes(nb_bytes("def scale(x, k):\n    return k * x"))
    notes: list[str] = []
    source, _, refusal = attach_notebook(
        config("ops.ipynb"), tmp_path, ["ops.py", "ops.ipynb"], notes
    )
    assert refusal is None and source is not None and source.modules == ["ops"]
    assert "graded ops.ipynb instead of ops.py" in notes[0]
    assert "return k * x" in (tmp_path / "ops.py").read_text()


def test_only_notebook_is_taken_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "final.ipynb").write_bytes(nb_bytes("def scale(x, k):\n    return k * x"))
    notes: list[str] = []
    source, _, refusal = attach_notebook(config("ops.ipynb"), tmp_path, ["final.ipynb"], notes)
    assert refusal is None and source is not None
    assert "the only notebook handed in" in notes[0]


# -- the template notebook -----------------------------------------------------------------


def test_template_notebook_is_valid_and_deterministic() -> None:
    assignment = load_assignment(REPO, "backprop_torch")
    text = template_files(assignment)["backprop_torch.ipynb"]
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    sources = ["".join(c.source) for c in nb.cells]
    assert "Backpropagation in torch" in sources[0]
    assert any(s.startswith("class FullyConnectedNetwork") for s in sources)
    assert 'check("backprop_torch")' in sources[-1]
    assert sum("NotImplementedError" in s for s in sources) >= 10
    assert text == template_files(assignment)["backprop_torch.ipynb"]


def test_notebook_text_round_trips() -> None:
    nb = notebook_from_modules(
        {"m.py": "import os\n\n\ndef f():\n    return 1\n"}, handout="# T", assignment_id="x"
    )
    again = nbformat.reads(notebook_text(nb), as_version=4)
    assert ["".join(c.source) for c in again.cells][1:4] == [
        "import os",
        "### `f` (function)",
        "def f():\n    return 1",
    ]
