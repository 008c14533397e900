"""Write the similarity demo into ``examples/similarity/nn_numpy/``.

The graded demo classes are the reference with one bug each, so every pair of them shares
nearly all its code. Here the students are the assignment's independent correct
implementations (``assignments/nn_numpy/alternatives/*``, written apart), plus two planted
copies: one with its local names renamed, its comments rewritten and its layout changed, and
one with only comments and blank lines changed. ``grader similarity`` should put the two
planted pairs on top and every independent pair well below them.
"""

from __future__ import annotations

import ast
import io
import shutil
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALTERNATIVES = ROOT / "assignments" / "nn_numpy" / "alternatives"
OUT = ROOT / "examples" / "similarity" / "nn_numpy"

STUDENTS = {  # student -> the alternative they wrote
    "ada": "loops_float32",
    "ben": "momentum_mean_grad",
    "chloe": "numpy_scalars_inplace",
    "dan": "rng_helpers",
    "emma": "tanh_logsumexp",
}
DISGUISED = ("finn", "dan")  # finn hands in dan's work, renamed and reformatted
RECOMMENTED = ("gia", "ben")  # gia hands in ben's work with new comments only


def local_names(source: str) -> set[str]:
    """Names assigned inside functions, parameters left out (callers may pass them by name)."""
    tree = ast.parse(source)
    found: set[str] = set()
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef):
            continue
        params = {a.arg for a in [*func.args.args, *func.args.kwonlyargs]}
        for node in ast.walk(func):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                found.add(node.id)
        found -= params
    return found


def disguised(source: str) -> str:
    """``source`` with its local names renamed, its comments replaced and its spacing changed."""
    rename = {name: f"tmp_{name}" for name in local_names(source)}
    tokens = []
    previous = ""
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        text = tok.string
        if tok.type == tokenize.NAME and text in rename and previous != ".":
            text = rename[text]
        elif tok.type == tokenize.COMMENT:
            text = "# note"
        tokens.append((tok.type, text))
        previous = tok.string
    return tokenize.untokenize(tokens)


def recommented(source: str) -> str:
    """``source`` with every comment line rewritten and a blank line after each function."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("#"):
            line = line[: len(line) - len(stripped)] + "# my own working"
        lines.append(line)
        if stripped.startswith("return "):
            lines.append("")
    return "\n".join(lines) + "\n"


def build(out: Path = OUT) -> list[Path]:
    """Write the demo class into ``out`` (replacing what is there); return the files."""
    if out.exists():
        shutil.rmtree(out)
    sources = {s: (ALTERNATIVES / alt / "nn.py").read_text() for s, alt in STUDENTS.items()}
    sources[DISGUISED[0]] = disguised(sources[DISGUISED[1]])
    sources[RECOMMENTED[0]] = recommented(sources[RECOMMENTED[1]])
    written = []
    for student, text in sources.items():
        path = out / student / "nn.py"
        path.parent.mkdir(parents=True)
        path.write_text(text)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in build():
        print(p.relative_to(ROOT))
