"""Write the demo class for ``nn_numpy`` into ``examples/nn_numpy/submissions/``.

Every submission is derived from the reference, a mutant or the template, so the demo never
drifts from the assignment: ``tests/test_demo.py`` fails if the checked-in class differs
from what this script writes. Run it after changing the reference or the mutants::

    python examples/build_demo.py
"""

from __future__ import annotations

import io
import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

from grader.course import Assignment, load_assignment
from grader.mutants import load_mutants, mutated_source, reference_solution
from grader.release import template_files

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "examples" / "nn_numpy" / "submissions"

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


def _zip(members: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 1, 12, 0, 0))
            zf.writestr(info, data)
    return buf.getvalue()


def demo_class(assignment: Assignment) -> dict[str, str | bytes]:
    """Relative path under submissions/ -> contents, for every file of the demo class."""
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
    return files


def build(out: Path = OUT) -> list[Path]:
    """Write the demo class into ``out`` (replacing what is there); return the files."""
    assignment = load_assignment(ROOT, "nn_numpy")
    if out.exists():
        shutil.rmtree(out)
    written = []
    for rel, data in demo_class(assignment).items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        write: Callable[[str | bytes], int] = (
            path.write_bytes if isinstance(data, bytes) else path.write_text
        )  # type: ignore[assignment]
        write(data)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in build():
        print(p.relative_to(ROOT))
