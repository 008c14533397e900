"""Finding a student's answer where the spec says, and rendering it so nothing in it runs."""

from __future__ import annotations

import base64
import json
import struct
import time
import zlib
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from grader.answers import (
    CodePiece,
    ImagePiece,
    MarkdownPiece,
    PdfPiece,
    TextPiece,
    find_answer,
    markdown_html,
)
from grader.answers.images import MAX_PIXELS
from grader.answers.locate import MAX_FILE_BYTES, MAX_IMAGE_BYTES, MAX_PIECES, MAX_TEXT
from grader.answers.render import MAX_CODE, MAX_FORMULAS, MAX_IMAGES, MAX_LATEX, MAX_MARKDOWN


def _png() -> bytes:
    """A real 2x2 PNG."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PNG = base64.b64encode(_png()).decode()


def _notebook(folder: Path, name: str = "hw.ipynb") -> Path:
    v4 = nbformat.v4
    derivation = v4.new_markdown_cell(
        "## Q1: the Jacobian\n\nIt is $s_i (\\delta_{ij} - s_j)$ and ![plot](attachment:p.png)",
        metadata={"tags": ["jacobian"]},
    )
    derivation["attachments"] = {"p.png": {"image/png": PNG}}
    plot = v4.new_code_cell(
        "plt.plot(losses)",
        metadata={"tags": ["jacobian"]},
        outputs=[
            v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
            v4.new_output("stream", name="stdout", text="loss 0.1\n"),
            v4.new_output("display_data", data={"text/html": "<script>alert(1)</script>"}),
        ],
    )
    cells = [
        v4.new_markdown_cell("# Homework"),
        derivation,
        plot,
        v4.new_markdown_cell("### a detail under Q1"),
        v4.new_markdown_cell("## Q2\n\nsomething else"),
    ]
    path = folder / name
    nbformat.write(v4.new_notebook(cells=cells), path)
    return path


def test_cells_tagged_come_with_their_outputs_and_attachments(tmp_path: Path) -> None:
    _notebook(tmp_path)
    answer = find_answer({"cell_tag": "jacobian"}, tmp_path, "q1")
    assert answer.problem == ""
    assert "hw.ipynb" in answer.where
    kinds = [type(p) for p in answer.pieces]
    assert kinds == [MarkdownPiece, CodePiece, ImagePiece, TextPiece]
    first = answer.pieces[0]
    assert isinstance(first, MarkdownPiece)
    assert "<math" in first.html and f"data:image/png;base64,{PNG}" in first.html
    assert any("HTML or SVG output is not shown" in n for n in answer.notes)
    assert all("<script" not in getattr(p, "html", "") for p in answer.pieces)


def test_a_section_by_title_runs_to_the_next_heading_as_high(tmp_path: Path) -> None:
    _notebook(tmp_path)
    answer = find_answer({"cell_title": "q1"}, tmp_path, "q1")  # case forgiven, prefix words
    assert answer.problem == ""
    htmls = [getattr(p, "html", "") for p in answer.pieces]
    assert any("a detail under Q1" in h for h in htmls)  # a lower heading stays in
    assert not any("something else" in h for h in htmls)
    assert not any("Homework" in h for h in htmls)


def test_missing_answers_say_what_is_there(tmp_path: Path) -> None:
    _notebook(tmp_path)
    tag = find_answer({"cell_tag": "q9"}, tmp_path, "q9")
    assert "no notebook cells tagged 'q9' in hw.ipynb; tags found: jacobian" == tag.problem
    file = find_answer({"file": "answers.md"}, tmp_path, "q")
    assert file.problem == "answers.md is not in the submission; it holds: hw.ipynb"
    (tmp_path / "answers.md").write_text("# Q1\n\nyes\n")
    section = find_answer({"file": "answers.md", "section": "Q2"}, tmp_path, "q")
    assert section.problem == "no heading 'Q2' in answers.md; its headings: Q1"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert find_answer({"cell_tag": "x"}, empty, "q").problem.startswith("no notebook")


def test_a_markdown_section_and_other_files(tmp_path: Path) -> None:
    (tmp_path / "d.md").write_text(
        "# All\n\n## Q1: first\n\n$x^2$\n\n```\n# not a heading\n```\n\n## Q2\n\nlater\n"
    )
    (tmp_path / "plot.png").write_bytes(_png())
    (tmp_path / "notes.txt").write_text("<b>plain</b>")
    (tmp_path / "model.py").write_text("x = 1 < 2\n")
    q1 = find_answer({"file": "d.md", "section": "Q1"}, tmp_path, "q1").pieces
    assert len(q1) == 1 and isinstance(q1[0], MarkdownPiece)
    assert "<math" in q1[0].html and "# not a heading" in q1[0].html and "later" not in q1[0].html
    image = find_answer({"file": "plot.png"}, tmp_path, "q").pieces[0]
    assert isinstance(image, ImagePiece) and image.mime == "image/png"
    text = find_answer({"file": "notes.txt"}, tmp_path, "q").pieces[0]
    assert isinstance(text, TextPiece) and text.text == "<b>plain</b>"
    code = find_answer({"file": "model.py"}, tmp_path, "q").pieces[0]
    assert isinstance(code, CodePiece) and "x = 1 &lt; 2" in code.html


def test_a_pdf_page(tmp_path: Path) -> None:
    (tmp_path / "w.pdf").write_bytes(
        b"%PDF-1.4\n1 0 obj << /Type /Pages >>\n" + b"<< /Type /Page >>\n" * 2
    )
    page = find_answer({"pdf": "w.pdf", "page": 2}, tmp_path, "q").pieces[0]
    assert isinstance(page, PdfPiece) and (page.path, page.page, page.pages) == ("w.pdf", 2, 2)
    assert (
        "has 2 page(s), so no page 3"
        in find_answer({"pdf": "w.pdf", "page": 3}, tmp_path, "q").problem
    )
    (tmp_path / "fake.pdf").write_bytes(b"<html>")
    assert "not a PDF" in find_answer({"pdf": "fake.pdf"}, tmp_path, "q").problem


def test_hostile_files_cost_only_that_answer(tmp_path: Path) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text("the answers key")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "link.md").symlink_to(outside)
    (sub / "dir").symlink_to(tmp_path)
    assert "symbolic link" in find_answer({"file": "link.md"}, sub, "q").problem
    assert "symbolic link" in find_answer({"file": "dir/secret.md"}, sub, "q").problem
    (sub / "big.md").write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    assert "over 20 MB" in find_answer({"file": "big.md"}, sub, "q").problem
    (sub / "bad.ipynb").write_text("{not json")
    assert "not valid JSON" in find_answer({"cell_tag": "q"}, sub, "q").problem
    (sub / "bad.ipynb").write_text(json.dumps({"cells": "no"}))
    assert "no list of cells" in find_answer({"cell_tag": "q"}, sub, "q").problem
    deep = {"cells": [{"cell_type": "markdown", "source": ["# Q"], "metadata": {"tags": ["q"]}}]}
    deep["cells"].append({"cell_type": "code", "outputs": [{"data": {"image/png": "!!"}}]})
    deep["cells"][1]["metadata"] = {"tags": ["q"]}
    (sub / "bad.ipynb").write_text(json.dumps(deep))
    answer = find_answer({"cell_tag": "q"}, sub, "q")
    assert answer.problem == "" and any("not valid base64" in n for n in answer.notes)
    assert "not one this grader knows" in find_answer({"file": "/etc/passwd"}, sub, "q").problem


XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "![x](https://evil.example/pixel.png)",
    "$<script>alert(1)</script>$",
    "$\\text{<img/onerror=alert(1)>}$",
    "$$\\href{javascript:alert(1)}{x}$$",
    '<a href="javascript:alert(1)">x</a>',
    "```html\n<script>alert(1)</script>\n```",
    "$\\style{color:red}{x}$ $\\class{x}{y}$",
]


class _Tags(HTMLParser):
    """Every tag and attribute of an HTML fragment, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))


