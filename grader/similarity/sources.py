"""Sources: each submission's code as one text, read the way grading reads it, never run.

A submission (folder, zip or notebook) is unpacked by :func:`grader.load.load`, with its
bounds on files, bytes, depth and paths, into a scratch folder; then its ``.py`` files and
its notebooks' code cells are read from there. The course-provided files are left out (the
course wrote them), and so is anything over :data:`MAX_FILE_BYTES` or past
:data:`MAX_DOCUMENT_CHARS`, each with a note. The template's files are read the same way:
they are the boilerplate.
"""

from __future__ import annotations

import codecs
import shutil
from collections.abc import Iterable
from pathlib import Path

from grader.boundary import GraderFault, contained
from grader.course import Assignment
from grader.discover import discover
from grader.load import load
from grader.models import Submission
from grader.notebook.read import NotebookRefused, parse_notebook
from grader.similarity.models import CodeDocument, SourceFile

__all__ = [
    "MAX_DOCUMENT_CHARS",
    "MAX_FILE_BYTES",
    "joined",
    "read_submissions",
    "submission_code",
    "template_code",
]

MAX_FILE_BYTES = 5 * 1024 * 1024
"""The largest ``.py`` file or notebook that is read; real homework is a few hundred KB."""
MAX_DOCUMENT_CHARS = 2_000_000
"""The most characters of code taken from one submission; the rest is left out, with a note."""

_CODE_SUFFIXES = (".py", ".ipynb")


def read_submissions(
    folder: Path, assignment: Assignment, scratch: Path, *, past_label: str | None = None
) -> list[CodeDocument]:
    """The code of every submission in ``folder``; ``past_label`` names a past term's folder
    (its students become ``<past_label>/<student>``). A submission the grader's own code
    fails on is that student's alone: a document with no code, saying why, which the report
    lists as not compared."""
    docs = []
    for sub in discover(folder):
        doc = contained("reading the code", submission_code, sub, assignment, scratch)
        if isinstance(doc, GraderFault):
            doc = CodeDocument(student=sub.student, notes=[f"{doc.stage}: {doc.error}"])
        if past_label is not None:
            doc = doc.model_copy(update={"student": f"{past_label}/{sub.student}", "past": True})
        docs.append(doc)
    return docs


def submission_code(sub: Submission, assignment: Assignment, scratch: Path) -> CodeDocument:
    """The code of one submission: unpacked safely into ``scratch``, read, then removed."""
    loaded = load(sub, assignment.spec, scratch, provided=assignment.provided_files())
    notes = [loaded.not_gradable] if loaded.not_gradable and not loaded.files else []
    provided = set(assignment.spec.submission.provided)
    where = scratch / sub.student
    try:
        wanted = [rel for rel in loaded.files if rel not in provided]
        files = list(_code_files(where, wanted, notes))
    finally:
        shutil.rmtree(where, ignore_errors=True)
    text, kept = joined(files, notes)
    return CodeDocument(student=sub.student, files=kept, text=text, notes=notes)


def template_code(assignment: Assignment) -> list[SourceFile]:
    """The code the students were given: ``student_template/<id>/`` when it was released,
    else the template as ``grader release`` would write it."""
    folder = assignment.template_dir
    notes: list[str] = []
    if folder.is_dir():
        rels = [  # the self-check bundle (.grader/) is the course's, and never handed in
            rel
            for p in folder.rglob("*")
            if p.is_file() and not (rel := p.relative_to(folder).as_posix()).startswith(".")
        ]
        return list(_code_files(folder, rels, notes))
    from grader.release import template_files

    return [
        SourceFile(path=rel, text=_code_text(rel, text.encode(), notes) or "")
        for rel, text in sorted(template_files(assignment).items())
        if rel.endswith(_CODE_SUFFIXES)
    ]


def joined(files: list[SourceFile], notes: list[str]) -> tuple[str, list[str]]:
    """One text for the detector: each file under a ``# ==== path ====`` line, at most
    :data:`MAX_DOCUMENT_CHARS`; (the text, the files in it)."""
    parts: list[str] = []
    kept: list[str] = []
    size = 0
    for file in files:
        part = f"# ==== {file.path} ====\n{file.text.rstrip()}\n\n"
        if size + len(part) > MAX_DOCUMENT_CHARS:
            notes.append(
                f"left out {file.path} and what follows: more than {MAX_DOCUMENT_CHARS:,} characters of code"
            )
            break
        parts.append(part)
        kept.append(file.path)
        size += len(part)
    return "".join(parts), kept


def _code_files(folder: Path, rels: Iterable[str], notes: list[str]) -> Iterable[SourceFile]:
    for rel in sorted(rels):
        if not rel.lower().endswith(_CODE_SUFFIXES):
            continue
        path = folder / rel
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            notes.append(f"left out {rel}: {size:,} bytes, more than {MAX_FILE_BYTES:,}")
            continue
        text = _code_text(rel, path.read_bytes(), notes)
        if text is not None:
            yield SourceFile(path=rel, text=text)


def _code_text(rel: str, data: bytes, notes: list[str]) -> str | None:
    """A ``.py`` file's text, or a notebook's code cells (each under ``# In[n]``)."""
    if not rel.lower().endswith(".ipynb"):
        return _decoded(data)
    try:
        notebook = parse_notebook(data, rel)
    except NotebookRefused as exc:
        notes.append(f"left out {rel}: {exc}")
        return None
    return "\n".join(f"# In[{cell.number}]\n{_lf(cell.source)}" for cell in notebook.code_cells)


def _decoded(data: bytes) -> str:
    """Text as the detector should see it: no byte-order mark, LF line endings, and bytes
    that are not UTF-8 as U+FFFD."""
    return _lf(data.removeprefix(codecs.BOM_UTF8).decode("utf-8", "replace"))


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
