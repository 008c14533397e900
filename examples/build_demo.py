"""Write the demo classes into ``examples/<assignment>/submissions/``.

Every submission is derived from the reference, a mutant or the template, so the demo never
drifts from the assignment: ``tests/test_demo.py`` fails if the checked-in class differs
from what this script writes. Run it after changing the reference or the mutants::

    python examples/build_demo.py
"""

from __future__ import annotations

import io
import json
import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grader.course import Assignment, load_assignment
from grader.mutants import load_mutants, mutated_source, reference_solution
from grader.notebook.write import notebook_from_modules, notebook_text
from grader.release import template_files

ROOT = Path(__file__).resolve().parent.parent


def out_dir(assignment_id: str) -> Path:
    return ROOT / "examples" / assignment_id / "submissions"


HANG = '''def relu_deriv(post_act: np.ndarray) -> np.ndarray:
    """Derivative of ReLU from its output: 1 where post_act > 0, else 0 (float)."""
    flat = post_act.reshape(-1)
    out = np.zeros(flat.size)
    i = 0
    while i < flat.size:  # i is never advanced: this loop never ends
        if flat[i] > 0:
            out[i] = 1.0
    return out.reshape(post_act.shape)
'''


def _patched(assignment: Assignment, old: str, new: str) -> str:
    text = reference_solution(assignment, "nn.py")
    if text.count(old) != 1:
        sys.exit(f"build_demo: {old[:40]!r} must occur once in the reference; update build_demo.py")
    return text.replace(old, new)


def _relu_deriv_block(text: str) -> str:
    start = text.index("def relu_deriv(")
    end = text.index("\n\n\n", start)
    return text[start : end + 1]


def _template_modules(assignment: Assignment) -> dict[str, str]:
    """The template's ``.py`` files (not its notebook form)."""
    return {rel: text for rel, text in template_files(assignment).items() if rel.endswith(".py")}


def _zip(members: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 1, 12, 0, 0))
            zf.writestr(info, data)
    return buf.getvalue()


def demo_class(assignment: Assignment) -> dict[str, str | bytes]:
    """The nn_numpy demo: relative path under submissions/ -> contents."""
    ref = reference_solution(assignment, "nn.py")
    mutants = {m.name: mutated_source(assignment, m) for m in load_mutants(assignment)}
    files: dict[str, str | bytes] = {
        "ada/nn.py": ref,  # correct
        "ben.zip": _zip(
            {"hw5/nn.py": ref, "hw5/notes.txt": "my notes\n"}
        ),  # correct, zipped in a folder
        "chloe/nn.py": mutants["softmax_without_max"],  # partly wrong
        "dan/nn.py": mutants["batch_size_as_count"],
        "emma/nn.py": mutants["grad_b_first_row"],
        "finn/nn.py": mutants["momentum_sign_flipped"],
        "gia/nn.py": _patched(
            assignment,
            "import numpy as np\n",
            'import numpy as np\n\nTRAIN = np.loadtxt("data/train.csv")  # only on my laptop\n',
        ),
        "hugo/nn.py": ref.replace(_relu_deriv_block(ref), HANG),  # one function never returns
        "iris/nn.py": _patched(
            assignment,
            "    return params, history\n",
            '    print("training done")\n    exit()\n    return params, history\n',
        ),
        "jack/nn.py": _patched(
            assignment,
            "def sigmoid(x: np.ndarray) -> np.ndarray:",
            "def sigmoid(x: np.ndarray) -> np.ndarray",
        ),  # syntax error
        "kim.zip": _zip({}),  # an empty zip
        "leo/nn (1).py": ref,  # the browser renamed the download
        "mia.zip": _zip({"nn.py": ref})[:200],  # a truncated upload
        "noah.zip": _zip({"../nn.py": ref}),  # an unsafe path
        "olga/nn.py": template_files(assignment)["nn.py"],  # the template, untouched
    }
    files.update(notebook_students(assignment, ref, mutants))
    return files