SAFE = {"p", "a", "code", "pre", "span", "div", "em", "strong", "h1", "h2", "img", "math"}


@pytest.mark.parametrize("text", XSS)
def test_nothing_in_an_answer_can_run(text: str) -> None:
    parser = _Tags()
    parser.feed(markdown_html(text))
    for tag, attrs in parser.found:
        assert tag in SAFE or tag.startswith("m") or tag in {"none", "semantics"}, tag
        assert tag not in {"script", "iframe", "object", "embed", "svg", "style"}
        assert not [a for a in attrs if a.startswith("on")], attrs
        assert attrs.get("href", "https:").startswith(("https:", "http:", "mailto:")), attrs
        if tag == "img":
            assert attrs["src"].startswith("data:image/"), attrs


def test_math_renders_to_mathml_and_broken_math_is_shown_as_source() -> None:
    out = markdown_html("Inline $a_i^2$ and\n\n$$\\frac{1}{N}$$\n\nand $\\frac{$ here")
    assert out.count("<math") == 2 and 'display="block"' in out and "<mfrac>" in out
    assert "math-error" in out or "\\frac{" in out


def test_an_answer_draws_a_bounded_number_of_formulas_and_says_so(tmp_path: Path) -> None:
    """Is a flood of formulas (7 s a megabyte through latex2mathml) cut to the budget,
    shared by every cell of the answer, with a note, and the rest shown as source?"""
    per_cell = MAX_FORMULAS // 2 + 100
    cells = [
        nbformat.v4.new_markdown_cell(
            " ".join(f"$x_{{{c}{i}}}$" for i in range(per_cell)), metadata={"tags": ["q"]}
        )
        for c in range(2)
    ]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), tmp_path / "flood.ipynb")
    answer = find_answer({"cell_tag": "q"}, tmp_path, "q")
    html = "".join(getattr(p, "html", "") for p in answer.pieces)
    assert html.count("<math") == MAX_FORMULAS
    assert html.count('<code class="math-source">') == 2 * per_cell - MAX_FORMULAS
    assert any(f"{2 * per_cell - MAX_FORMULAS} formula(s)" in n for n in answer.notes)


