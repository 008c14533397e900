"""Find a student's answer to a question graded by hand, where the spec says it lives.

:func:`find_answer` reads the submission as handed in (a folder, unpacked as grading reads
it, or one notebook) and returns an :class:`~grader.answers.models.Answer`: the pieces to
show, or a plain sentence saying what was not there. Every byte is the student's: a file
is read only when it lies inside the submission, not through a symlink, and under
:data:`MAX_FILE_BYTES`; a malformed notebook is a problem to show, never an exception
(nor is any other file in a shape not foreseen). What one answer draws is bounded
(:data:`MAX_PIECES` pieces, :class:`~grader.answers.render.Budget`'s formulas and
Markdown), so no answer holds the grading page up for long.
"""

from __future__ import annotations

import base64
import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import TypeAdapter, ValidationError

from grader.answers.images import image_problem, sniff
from grader.answers.models import (
    Answer,
    AnswerPiece,
    CodePiece,
    ImagePiece,
    MarkdownPiece,
    PdfPiece,
    TextPiece,
)
from grader.answers.render import Budget, code_html, markdown_html, math_html
from grader.manual import AnswerCellTag, AnswerCellTitle, AnswerFile, AnswerLocation, AnswerPdfPage

__all__ = ["MAX_FILE_BYTES", "MAX_IMAGE_BYTES", "MAX_PIECES", "MAX_TEXT", "find_answer"]

MAX_FILE_BYTES = 20 * 1024 * 1024
"""The largest file read for an answer."""
MAX_IMAGE_BYTES = 5 * 1024 * 1024
"""The largest image shown."""
MAX_PIECES = 200
"""The most pieces one answer shows."""
MAX_TEXT = 20_000
"""Characters of one printed output shown."""

_LOCATION: TypeAdapter[AnswerLocation | None] = TypeAdapter(AnswerLocation | None)
# no backtracking: a lazy group before [ \t#]*$ took seconds on one line of "# # # ..."
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*)|[ \t]*)$")
_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_NOT_TEXT = re.compile(r"^(?: {4}| {0,3}(?:[-*+>|]|\d+[.)])(?:\s|$))")  # code, list, quote, table
_IMAGES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}
_MARKDOWN = {".md", ".markdown"}
_LANGUAGES = {".py": "python", ".txt": "text", ".json": "json", ".csv": "text", ".sh": "bash"}
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_NUMBERING = re.compile(
    r"^(?:(?:question|q|problem|exercise|part|task)\s*)?(?:\d+[a-z]?(?:\.\d+)*|\([a-z0-9]+\))"
    r"\s*[.):\-\u2013\u2014]?\s+"
)


class _Missing(Exception):
    """Nothing to show; the message says why."""


def find_answer(
    location: AnswerLocation | dict[str, object] | None, source: Path, item_id: str
) -> Answer:
    """The answer to question ``item_id`` at ``location`` in the submission ``source``."""
    try:
        where = _LOCATION.validate_python(location)
    except ValidationError:
        return Answer(
            item=item_id,
            where="?",
            problem=f"the spec's answer location {location!r} is not one this grader knows",
        )
    notes: list[str] = []
    budget = Budget()
    described = where.describe() if where is not None else "the whole submission"
    try:
        pieces, described = _find(where, source, notes, budget, described)
    except _Missing as exc:
        return Answer(item=item_id, where=described, notes=notes, problem=str(exc))
    except Exception as exc:  # a shape of hostile file not foreseen costs only this answer
        return Answer(
            item=item_id,
            where=described,
            notes=notes,
            problem=f"the answer could not be read ({type(exc).__name__}); open the submission",
        )
    notes += budget.notes()
    if len(pieces) > MAX_PIECES:
        notes.append(f"only the first {MAX_PIECES} of {len(pieces)} pieces are shown")
        pieces = pieces[:MAX_PIECES]
    if not pieces:
        return Answer(item=item_id, where=described, notes=notes, problem=f"{described} is empty")
    return Answer(item=item_id, where=described, pieces=pieces, notes=notes)