def _notebook(text: str, assignment: Assignment) -> dict[str, Any]:
    nb = notebook_from_modules({"nn.py": text}, handout="# HW5", assignment_id=assignment.id)
    return json.loads(notebook_text(nb))  # type: ignore[no-any-return]


def _cell_index(nb: dict[str, Any], start: str) -> int:
    return next(i for i, c in enumerate(nb["cells"]) if "".join(c["source"]).startswith(start))


def notebook_students(
    assignment: Assignment, ref: str, mutants: dict[str, str]
) -> dict[str, str | bytes]:
    """Students who hand in notebooks: a Colab export, a renamed one with a bug and a
    solution pasted into the wrong cell, one with a broken cell, and an empty one."""
    colab = _notebook(ref, assignment)
    colab["metadata"]["colab"] = {"provenance": [], "gpuType": "T4"}
    colab["metadata"]["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {"3f2a": {"model_name": "FloatProgressModel"}}
    }
    setup = [
        "!pip -q install numpy\n",
        "from google.colab import drive\n",
        "drive.mount('/content/drive')\n",
    ]
    colab["cells"].insert(
        1,
        {
            "cell_type": "code",
            "execution_count": 1,
            "id": "colab-setup",
            "metadata": {},
            "outputs": [],
            "source": setup,
        },
    )
    training = (
        "params = {}\nX = np.load('/content/drive/MyDrive/hw5/train.npy')  # only in my Drive\n"
        "for epoch in range(500):\n    pass  # the long training run, with plots\n"
    )
    colab["cells"].insert(
        -2,
        {
            "cell_type": "code",
            "execution_count": 7,
            "id": "colab-train",
            "metadata": {},
            "outputs": [
                {"output_type": "stream", "name": "stdout", "text": ["epoch 499 acc 0.97\n"]},
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {
                        "image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
                    },
                },
            ],
            "source": training,
        },
    )
    pasted = _notebook(mutants["softmax_without_max"], assignment)
    softmax = _cell_index(pasted, "def softmax")
    moved = pasted["cells"].pop(softmax)  # softmax pasted under the sigmoid cell instead
    pasted["cells"].insert(_cell_index(pasted, "def sigmoid(") + 1, moved)
    broken = _notebook(ref, assignment)
    cell = broken["cells"][_cell_index(broken, "def backwards")]
    cell["source"] = [
        'def backwards(delta, params, name="", activation_deriv=sigmoid_deriv)\n'
    ] + cell["source"][1:]
    empty = _notebook(ref, assignment)
    empty["cells"] = [c for c in empty["cells"] if c["cell_type"] == "markdown"]
    return {
        "pia.ipynb": json.dumps(
            colab, indent=1
        ),  # one notebook file per student, as an LMS gives them
        "quinn/Copy of nn_numpy (1).ipynb": json.dumps(pasted, indent=1),
        "rosa/hw5_final.ipynb": json.dumps(broken, indent=1),
        "sam/nn_numpy.ipynb": json.dumps(empty, indent=1),
    }


