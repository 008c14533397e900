"""Markdown, LaTeX and code from a student, as HTML that cannot run anything.

Markdown goes through markdown-it with raw HTML off (a ``<script>`` in an answer is shown
as text), its links keep only ``http``, ``https`` and ``mailto`` targets, and its images
only ``data:`` PNG, JPEG and GIF (a notebook cell's attachments become those): a remote
image, which would tell a stranger when the grader opened the answer, is shown as its alt
text. Math between ``$...$`` and ``$$...$$`` is converted here to MathML, which the browser
draws without any script; latex2mathml's output is parsed again and rebuilt from a list of
MathML elements and attributes, so text inside ``\\text{...}`` can never become a tag. A
formula that does not convert is shown as its source, escaped.

Drawing costs time (latex2mathml reads about a character of LaTeX in 7 µs) and a page of many
megabytes stalls the browser, so what one answer may draw is a :class:`Budget`: past
:data:`MAX_FORMULAS` formulas or :data:`MAX_LATEX` characters of LaTeX the rest is shown as
its source, escaped, past :data:`MAX_MARKDOWN` characters of Markdown or
:data:`MAX_CODE` of code the rest is cut, and past :data:`MAX_IMAGES` bytes of images the
rest are left out; the budget counts what it left out, for the page to say so.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from grader.extras import require

__all__ = [
    "MAX_CODE",
    "MAX_FORMULAS",
    "MAX_IMAGES",
    "MAX_LATEX",
    "MAX_MARKDOWN",
    "Budget",
    "code_html",
    "markdown_html",
    "math_html",
]

MAX_FORMULAS = 2_000
"""Formulas one answer draws as MathML; the rest are shown as their LaTeX."""
MAX_LATEX = 100_000
"""Characters of LaTeX one answer draws as MathML (about 0.7 s of latex2mathml)."""
MAX_MARKDOWN = 200_000
"""Characters of Markdown one answer renders; the rest is cut."""
MAX_CODE = 500_000
"""Characters of code one answer shows; the rest is cut."""
MAX_IMAGES = 20 * 1024 * 1024
"""Bytes of images one answer shows (a notebook's worth); later images are left out."""

_MATHML = "http://www.w3.org/1998/Math/MathML"
_ELEMENTS = frozenset(
    "math mrow mi mn mo ms mtext mspace msup msub msubsup mfrac msqrt mroot mover munder "
    "munderover mstyle mpadded mphantom menclose mtable mtr mtd mlabeledtr mfenced merror "
    "mmultiscripts mprescripts none semantics".split()
)
_ATTRIBUTES = frozenset(
    "display mathvariant stretchy fence separator separators lspace rspace width height depth "
    "columnalign rowalign columnspacing rowspacing columnlines rowlines frame accent "
    "accentunder linethickness displaystyle scriptlevel movablelimits form minsize maxsize "
    "symmetric largeop notation open close align columnspan rowspan voffset".split()
)
_IMAGE = re.compile(r"^data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=\s]+$")
_LINK = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)
_MATH_CHARS = 5_000


@dataclass
class Budget:
    """What one answer may still draw, and what it left out. Share one across the calls
    that render one answer; a call given none has a budget of its own."""

    formulas: int = MAX_FORMULAS
    latex: int = MAX_LATEX
    markdown: int = MAX_MARKDOWN
    code: int = MAX_CODE
    images: int = MAX_IMAGES
    formulas_left: int = 0
    """Formulas shown as their LaTeX because the budget was spent."""
    markdown_cut: int = 0
    """Characters of Markdown cut because the budget was spent."""
    code_cut: int = 0
    """Characters of code cut because the budget was spent."""
    images_left: int = 0
    """Images left out because the budget was spent."""

    def notes(self) -> list[str]:
        """What was left out, in sentences for the page."""
        said = []
        if self.formulas_left:
            said.append(
                f"{self.formulas_left:,} formula(s) past the first {MAX_FORMULAS:,} or "
                f"{MAX_LATEX:,} characters of LaTeX are shown as their source"
            )
        if self.markdown_cut:
            said.append(
                f"{self.markdown_cut:,} characters of Markdown past the first "
                f"{MAX_MARKDOWN:,} are not shown"
            )
        if self.code_cut:
            said.append(
                f"{self.code_cut:,} characters of code past the first {MAX_CODE:,} are not shown"
            )
        if self.images_left:
            said.append(
                f"{self.images_left:,} image(s) past the first {MAX_IMAGES >> 20} MB of images "
                "are not shown"
            )
        return said

    def draws(self, latex: str) -> bool:
        """Whether ``latex`` is drawn as MathML; drawing it spends a formula and its length."""
        if self.formulas <= 0 or len(latex) > self.latex:
            self.formulas_left += 1
            return False
        self.formulas -= 1
        self.latex -= len(latex)
        return True

    def shows_image(self, size: int) -> bool:
        """Whether an image of ``size`` bytes is shown; showing it spends its size."""
        if size > self.images:
            self.images_left += 1
            return False
        self.images -= size
        return True

    def cut(self, text: str) -> str:
        """``text`` as far as the Markdown budget goes, spending it."""
        kept = text[: max(self.markdown, 0)]
        self.markdown -= len(kept)
        self.markdown_cut += len(text) - len(kept)
        return kept

    def cut_code(self, code: str) -> str:
        """``code`` as far as the code budget goes, spending it."""
        kept = code[: max(self.code, 0)]
        self.code -= len(kept)
        self.code_cut += len(code) - len(kept)
        return kept