def _find(
    where: AnswerLocation | None, source: Path, notes: list[str], budget: Budget, described: str
) -> tuple[list[AnswerPiece], str]:
    if isinstance(where, AnswerCellTag):
        path, cells = _notebook_with(source, lambda c: where.cell_tag in _tags(c), where.describe())
        return _cells_pieces(cells, notes, budget), f"{where.describe()} in {_shown(path, source)}"
    if isinstance(where, AnswerCellTitle):
        title = where.cell_title

        def has_title(cell: dict[str, Any]) -> bool:
            return _heading_level(cell, title) is not None

        path, cells = _notebook_with(source, has_title, where.describe(), section=title)
        return _cells_pieces(cells, notes, budget), f"{where.describe()} in {_shown(path, source)}"
    if isinstance(where, AnswerFile):
        return _file_pieces(source, where.file, where.section, notes, budget), described
    if isinstance(where, AnswerPdfPage):
        return [_pdf_piece(source, where.pdf, where.page)], described
    return _whole(source, notes, budget), described


# -- files, read with care ------------------------------------------------------------------


def _inside(source: Path, rel: str) -> Path:
    """``rel`` inside the submission folder, refusing a way out and any symlink on the way."""
    if source.is_file():
        if rel == source.name:
            return source
        raise _Missing(f"{rel} is not in the submission (it is the one file {source.name})")
    parts = PurePosixPath(rel.replace("\\", "/")).parts
    if not parts or rel.startswith("/") or ".." in parts:
        raise _Missing(f"{rel} is not a path inside the submission")
    path = source
    for part in parts:
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            raise _Missing(f"{rel} is not in the submission{_listing(source)}") from None
        if stat.S_ISLNK(mode):
            raise _Missing(f"{rel} is a symbolic link; it is not followed")
    if not stat.S_ISREG(os.lstat(path).st_mode):
        raise _Missing(f"{rel} is not a plain file")
    return path