# The written answers to backprop_torch's two questions graded by hand ([[manual]] in its
# assignment.toml), as students write them: each section below is one student's answer.
Q1_FULL = r"""## Q1: the Jacobian of softmax

With $S = \sum_k e^{z_k}$ and $s_i = e^{z_i} / S$, the quotient rule gives

$$\frac{\partial s_i}{\partial z_j} = \frac{\delta_{ij} e^{z_i} S - e^{z_i} e^{z_j}}{S^2} = s_i (\delta_{ij} - s_j).$$

So the diagonal is $s_i (1 - s_i)$, everything off it is $-s_i s_j$, and

$$J = \mathrm{diag}(s) - s s^\top.$$
"""
Q1_NO_MATRIX = r"""## Q1

For $i = j$: $\partial s_i / \partial z_i = s_i - s_i^2 = s_i (1 - s_i)$.

For $i \ne j$: $\partial s_i / \partial z_j = -e^{z_i} e^{z_j} / S^2 = -s_i s_j$.
"""
Q1_DIAGONAL_ONLY = r"""## Q1

Each $s_i$ depends on $z_i$, so $\partial s_i / \partial z_i = s_i (1 - s_i)$ and the other
entries are $0$: the Jacobian is $\mathrm{diag}(s (1 - s))$.
"""
Q2_FULL = r"""## Q2: cross-entropy through softmax

Per row, $\partial L / \partial s_i = -\frac{1}{N} Y_i / s_i$. By the chain rule with Q1,

$$\frac{\partial L}{\partial z_j} = \sum_i -\frac{Y_i}{N s_i} s_i (\delta_{ij} - s_j) = \frac{1}{N} \Big(s_j \sum_i Y_i - Y_j\Big) = \frac{s_j - Y_j}{N},$$

since $\sum_i Y_i = 1$. For the batch: $\partial L / \partial z = (s - Y) / N$.
"""
Q2_SIGN = r"""## Q2

$\partial L / \partial z_j = \sum_i \frac{Y_i}{N s_i} s_i (\delta_{ij} - s_j) = (Y_j - s_j) / N$,
so the gradient is $(Y - s) / N$.
"""
Q2_STATED = r"""## Q2

It is the well-known result: the gradient is `probs - onehot`.
"""
DERIVATIONS: dict[str, list[str]] = {
    "ada": [Q1_FULL, Q2_FULL],
    "ben": [Q1_NO_MATRIX, Q2_FULL],
    "chloe": [Q1_DIAGONAL_ONLY, Q2_FULL],
    "dan": [Q1_FULL, Q2_SIGN],
    "emma": [Q1_NO_MATRIX, Q2_STATED],
    "finn": [Q1_FULL, Q2_FULL],
    "hugo": [Q1_NO_MATRIX],  # gia hands in the template untouched: no derivations.md
}


def _derivations(student: str) -> str:
    return "# Written questions\n\n" + "\n".join(DERIVATIONS[student])


def backprop_class(assignment: Assignment) -> dict[str, str | bytes]:
    """The backprop_torch demo: right, wrong in each part, forbidden APIs, untouched, incomplete;
    with the written answers to the questions graded by hand (``derivations.md``)."""
    files = assignment.spec.submission.files
    ref = {f: reference_solution(assignment, f) for f in files}
    by_name = {m.name: m for m in load_mutants(assignment)}

    def mutant(name: str) -> dict[str, str]:
        m = by_name[name]
        return {f: mutated_source(assignment, m) if f == m.file else ref[f] for f in files}

    students: dict[str, dict[str, str]] = {
        "ada": ref,  # correct
        "chloe": mutant("d_softmax_diagonal_only"),  # the classic Jacobian bug
        "dan": mutant("autograd_backward"),  # calls loss.backward(): forbidden in Part B
        "emma": mutant("init_from_nn_linear"),  # builds layers with torch.nn.Linear: forbidden
        "finn": mutant("umd_derivative_from_wrong_cache_entry"),
        "gia": _template_modules(assignment),  # the template, untouched
        "hugo": {f: ref[f] for f in files if f != "umd.py"},  # forgot a file
    }
    for student in students:
        if student in DERIVATIONS:
            students[student] = {**students[student], "derivations.md": _derivations(student)}
    out: dict[str, str | bytes] = {
        f"{s}/{f}": text for s, texts in students.items() for f, text in texts.items()
    }
    zipped = {**ref, "derivations.md": _derivations("ben")}
    out["ben.zip"] = _zip({f"hw1/{f}": text for f, text in zipped.items()})  # zipped in a folder
    return out


# What ``pickle.dump(model, f)`` writes, in miniature: a whole models.BudgetCNN object instead of
# its state_dict. torch.load(weights_only=True) refuses it, and the check says how to save weights.
PICKLED_MODEL = b"\x80\x02cmodels\nBudgetCNN\nq\x00)\x81q\x01}q\x02b."