def markdown_html(
    text: str, attachments: Mapping[str, str] | None = None, budget: Budget | None = None
) -> str:
    """``text`` (Markdown with ``$`` math) as safe HTML; ``attachments`` maps a notebook
    cell's attachment names to their ``data:`` URIs (``![x](attachment:plot.png)``)."""
    budget = budget if budget is not None else Budget()
    env = {"attachments": dict(attachments or {}), "budget": budget}
    return str(_markdown().render(budget.cut(text), env))


def math_html(latex: str, display: bool, budget: Budget | None = None) -> str:
    """One formula as MathML, or its source escaped in ``<code class="math-error">`` (or
    ``math-source`` when ``budget`` is spent)."""
    source = latex.strip()
    if budget is not None and not budget.draws(source):
        return f'<code class="math-source">{html.escape(source[:_MATH_CHARS])}</code>'
    if len(source) > _MATH_CHARS:
        return _math_error(source[:_MATH_CHARS] + " …")
    converter = require("latex2mathml.converter", why="math in the answers", who="grader serve")
    try:
        mathml = converter.convert(source, display="block" if display else "inline")
        return _clean_mathml(mathml)
    except Exception:  # latex2mathml raises many kinds on a formula it cannot read
        return _math_error(source)


def code_html(code: str, language: str = "python") -> str:
    """Code as an escaped ``<pre><code>`` block."""
    lang = re.sub(r"[^a-z0-9+-]", "", language.lower())[:20]
    return f'<pre class="code"><code class="language-{lang}">{html.escape(code)}</code></pre>'


def _math_error(source: str) -> str:
    return f'<code class="math-error">{html.escape(source)}</code>'


def _clean_mathml(mathml: str) -> str:
    """latex2mathml's output rebuilt from the allowed elements and attributes alone."""
    try:
        root = ET.fromstring(mathml)
    except ET.ParseError:
        raise ValueError("not well-formed MathML") from None
    return ET.tostring(_rebuilt(root), encoding="unicode", short_empty_elements=False)


def _rebuilt(node: ET.Element) -> ET.Element:
    name = node.tag.rsplit("}", 1)[-1]
    if name not in _ELEMENTS:
        raise ValueError(f"MathML element {name!r} is not allowed")
    attributes = {
        key: value
        for key, value in node.attrib.items()
        if key in _ATTRIBUTES and not value.lower().lstrip().startswith("javascript")
    }
    if name == "math":
        attributes["xmlns"] = _MATHML
    copy = ET.Element(name, attributes)
    copy.text = node.text
    for child in node:
        rebuilt = _rebuilt(child)
        rebuilt.tail = child.tail
        copy.append(rebuilt)
    return copy


@lru_cache(maxsize=1)
def _markdown() -> Any:
    markdown_it = require("markdown_it", why="Markdown in the answers", who="grader serve")
    dollarmath = require(
        "mdit_py_plugins.dollarmath", why="math in the answers", who="grader serve"
    )
    md = markdown_it.MarkdownIt("commonmark", {"html": False, "linkify": False})
    md.enable(["table", "strikethrough"])
    md.use(dollarmath.dollarmath_plugin, allow_space=True, allow_digits=True, double_inline=True)
    md.validateLink = lambda url: bool(_LINK.match(url)) or url.startswith(("data:", "attachment:"))
    rules = md.add_render_rule
    rules(
        "math_inline",
        lambda self, tokens, idx, options, env: math_html(
            tokens[idx].content, False, env["budget"]
        ),
    )
    rules(
        "math_inline_double",
        lambda self, tokens, idx, options, env: math_html(tokens[idx].content, True, env["budget"]),
    )
    rules("math_block", _math_block)
    rules("math_block_label", _math_block)
    rules("image", _image)
    rules("link_open", _link_open)
    rules(
        "fence",
        lambda self, tokens, idx, options, env: code_html(
            tokens[idx].content, tokens[idx].info or "text"
        ),
    )
    rules(
        "code_block", lambda self, tokens, idx, options, env: code_html(tokens[idx].content, "text")
    )
    return md


def _math_block(self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any) -> str:
    return f'<div class="math-block">{math_html(tokens[idx].content, True, env["budget"])}</div>\n'


def _image(self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Mapping[str, Any]) -> str:
    token = tokens[idx]
    alt = "".join(child.content for child in token.children or [])
    src = str(token.attrGet("src") or "")
    if src.startswith("attachment:"):
        # Jupyter writes "Screenshot 1.png" as attachment:Screenshot%201.png
        name = src.removeprefix("attachment:")
        attached = env.get("attachments", {})
        src = attached.get(name) or attached.get(unquote(name), "")
    if not _IMAGE.match(src):
        shown = alt or "an image"
        return f'<span class="image-left-out" title="only images inside the submission are shown">[{html.escape(shown)}]</span>'
    return f'<img src="{html.escape(src, quote=True)}" alt="{html.escape(alt, quote=True)}">'


def _link_open(self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any) -> str:
    href = str(tokens[idx].attrGet("href") or "")
    if not _LINK.match(href):
        return '<a class="link-left-out">'
    return f'<a href="{html.escape(href, quote=True)}" rel="noopener noreferrer nofollow" target="_blank">'
