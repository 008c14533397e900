"""Release: generate ``student_template/<id>/`` from ``reference/<id>/`` by stripping solutions.

The course-provided files (``[submission] provided``, kept in ``assignments/<id>/provided/``)
are copied in byte for byte, so students run their code beside the same ``util.py`` the
grader uses.

When the assignment is authored in a master notebook, ``reference/<id>/<id>.ipynb``
(:mod:`grader.notebook.master`), release first writes the reference module from it, then the
template's ``.py`` file and notebook, all from the master.

The template (and a reference generated from a master notebook) is generated, checked in
and never edited by hand; :func:`stale_files` tells a test (and ``grader release --check``)
when a checked-in copy has drifted.
"""

from __future__ import annotations

from pathlib import Path

from grader import atomic
from grader.course import Assignment
from grader.errors import MaterialError
from grader.markers import has_markers, template_text
from grader.notebook.master import MasterModule, read_master, reference_text, student_notebook
from grader.notebook.template import notebook_template

__all__ = ["generated_reference", "release", "stale_files", "template_files"]


def generated_reference(assignment: Assignment) -> dict[str, str]:
    """Reference file (relative to ``reference/<id>/``) -> the text the master notebook
    generates; ``{}`` when the reference is written as ``.py`` files."""
    master = read_master(assignment)
    return {} if master is None else {master.file: reference_text(master, assignment.id)}


def template_files(assignment: Assignment) -> dict[str, str]:
    """Relative path -> text of every file the template should contain."""
    master = read_master(assignment)
    out: dict[str, str] = {}
    for rel, (where, text) in _sources(assignment, master).items():
        if rel in assignment.spec.submission.files and not has_markers(text):
            raise MaterialError(
                f"{where}: a submitted file with no # BEGIN SOLUTION region; students would get the answer"
            )
        out[rel] = template_text(text, where)
    if master is not None:
        out[f"{assignment.id}.ipynb"] = student_notebook(assignment, master)
    else:
        out.update(notebook_template(assignment, out))  # <id>.ipynb, when the spec takes notebooks
    return out


def _sources(assignment: Assignment, master: MasterModule | None) -> dict[str, tuple[str, str]]:
    """Relative path -> (where it comes from, its text) of every reference module: the
    ``.py`` files, and the module of the master notebook, read from the master itself (the
    generated file may be stale)."""
    found = {
        path.relative_to(assignment.reference_dir).as_posix(): (
            str(path),
            path.read_text(encoding="utf-8"),
        )
        for path in assignment.reference_dir.rglob("*.py")
    }
    if master is not None:
        found[master.file] = (master.notebook, master.text)
    return dict(sorted(found.items()))


def _extra_files(assignment: Assignment, wanted: dict[str, str]) -> list[str]:
    """Python files in the template that neither the reference nor the course's provided
    files produce."""
    wanted = {**wanted, **dict.fromkeys(assignment.spec.submission.provided, "")}
    folder = assignment.template_dir
    found = (
        (p.relative_to(folder).as_posix() for p in folder.rglob("*.py")) if folder.is_dir() else ()
    )
    bundle = ".grader/"  # the public checks bundle is checked by stale_bundle
    return sorted(rel for rel in found if rel not in wanted and not rel.startswith(bundle))


def release(assignment: Assignment) -> list[Path]:
    """Write the reference generated from a master notebook, if any, then the template
    (removing files the reference no longer has); return the files written."""
    written = []
    for rel, text in generated_reference(assignment).items():  # first: the bundle imports it
        atomic.write_text(assignment.reference_dir / rel, text)
        written.append(assignment.reference_dir / rel)
    for rel in _extra_files(assignment, template_files(assignment)):
        (assignment.template_dir / rel).unlink()
    for rel, text in template_files(assignment).items():
        dest = assignment.template_dir / rel
        atomic.write_text(dest, text)
        written.append(dest)
    for name, path in assignment.provided_files().items():  # byte for byte: data files too
        atomic.write_bytes(assignment.template_dir / name, path.read_bytes())
        written.append(assignment.template_dir / name)
    from grader.selfcheck.bundle import write_bundle  # runs the public checks: imported on use

    written += write_bundle(assignment)
    return written


def stale_files(assignment: Assignment) -> list[str]:
    """Template files (and public bundle files, see grader.selfcheck.bundle) that are missing,
    differ from what release would write, or are extra; a reference file generated from a
    master notebook that differs is named from the course folder (``reference/<id>/nn.py``)."""
    stale = []
    for rel, text in generated_reference(assignment).items():
        dest = assignment.reference_dir / rel
        if not dest.is_file() or dest.read_text(encoding="utf-8") != text:
            stale.append(dest.relative_to(assignment.course).as_posix())
    wanted = template_files(assignment)
    stale += _extra_files(assignment, wanted)
    for rel, text in wanted.items():
        dest = assignment.template_dir / rel
        if not dest.is_file() or dest.read_text(encoding="utf-8") != text:
            stale.append(rel)
    for name, path in assignment.provided_files().items():
        dest = assignment.template_dir / name
        if not dest.is_file() or dest.read_bytes() != path.read_bytes():
            stale.append(name)
    from grader.selfcheck.bundle import stale_bundle

    return stale + stale_bundle(assignment)