def cnn_class(assignment: Assignment) -> dict[str, str | bytes]:
    """The cnn_classifiers demo: right, a bug per part, a refused checkpoint, untouched, incomplete."""
    files = assignment.spec.submission.files
    ref = {f: reference_solution(assignment, f) for f in files}
    by_name = {m.name: m for m in load_mutants(assignment)}

    def mutant(name: str) -> dict[str, str]:
        m = by_name[name]
        return {f: mutated_source(assignment, m) if f == m.file else ref[f] for f in files}

    students: dict[str, dict[str, str]] = {
        "ada": ref,  # correct
        "chloe": mutant("no_zero_grad"),  # gradients accumulate: the training checks fall apart
        "dan": mutant("no_eval_in_testing"),  # BatchNorm left in train mode while testing
        "emma": mutant("net_flatten_mixes_batch"),  # a reshape that mixes the examples of a batch
        "finn": mutant("budget_cnn_over_budget"),  # 123,099 parameters
        "gia": ref,  # correct code, but budget_cnn.pt is a pickled model, not weights
        "hugo": _template_modules(assignment),  # the template, untouched
        "iris": {"models.py": ref["models.py"]},  # forgot training.py
    }
    out: dict[str, str | bytes] = {
        f"{s}/{f}": text for s, texts in students.items() for f, text in texts.items()
    }
    out["gia/budget_cnn.pt"] = PICKLED_MODEL
    out["ben.zip"] = _zip({f"hw5/{f}": text for f, text in ref.items()})  # correct, zipped
    return out


# pickle.dump(model, f) of a whole transfer.SmallCNN, in miniature: refused as small_cnn.pt.
PICKLED_SMALL_CNN = b"\x80\x02ctransfer\nSmallCNN\nq\x00)\x81q\x01}q\x02b."


def segmentation_class(assignment: Assignment) -> dict[str, str | bytes]:
    """The segmentation_transfer demo: right, one notable bug each, a refused checkpoint, untouched."""
    files = assignment.spec.submission.files
    ref = {f: reference_solution(assignment, f) for f in files}
    by_name = {m.name: m for m in load_mutants(assignment)}

    def mutant(name: str) -> dict[str, str]:
        m = by_name[name]
        return {f: mutated_source(assignment, m) if f == m.file else ref[f] for f in files}

    students: dict[str, dict[str, str]] = {
        "ada": ref,  # correct
        "ben": mutant("reshape_instead_of_permute"),  # image.reshape(3, 256, 256): the UMD bug
        "chloe": mutant("bilinear_masks"),  # interpolated labels
        "dan": mutant("no_crop"),  # FCN32's output is larger than the image
        "emma": mutant("iou_divides_by_zero"),  # ZeroDivisionError on absent classes
        "finn": mutant("backbone_not_frozen"),  # fine-tuning changes the pretrained weights
        "gia": ref,  # correct code, but small_cnn.pt is a pickled model, not weights
        "hugo": _template_modules(assignment),  # the template, untouched
    }
    out: dict[str, str | bytes] = {
        f"{s}/{f}": text for s, texts in students.items() for f, text in texts.items()
    }
    out["gia/small_cnn.pt"] = PICKLED_SMALL_CNN
    return out


CLASSES: dict[str, Callable[[Assignment], dict[str, str | bytes]]] = {
    "nn_numpy": demo_class,
    "backprop_torch": backprop_class,
    "cnn_classifiers": cnn_class,
    "segmentation_transfer": segmentation_class,
}


def build(assignment_id: str, out: Path | None = None) -> list[Path]:
    """Write one demo class into ``out`` (replacing what is there); return the files."""
    out = out_dir(assignment_id) if out is None else out
    assignment = load_assignment(ROOT, assignment_id)
    if out.exists():
        shutil.rmtree(out)
    written = []
    for rel, data in CLASSES[assignment_id](assignment).items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for assignment_id in CLASSES:
        for p in build(assignment_id):
            print(p.relative_to(ROOT))