def _read(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _Missing(f"{path.name} is not a plain file")
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _Missing(f"{path.name} is over {MAX_FILE_BYTES >> 20} MB; it is not read")
    return data


def _text(path: Path) -> str:
    return _read(path).decode("utf-8", errors="replace")


def _listing(source: Path) -> str:
    try:
        names = sorted(p.name for p in source.iterdir())
    except OSError:
        return ""
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return f"; it holds: {shown}" if names else "; it is empty"


def _shown(path: Path, source: Path) -> str:
    return path.name if path == source else path.relative_to(source).as_posix()


# -- notebooks ------------------------------------------------------------------------------


def _notebooks(source: Path) -> list[Path]:
    """The notebooks of the submission: itself, or those at its top and one folder down."""
    if source.is_file():
        return [source] if source.suffix.lower() == ".ipynb" else []
    found: list[Path] = []
    for entry in sorted(_entries(source)):
        if entry.suffix.lower() == ".ipynb" and entry.is_file() and not entry.is_symlink():
            found.append(entry)
        elif entry.is_dir() and not entry.is_symlink() and not entry.name.startswith("."):
            found += sorted(
                e
                for e in _entries(entry)
                if e.suffix.lower() == ".ipynb" and e.is_file() and not e.is_symlink()
            )
    return found


def _entries(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def _cells(path: Path) -> list[dict[str, Any]]:
    """A notebook's cells as plain dicts; a file that is not one is a :class:`_Missing`."""
    try:
        data = json.loads(_read(path))
    except (ValueError, RecursionError):
        raise _Missing(f"{path.name} is not a notebook (not valid JSON)") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise _Missing(f"{path.name} is not a Jupyter notebook (it has no list of cells)")
    return [c for c in cells if isinstance(c, dict)]


def _notebook_with(
    source: Path, wanted: Any, what: str, section: str | None = None
) -> tuple[Path, list[dict[str, Any]]]:
    """The first notebook with a cell ``wanted``, and the answer's cells in it."""
    notebooks = _notebooks(source)
    if not notebooks:
        raise _Missing(
            f"no notebook in the submission{_listing(source) if source.is_dir() else ''}"
        )
    problems: list[str] = []
    tags: set[str] = set()
    for path in notebooks:
        try:
            cells = _cells(path)
        except _Missing as exc:
            problems.append(str(exc))
            continue
        tags.update(t for c in cells for t in _tags(c))
        hits = [i for i, c in enumerate(cells) if wanted(c)]
        if not hits:
            continue
        if section is None:
            return path, [cells[i] for i in hits]
        return path, _section_cells(cells, hits[0], section)
    names = ", ".join(p.name for p in notebooks)
    known = f"; tags found: {', '.join(sorted(tags))}" if tags and section is None else ""
    trouble = f" ({'; '.join(problems)})" if problems else ""
    raise _Missing(f"no {what.removeprefix('the ')} in {names}{known}{trouble}")


def _source(cell: dict[str, Any]) -> str:
    text = cell.get("source", "")
    if isinstance(text, list):
        return "".join(t for t in text if isinstance(t, str))
    return text if isinstance(text, str) else ""


def _tags(cell: dict[str, Any]) -> list[str]:
    meta = cell.get("metadata")
    tags = meta.get("tags") if isinstance(meta, dict) else None
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[*_`]", "", text).lower().split()).rstrip(":.?!")


def _matches(heading: str, title: str) -> bool:
    """A heading is the title's when it is the title, or starts with it as whole words,
    with or without a number before it ("1.", "Q1:", "Question 2 -", "(b)")."""
    head, want = _normal(heading), _normal(title)
    return any(
        h == want or h.startswith((want + " ", want + ":", want + "."))
        for h in (head, _NUMBERING.sub("", head, count=1))
    )


def _headings(text: str) -> Iterator[tuple[int, int, str]]:
    """(line number, level, text) of each heading outside fenced code: ``## Q1`` and a line
    underlined with ``===`` (level 1) or ``---`` (level 2)."""
    fenced, previous = False, ""  # the line before, when it could be a setext heading's text
    for number, line in enumerate(text.splitlines()):
        if line.lstrip().startswith(("```", "~~~")):
            fenced, previous = not fenced, ""
        elif fenced:
            continue
        elif m := _HEADING.match(line):
            yield number, len(m.group(1)), _without_closing(m.group(2) or "")
            previous = ""
        elif previous and (u := _UNDERLINE.match(line)):
            yield number - 1, 1 if u.group(1)[0] == "=" else 2, previous.strip()
            previous = ""
        else:
            previous = line if line.strip() and not _NOT_TEXT.match(line) else ""


def _without_closing(text: str) -> str:
    """A heading's text without its closing ``#`` sequence (``## Q1 ##``) and spaces."""
    text = text.rstrip(" \t")
    bare = text.rstrip("#")
    if bare != text and (not bare or bare[-1] in " \t"):
        return bare.rstrip(" \t")
    return text


def _heading_level(cell: dict[str, Any], title: str) -> int | None:
    if cell.get("cell_type") != "markdown":
        return None
    return next((lvl for _, lvl, text in _headings(_source(cell)) if _matches(text, title)), None)


def _section_cells(cells: list[dict[str, Any]], first: int, title: str) -> list[dict[str, Any]]:
    """From the heading's cell (cut to start at the heading) to the next heading as high,
    which may be in that same cell."""
    level = _heading_level(cells[first], title) or 1
    head, ended = _section_text(_source(cells[first]), title)
    taken = [{**cells[first], "source": head}]
    if ended:
        return taken
    for cell in cells[first + 1 :]:
        if cell.get("cell_type") == "markdown" and any(
            lvl <= level for _, lvl, _ in _headings(_source(cell))
        ):
            break
        taken.append(cell)
    return taken


def _section_text(text: str, title: str) -> tuple[str, bool]:
    """The lines of ``text`` under the heading ``title``, to the next heading as high, and
    whether that next heading is in ``text``."""
    lines = text.splitlines()
    found = [(n, lvl) for n, lvl, head in _headings(text) if _matches(head, title)]
    if not found:
        raise _Missing(f"no heading {title!r}")
    start, level = found[0]
    end = next((n for n, lvl, _ in _headings(text) if n > start and lvl <= level), None)
    return "\n".join(lines[start:end]), end is not None


def _cells_pieces(
    cells: list[dict[str, Any]], notes: list[str], budget: Budget
) -> list[AnswerPiece]:
    pieces: list[AnswerPiece] = []
    for cell in cells:
        kind, text = cell.get("cell_type"), _source(cell)
        if kind == "markdown":
            drawn = markdown_html(text, _attachments(cell, notes, budget), budget)
            if drawn:  # empty, or past the budget
                pieces.append(MarkdownPiece(html=drawn))
        elif kind == "code":
            code = budget.cut_code(text) if text.strip() else ""
            if code:
                pieces.append(CodePiece(code=code, html=code_html(code)))
            outputs = cell.get("outputs")
            for output in outputs if isinstance(outputs, list) else []:
                if isinstance(output, dict):
                    pieces += _output_pieces(output, notes, budget)
        elif text.strip():
            pieces.append(TextPiece(text=_cut(text, notes)))
        if len(pieces) > MAX_PIECES:
            break
    return pieces


def _attachments(cell: dict[str, Any], notes: list[str], budget: Budget) -> dict[str, str]:
    found: dict[str, str] = {}
    attached = cell.get("attachments")
    for name, bundle in attached.items() if isinstance(attached, dict) else []:
        if not isinstance(bundle, dict):
            continue
        image = _image_from(bundle, str(name), notes, budget)
        if image is not None:
            found[str(name)] = image.data_uri
    return found


def _output_pieces(output: dict[str, Any], notes: list[str], budget: Budget) -> list[AnswerPiece]:
    kind = output.get("output_type")
    if kind == "stream":
        return [TextPiece(text=_cut(_joined(output.get("text")), notes))]
    if kind == "error":
        lines = output.get("traceback")
        trace = "\n".join(
            _ANSI.sub("", t)
            for t in (lines if isinstance(lines, list) else [])
            if isinstance(t, str)
        )
        text = trace or f"{output.get('ename', '')}: {output.get('evalue', '')}"
        return [TextPiece(text=_cut(text, notes))]
    data = output.get("data")
    if not isinstance(data, dict):
        return []
    image = _image_from(data, "an output", notes, budget)
    if image is not None:
        return [image]
    if "text/markdown" in data:
        return [MarkdownPiece(html=markdown_html(_joined(data["text/markdown"]), None, budget))]
    if "text/latex" in data:
        latex = _joined(data["text/latex"]).strip().strip("$")
        drawn = math_html(latex, True, budget)
        return [MarkdownPiece(html=f'<div class="math-block">{drawn}</div>')]
    if "text/plain" in data:
        return [TextPiece(text=_cut(_joined(data["text/plain"]), notes))]
    if "text/html" in data or "image/svg+xml" in data:
        notes.append("an HTML or SVG output is not shown (it could run script)")
    return []


def _joined(value: object) -> str:
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


def _image_from(
    bundle: dict[str, Any], name: str, notes: list[str], budget: Budget
) -> ImagePiece | None:
    for mime in ("image/png", "image/jpeg", "image/gif"):
        if mime in bundle:
            encoded = re.sub(r"\s", "", _joined(bundle[mime]))
            if len(encoded) * 3 // 4 > MAX_IMAGE_BYTES:
                notes.append(f"{name}: an image over {MAX_IMAGE_BYTES >> 20} MB is not shown")
                return None
            try:
                data = base64.b64decode(encoded, validate=True)
            except ValueError:
                notes.append(f"{name}: an image that is not valid base64 is not shown")
                return None
            real, problem = sniff(data), image_problem(data)
            if real is None or problem:
                notes.append(f"{name}: an image is not shown: {problem}")
                return None
            if not budget.shows_image(len(data)):
                return None
            return ImagePiece(mime=real, data_uri=f"data:{real};base64,{encoded}", alt=name)
    if "image/svg+xml" in bundle:
        notes.append(f"{name}: an SVG image is not shown (it could run script)")
    return None


def _cut(text: str, notes: list[str]) -> str:
    if len(text) <= MAX_TEXT:
        return text
    notes.append(f"a text of {len(text):,} characters is cut to its first {MAX_TEXT:,}")
    return text[:MAX_TEXT] + "\n…"


# -- files and PDFs -------------------------------------------------------------------------


def _file_pieces(
    source: Path, file: str, section: str | None, notes: list[str], budget: Budget
) -> list[AnswerPiece]:
    """The file ``file`` of the submission (its ``section``, when given) as pieces."""
    path = _inside(source, file)
    suffix = path.suffix.lower()
    if suffix == ".ipynb":
        cells = _cells(path)
        if section:
            hits = [i for i, c in enumerate(cells) if _heading_level(c, section) is not None]
            if not hits:
                raise _Missing(f"no heading {section!r} in {file}")
            cells = _section_cells(cells, hits[0], section)
        return _cells_pieces(cells, notes, budget)
    if suffix in _IMAGES:
        data = _read(path)
        if len(data) > MAX_IMAGE_BYTES:
            raise _Missing(f"{file} is over {MAX_IMAGE_BYTES >> 20} MB; it is not shown")
        mime, problem = sniff(data), image_problem(data)
        if mime is None or problem:
            raise _Missing(f"{file} is not shown: {problem}")
        uri = f"data:{mime};base64,{base64.b64encode(data).decode()}"
        return [ImagePiece(mime=mime, data_uri=uri, alt=file)]
    if suffix == ".pdf":
        return [_pdf_piece(source, file, 1)]
    text = _text(path)
    if section:
        if suffix not in _MARKDOWN:
            raise _Missing(f"{file} is not Markdown, so it has no section {section!r}")
        try:
            text, _ = _section_text(text, section)
        except _Missing:
            heads = [h for _, _, h in _headings(text)]
            known = f"; its headings: {', '.join(heads[:10])}" if heads else "; it has no headings"
            raise _Missing(f"no heading {section!r} in {file}{known}") from None
    if suffix in _MARKDOWN:
        return [MarkdownPiece(html=markdown_html(text, None, budget))]
    if suffix == ".txt":
        return [TextPiece(text=_cut(text, notes))]
    language = _LANGUAGES.get(suffix, "text")
    code = budget.cut_code(text)
    if text and not code:  # past the budget
        return []
    return [CodePiece(code=code, language=language, html=code_html(code, language))]


def _pdf_piece(source: Path, pdf: str, page: int) -> PdfPiece:
    path = _inside(source, pdf)
    data = _read(path)
    if not data.startswith(b"%PDF"):
        raise _Missing(f"{pdf} is not a PDF (it does not start with %PDF)")
    pages = len(_PAGE.findall(data)) or None
    if pages is not None and page > pages:
        raise _Missing(f"{pdf} has {pages} page(s), so no page {page}")
    rel = path.name if path == source else path.relative_to(source).as_posix()
    return PdfPiece(path=rel, page=page, pages=pages)


def _whole(source: Path, notes: list[str], budget: Budget) -> list[AnswerPiece]:
    """No location given: the notebooks, else the Markdown files, else the code; a file
    that cannot be read is a note, and reading stops once there is more than can be shown."""
    pieces: list[AnswerPiece] = []
    for path in _notebooks(source):
        if len(pieces) > MAX_PIECES:
            break
        try:
            pieces += _cells_pieces(_cells(path), notes, budget)
        except _Missing as exc:
            notes.append(str(exc))
    if pieces or source.is_file():
        return pieces
    for suffixes in (_MARKDOWN, {".py"}):
        for path in sorted(p for p in _entries(source) if p.suffix.lower() in suffixes):
            if len(pieces) > MAX_PIECES:
                break
            if "\\" in path.name:  # read as a folder separator by a spec's paths
                notes.append(f"{path.name} is not read: a file name with a backslash")
                continue
            try:
                pieces += _file_pieces(source, path.name, None, notes, budget)
            except _Missing as exc:
                notes.append(str(exc))
        if pieces:
            return pieces
    return pieces
