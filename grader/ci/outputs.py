"""What ``grader ci`` writes: a Markdown summary, GitHub annotations and JUnit XML.

Each is a pure function of the self-check report; :mod:`grader.ci.run` decides where they go.
Student text (messages, notes, file names) reaches each through :mod:`grader.ci.escape` or
:func:`grader.safetext.printable`, so it renders as text and never as a command or markup.
"""

from __future__ import annotations

import ast
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from grader.ci.escape import command_data, command_property, markdown
from grader.models import STATUS, CheckResult, SubmissionResult
from grader.safetext import printable
from grader.selfcheck.run import SelfCheckReport
from grader.selfcheck.show import one_line

__all__ = ["annotation_lines", "junit_xml", "locate", "markdown_summary"]

_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d{1,9})\b')  # int() stays small


def markdown_summary(
    report: SelfCheckReport, percent: float, threshold: float, sandbox: str = ""
) -> str:
    """The job summary: verdict, what was checked, the sandbox's mode, one row per check.

    With no threshold (0) the heading carries a neutral icon and says so: a score is shown,
    never a green tick next to it, since nothing was required."""
    r = report.result
    ok = percent >= threshold
    if threshold <= 0:
        icon, verdict = "➖", "no threshold set"
    elif ok:
        icon, verdict = "✅", f"passes the threshold of {threshold:g}%"
    else:
        icon, verdict = "❌", f"**below the threshold of {threshold:g}%**"
    lines = [
        f"### {icon} {_cell(r.assignment)}: {r.awarded:g} / {r.max_score:g} points, "
        f"{percent:.0f}% ({verdict})",
        "",
        f"{report.mode} on {_cell(report.checked)} (seed {r.seed})."
        + (" Hidden checks are graded when you hand in." if report.mode == "public checks" else ""),
    ]
    if sandbox:
        lines += ["", f"Sandbox: {sandbox}."]
    if not r.gradable:
        lines += ["", f"**Could not check:** {_cell(r.not_gradable_reason or '')}"]
    if r.notes:
        lines += ["", *(f"> {_cell(note)}" for note in r.notes)]
    lines += ["", "| | check | part | points | message |", "|---|---|---|---|---|"]
    for c in r.checks:
        message = "" if c.status == "passed" else one_line(c.message or c.description, 160)
        lines.append(
            f"| {STATUS[c.status].icon} {STATUS[c.status].word} | `{c.name}` | {_cell(c.part)} | "
            f"{r.awarded_for(c):g}/{c.max_points:g} | {_cell(message)} |"
        )
    lines += [
        "",
        f"**Total: {r.awarded:g} / {r.max_score:g}** ({percent:.0f}%; "
        + (f"threshold {threshold:g}%)" if threshold > 0 else "no threshold set)"),
        "",
    ]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return markdown(text)


# -- annotations --------------------------------------------------------------------------------


def annotation_lines(report: SelfCheckReport, workspace: Path) -> list[str]:
    """``::error file=nn.py,line=N,title=<check>::<message>`` for each failing check
    (``::warning`` for partial credit); paths relative to ``workspace``."""
    modules = sorted(p.name for p in report.folder.glob("*.py") if _own(p, report.folder))
    out = []
    for check in report.result.checks:
        level = STATUS[check.status].annotation
        if level is None:
            continue
        props = []
        where = locate(check, report.folder, modules)
        if where is not None:
            file, line = where
            props.append(
                f"file={command_property(os.path.relpath(report.folder / file, workspace))}"
            )
            if line:
                props.append(f"line={line}")
        props.append(f"title={command_property(f'{check.name} ({STATUS[check.status].word})')}")
        message = check.message or check.description or check.status
        out.append(f"::{level} {','.join(props)}::{command_data(message)}")
    return out


def locate(check: CheckResult, folder: Path, modules: list[str]) -> tuple[str, int] | None:
    """(file, line) for a failing check: the last frame of the student's traceback in a file
    of ``folder``, else the ``def`` of a top-level function or class named in the check's
    name, else the first notebook (line 0: no line). None when nothing fits."""
    frames = [
        (m["file"], int(m["line"]))
        for m in _FRAME.finditer(check.student_traceback)
        if m["file"].endswith(".py") and _own(folder / m["file"], folder)
    ]
    if frames:
        return frames[-1]
    best: tuple[int, str, int] | None = None
    for module in (m for m in modules if _own(folder / m, folder)):
        for name, line in _definitions(folder / module):
            if f"_{_snake(name)}_" in f"{check.name}_" and (best is None or len(name) > best[0]):
                best = (len(name), module, line)
    if best is not None:
        return best[1], best[2]
    notebooks = sorted(p.name for p in folder.glob("*.ipynb") if _own(p, folder))
    return (notebooks[0], 0) if notebooks else None


def _own(path: Path, folder: Path) -> bool:
    """A regular file of the student's own: inside ``folder`` and no symbolic link (which
    could point at the course, whose definitions an annotation would then give away)."""
    try:
        inside = path.resolve().is_relative_to(folder.resolve())
        return inside and path.is_file() and not path.is_symlink()
    except (OSError, ValueError):  # a name too long, a NUL, a loop of links
        return False


def _definitions(path: Path) -> list[tuple[str, int]]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return []
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return [(n.name, n.lineno) for n in tree.body if isinstance(n, kinds)]


def _snake(name: str) -> str:
    """``BudgetCNN`` -> ``budget_cnn``; ``forward`` stays ``forward``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return spaced.lower()


# -- JUnit XML ---------------------------------------------------------------------------------


def junit_xml(report: SelfCheckReport) -> bytes:
    """One ``<testsuite>`` per part, one ``<testcase>`` per check; failed and partial checks
    get ``<failure>``, errors, timeouts and crashes ``<error>``, checks not run ``<skipped>``."""
    r = report.result
    root = ET.Element("testsuites", name=printable(r.assignment))
    for part in r.parts:
        checks = [c for c in r.checks if c.part == part.name]
        suite = ET.SubElement(root, "testsuite", name=printable(part.name))
        props = ET.SubElement(suite, "properties")
        points = r.awarded_in(part.name)
        for key, value in (("points", f"{points:g}"), ("max_points", f"{part.max_points:g}")):
            ET.SubElement(props, "property", name=key, value=value)
        for check in checks:
            _testcase(suite, r, check)
        _counts(suite, checks)
    _counts(root, r.checks)
    ET.indent(root)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text + b"\n"


def _testcase(suite: ET.Element, r: SubmissionResult, check: CheckResult) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        name=check.name,
        classname=f"{r.assignment}.{re.sub(r'[^A-Za-z0-9_]+', '_', check.part).strip('_')}",
        time=f"{check.duration_s:.3f}",
    )
    parts = (check.description, check.message, check.student_traceback)
    text = printable("\n".join(t for t in parts if t))  # no control character breaks the XML
    message = printable(one_line(check.message or check.description, 200))
    kind = STATUS[check.status].junit
    if kind == "skipped":
        ET.SubElement(case, kind, message=message)
    elif kind is not None:
        ET.SubElement(case, kind, message=message, type=check.status).text = text
    points = f"points {r.awarded_for(check):g}/{check.max_points:g}"
    ET.SubElement(case, "system-out").text = points


def _counts(element: ET.Element, checks: list[CheckResult]) -> None:
    element.set("tests", str(len(checks)))
    kinds = [STATUS[c.status].junit for c in checks]
    element.set("failures", str(kinds.count("failure")))
    element.set("errors", str(kinds.count("error")))
    element.set("skipped", str(kinds.count("skipped")))
    element.set("time", f"{sum(c.duration_s for c in checks):.3f}")