def test_a_huge_markdown_answer_is_cut_with_a_note(tmp_path: Path) -> None:
    """Is Markdown past the budget left out, and said to be?"""
    (tmp_path / "long.md").write_text("word " * (MAX_MARKDOWN // 5) + "TAIL " * 100)
    answer = find_answer({"file": "long.md"}, tmp_path, "q")
    piece = answer.pieces[0]
    assert isinstance(piece, MarkdownPiece) and "TAIL" not in piece.html
    assert any("500 characters of Markdown" in n for n in answer.notes)
    assert "TAIL" in markdown_html("TAIL " * 2)  # a call of its own has a budget of its own


def test_the_whole_submission_skips_a_file_it_cannot_read(tmp_path: Path) -> None:
    """Does one unreadable or oddly named file cost only itself, not the whole answer?"""
    (tmp_path / "a.md").mkdir()  # a folder named like a file
    (tmp_path / "b\\..\\c.md").write_text("# odd name")
    (tmp_path / "d.md").write_text("# the derivation")
    answer = find_answer(None, tmp_path, "q")
    assert answer.problem == ""
    assert [p.html for p in answer.pieces if isinstance(p, MarkdownPiece)] == [
        "<h1>the derivation</h1>\n"
    ]
    assert any("a.md is not a plain file" in n for n in answer.notes)
    assert any("backslash" in n for n in answer.notes)


def test_outputs_of_any_shape_cost_only_that_answer(tmp_path: Path) -> None:
    """Does a notebook whose output fields have the wrong types show what it can?"""
    odd = [{"output_type": "error", "traceback": 5, "ename": "E", "evalue": "v"}]
    odd.append({"output_type": "display_data", "data": {"text/latex": 7}})
    cell = {"cell_type": "code", "source": "f()", "metadata": {"tags": ["q"]}, "outputs": odd}
    (tmp_path / "odd.ipynb").write_text(json.dumps({"cells": [cell]}))
    answer = find_answer({"cell_tag": "q"}, tmp_path, "q")
    assert answer.problem == ""
    assert [p.text for p in answer.pieces if isinstance(p, TextPiece)] == ["E: v"]


def _png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` (its pixels are the 2x2 PNG's)."""
    real = _png()
    ihdr = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return real[:8] + struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + real[33:]


def _jpeg(width: int, height: int) -> bytes:
    """The start of a JPEG: SOI, an APP0 segment, and a start-of-frame with the size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def test_images_are_shown_by_what_they_are_and_an_image_bomb_is_not(tmp_path: Path) -> None:
    """Is an image's type read from its bytes, and one declaring billions of pixels (a few
    kilobytes that would stall the grader's tab) left out with the reason?"""
    jpeg = base64.b64encode(_jpeg(20, 10)).decode()
    bomb = base64.b64encode(_png_declaring(100_000, 100_000)).decode()
    outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": jpeg}),  # mislabelled
        nbformat.v4.new_output("display_data", data={"image/png": bomb}),
        nbformat.v4.new_output("display_data", data={"image/gif": PNG}),
    ]
    cell = nbformat.v4.new_code_cell("show()", metadata={"tags": ["q"]}, outputs=outputs)
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), tmp_path / "hw.ipynb")
    answer = find_answer({"cell_tag": "q"}, tmp_path, "q")
    images = [p for p in answer.pieces if isinstance(p, ImagePiece)]
    assert [i.mime for i in images] == ["image/jpeg", "image/png"]
    assert images[0].data_uri.startswith("data:image/jpeg;base64,")
    assert any("declares 100,000 x 100,000 pixels" in n for n in answer.notes)
    (tmp_path / "bomb.png").write_bytes(_png_declaring(60_000, 60_000))
    assert "60,000 x 60,000" in find_answer({"file": "bomb.png"}, tmp_path, "q").problem
    (tmp_path / "page.gif").write_bytes(b"<svg onload=alert(1)>")
    problem = find_answer({"file": "page.gif"}, tmp_path, "q").problem
    assert problem == "page.gif is not shown: it is not a PNG, JPEG or GIF image"
    (tmp_path / "big.jpg").write_bytes(_jpeg(50_000, 50_000))
    assert "50,000 x 50,000" in find_answer({"file": "big.jpg"}, tmp_path, "q").problem
    (tmp_path / "ok.gif").write_bytes(b"GIF89a" + struct.pack("<HH", 3, 2) + b"\x00" * 20)
    assert find_answer({"file": "ok.gif"}, tmp_path, "q").problem == ""


@pytest.mark.parametrize(
    "heading", ["1. Softmax Jacobian", "Q1: softmax  jacobian?", "(a) Softmax Jacobian"]
)
def test_a_title_is_found_under_its_number(tmp_path: Path, heading: str) -> None:
    """Does a title find its heading when the student numbered it?"""
    cells = [nbformat.v4.new_markdown_cell(f"## {heading}\n\nmy answer")]
    cells.append(nbformat.v4.new_markdown_cell("## Softmax Jacobians, bonus"))
    nbformat.write(nbformat.v4.new_notebook(cells=cells), tmp_path / "hw.ipynb")
    answer = find_answer({"cell_title": "Softmax Jacobian"}, tmp_path, "q")
    assert answer.problem == "" and len(answer.pieces) == 1
    piece = answer.pieces[0]
    assert isinstance(piece, MarkdownPiece) and "my answer" in piece.html


def test_the_docs_state_the_limits_the_code_has() -> None:
    """Does docs/manual-grading.md give the limits as they are in the code?"""
    doc = Path(__file__).parents[1] / "docs" / "manual-grading.md"
    text = " ".join(doc.read_text(encoding="utf-8").split())
    for phrase in [
        f"a file over {MAX_FILE_BYTES >> 20} MB is not read",
        f"at most {MAX_PIECES} pieces",
        f"printed output past {MAX_TEXT:,} characters, Markdown past {MAX_MARKDOWN:,} and code past {MAX_CODE:,} are cut",
        f"past {MAX_FORMULAS:,} formulas or {MAX_LATEX:,} characters of LaTeX",
        f"an image over {MAX_IMAGE_BYTES >> 20} MB",
        f"more than {MAX_PIXELS // 1_000_000} million pixels",
        f"images past the first {MAX_IMAGES >> 20} MB of an answer",
    ]:
        assert phrase in text, phrase


def test_code_past_the_budget_is_cut_with_a_note(tmp_path: Path) -> None:
    """Do huge code files (a page of hundreds of megabytes) show only the budget's worth?"""
    for name in "abc":
        (tmp_path / f"{name}.py").write_text(f"# {name}\n" + "x = 1\n" * (MAX_CODE // 10))
    answer = find_answer(None, tmp_path, "q")
    codes = [p.code for p in answer.pieces if isinstance(p, CodePiece)]
    assert sum(map(len, codes)) == MAX_CODE and [c[:3] for c in codes] == ["# a", "# b"]
    cut = 3 * (len("# a\n") + 6 * (MAX_CODE // 10)) - MAX_CODE
    assert f"{cut:,} characters of code past the first {MAX_CODE:,}" in " ".join(answer.notes)


def test_a_section_that_ends_inside_its_own_cell_takes_no_cell_after(tmp_path: Path) -> None:
    """Is Q2's code, after a cell holding both Q1 and the heading of Q2, kept out of Q1?"""
    cells = [nbformat.v4.new_markdown_cell("## Q1\n\nanswer one\n\n## Q2\n\nanswer two")]
    cells.append(nbformat.v4.new_code_cell("q2_code()"))
    nbformat.write(nbformat.v4.new_notebook(cells=cells), tmp_path / "hw.ipynb")
    for location in ({"cell_title": "Q1"}, {"file": "hw.ipynb", "section": "Q1"}):
        answer = find_answer(location, tmp_path, "q1")
        assert len(answer.pieces) == 1, location
        piece = answer.pieces[0]
        assert isinstance(piece, MarkdownPiece) and "answer one" in piece.html
        assert "answer two" not in piece.html
    q2 = find_answer({"cell_title": "Q2"}, tmp_path, "q2").pieces
    assert [type(p) for p in q2] == [MarkdownPiece, CodePiece]


def test_an_attachment_whose_name_has_a_space_is_shown(tmp_path: Path) -> None:
    """Is a photo of a derivation pasted into a cell ("Screenshot 1.png", which Jupyter
    links as attachment:Screenshot%201.png) shown?"""
    cell = nbformat.v4.new_markdown_cell(
        "![Screenshot 1.png](attachment:Screenshot%201.png)", metadata={"tags": ["q"]}
    )
    cell["attachments"] = {"Screenshot 1.png": {"image/png": PNG}}
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), tmp_path / "hw.ipynb")
    piece = find_answer({"cell_tag": "q"}, tmp_path, "q").pieces[0]
    assert isinstance(piece, MarkdownPiece)
    assert f'<img src="data:image/png;base64,{PNG}" alt="Screenshot 1.png">' in piece.html


def test_a_section_under_an_underlined_heading(tmp_path: Path) -> None:
    """Are headings underlined with === or --- found, and a rule after a blank line not?"""
    (tmp_path / "d.md").write_text(
        "Homework\n========\n\nQ1: the Jacobian\n----------------\n\n$J = 1$\n\n---\n\n"
        "still Q1\n\nQ2\n--\n\nlater\n"
    )
    answer = find_answer({"file": "d.md", "section": "Q1"}, tmp_path, "q")
    piece = answer.pieces[0]
    assert isinstance(piece, MarkdownPiece)
    assert "<h2>Q1: the Jacobian</h2>" in piece.html and "<hr" in piece.html
    assert "still Q1" in piece.html and "later" not in piece.html


def test_a_hostile_heading_line_is_read_in_linear_time(tmp_path: Path) -> None:
    """Does one line of '# # # ...' (seconds per 30 kB through a backtracking pattern, so
    minutes for 200 kB) cost next to nothing when a section is looked for?"""
    (tmp_path / "d.md").write_text("# " + "# " * 100_000 + "x\n\n## Q1 ##\n\nyes\n")
    start = time.perf_counter()
    answer = find_answer({"file": "d.md", "section": "Q1"}, tmp_path, "q")
    assert time.perf_counter() - start < 2  # the backtracking pattern took 190 s here
    piece = answer.pieces[0]
    assert isinstance(piece, MarkdownPiece) and "<h2>Q1</h2>" in piece.html


def test_images_past_the_answer_budget_are_left_out(tmp_path: Path) -> None:
    """Do many notebooks full of big plots (a page of hundreds of megabytes) show only the
    budget's worth of images, with a note?"""
    big = base64.b64encode(_png() + b"\x00" * (4 * 1024 * 1024)).decode()  # 4 MB each
    for name in ("a.ipynb", "b.ipynb"):
        outputs = [nbformat.v4.new_output("display_data", data={"image/png": big})] * 3
        cell = nbformat.v4.new_code_cell("plot()", outputs=outputs)
        nbformat.write(nbformat.v4.new_notebook(cells=[cell]), tmp_path / name)
    answer = find_answer(None, tmp_path, "q")
    shown = [p for p in answer.pieces if isinstance(p, ImagePiece)]
    assert len(shown) == MAX_IMAGES // (4 * 1024 * 1024 + len(_png()))
    assert any(f"image(s) past the first {MAX_IMAGES >> 20} MB" in n for n in answer.notes)
