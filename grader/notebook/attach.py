"""The load stage's notebook step: grade a notebook in place of missing ``.py`` files.

The rule students read (also in docs/authoring.md):

1. If every required ``.py`` file is there, those are graded and notebooks are not, unless
   the notebook has fewer unfinished stubs (``raise NotImplementedError``) than the ``.py``
   files: a student who worked in the template's notebook leaves its ``.py`` stubs untouched.
2. Otherwise the notebook whose name matches ``[submission.notebook] accept`` is graded.
   Names are compared forgivingly: letter case, spaces, hyphens and underscores, a leading
   ``Copy of`` and a trailing `` (1)`` or `` copy`` do not matter.
3. If none matches and exactly one notebook was handed in, that one is graded (with a note).
4. Several candidates, or a notebook that cannot be read, make the submission not gradable,
   with a message naming the notebooks and what to do.

The notebook stands for the required modules that are missing; it becomes ``<module>.py``
in the scratch folder, which the worker runs unit by unit (:mod:`grader.worker.cells`).
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path, PurePosixPath

from grader.models import NotebookSource, SourceLocation
from grader.notebook.extract import build_module
from grader.notebook.read import NotebookRefused, parse_notebook
from grader.spec import NotebookConfig, SubmissionConfig

__all__ = ["MAX_NOTEBOOK_BYTES", "attach_notebook", "normalised_name"]

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
"""The largest notebook that is read (outputs included)."""

_COPY_PREFIX = re.compile(r"^(copy[ _-]of[ _-])+")
_COPY_SUFFIX = re.compile(r"([ _-]*(\(\d+\)|copy(\d+)?|-checkpoint))+$")


def normalised_name(name: str) -> str:
    """The name as the matching rule sees it: ``Copy of HW5 (1).ipynb`` -> ``hw5.ipynb``."""
    stem = PurePosixPath(name).name.lower().removesuffix(".ipynb")
    stem = _COPY_PREFIX.sub("", stem.strip())
    stem = _COPY_SUFFIX.sub("", stem)
    stem = re.sub(r"[\s_-]+", "_", stem).strip("_")
    return f"{stem}.ipynb"


def attach_notebook(
    config: SubmissionConfig,
    workdir: Path,
    files: list[str],
    notes: list[str],
    *,
    named_by_file: bool = True,
) -> tuple[NotebookSource | None, dict[str, SourceLocation], str | None]:
    """(how to run the notebook, where its functions are, why it cannot be graded).

    All three are empty when no notebook is needed. Writes ``<module>.py`` into ``workdir``.
    ``named_by_file`` is False for a bare ``<student>.ipynb``, whose name is the student's.
    """
    nb_config = config.notebook
    notebooks = [f for f in files if f.lower().endswith(".ipynb")]
    missing = [f for f in config.files if f.endswith(".py") and f not in files]
    if nb_config is None or not notebooks:
        return None, {}, None
    quiet: list[str] = []
    chosen, refusal = _pick(
        notebooks, nb_config, quiet if not missing or not named_by_file else notes
    )
    if not missing:  # both forms handed in: grade the one with fewer stubs left
        py_files = [f for f in config.files if f.endswith(".py")]
        in_py = sum(_stubs((workdir / f).read_bytes()) for f in py_files)
        in_nb = _stubs((workdir / chosen).read_bytes()) if chosen else in_py
        if in_nb >= in_py:
            notes.append(
                f"graded your .py file(s); {_join(notebooks)} not graded, since .py files come "
                "first unless a notebook has fewer unfinished stubs (raise NotImplementedError)"
            )
            return None, {}, None
        notes.append(
            f"graded {chosen} instead of {_join(py_files)}: the notebook has {in_nb} unfinished "
            f"stub(s) (raise NotImplementedError) and the .py file(s) {in_py}"
        )
        missing = py_files
    if chosen is None:
        return None, {}, refusal
    path = workdir / chosen
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        return (
            None,
            {},
            (
                f"{chosen} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB; clear its outputs "
                "(Edit > Clear all outputs) and hand it in again"
            ),
        )
    try:
        parsed = parse_notebook(path.read_bytes(), chosen)
    except NotebookRefused as exc:
        return None, {}, str(exc)
    module = build_module(parsed, nb_config.mode)
    modules = [f.removesuffix(".py") for f in missing]
    target = missing[0]
    (workdir / target).write_text(module.source, encoding="utf-8")
    notes.append(
        f"graded the notebook {chosen} in place of {_join(missing)} ({nb_config.mode} mode)"
    )
    notes.extend(module.notes)
    locations = {
        f"{m}.{name}": SourceLocation(name=f"{m}.{name}", file=chosen, line=d.line, cell=d.cell)
        for m in modules
        for name, d in module.definitions.items()
    }
    source = NotebookSource(
        notebook=chosen,
        file=target,
        modules=modules,
        mode=nb_config.mode,
        units=module.units,
        unit_seconds=nb_config.cell_seconds,
        seconds=nb_config.seconds,
    )
    return source, locations, None


def _stubs(data: bytes) -> int:
    """How many ``raise NotImplementedError`` stubs a file still holds (text count; in a
    notebook's JSON they are counted the same way)."""
    return data.count(b"raise NotImplementedError")


def _pick(notebooks: list[str], config: NotebookConfig, notes: list[str]) -> tuple[str | None, str]:
    patterns = [normalised_name(p).replace("\\*", "*") for p in config.accept]
    matching = [
        nb for nb in notebooks if any(fnmatch.fnmatchcase(normalised_name(nb), p) for p in patterns)
    ]
    if matching:
        top = min(m.count("/") for m in matching)
        matching = [m for m in matching if m.count("/") == top]
        if len(matching) == 1:
            return matching[0], ""
        return None, (
            f"found {len(matching)} notebooks that could be the one to grade: {_join(matching)}; "
            "hand in exactly one"
        )
    wanted = " or ".join(config.accept)
    if len(notebooks) == 1:
        notes.append(
            f"graded {notebooks[0]}, the only notebook handed in, although its name does not "
            f"match {wanted}; name it {config.accept[0]} next time"
        )
        return notebooks[0], ""
    return None, (
        f"found {len(notebooks)} notebooks ({_join(notebooks)}) and none is named {wanted}; "
        f"hand in one notebook, named {config.accept[0]}"
    )


def _join(names: list[str]) -> str:
    shown = names[:8] + ([f"and {len(names) - 8} more"] if len(names) > 8 else [])
    return ", ".join(shown)
