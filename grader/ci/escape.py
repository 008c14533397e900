"""Student text made inert for GitHub Actions: in the job log, in a workflow command, in the
job summary.

Everything a submission produces (check messages, notes, file names) is hostile text. The
runner reads every line a step prints, and a line whose first non-blank characters are
``::`` is a workflow command (``::add-mask::``, ``::stop-commands::``, ``::error``); the v1
syntax ``##[command]`` is recognised anywhere in a line. The job summary is GitHub-flavoured
Markdown, where a link, an image or an HTML tag renders as one. Each function here takes
student text and returns text that can only ever render as that text:

* :func:`log_text` for a log line: control characters and terminal escapes stripped
  (:func:`grader.safetext.printable`), a line that would start a command prefixed with a
  backslash, ``##[`` broken;
* :func:`command_data` and :func:`command_property` for the parts of a workflow command,
  with GitHub's documented percent-encoding;
* :func:`markdown` for summary text: every ASCII punctuation character backslash-escaped
  (CommonMark allows it for all of them), each run of white space one space.

The whole log of a ``grader ci`` run is also fenced with ``::stop-commands::`` (see
:class:`CommandFence`), so even text that escaped all of this is not read as a command.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

from grader.safetext import printable

__all__ = ["CommandFence", "command_data", "command_property", "log_text", "markdown"]

# What .NET's String.TrimStart removes before the runner looks for "::": Unicode white space.
_LEADING_SPACE = r"[\s\u180e\u200b\u2060\ufeff]*"
_COMMAND_START = re.compile(rf"^({_LEADING_SPACE})::", re.MULTILINE)
_V1_COMMAND = re.compile(r"##\[")
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def log_text(text: str) -> str:
    """``text`` for the job log: no control characters, no line the runner reads as a
    workflow command (a leading ``::`` becomes ``\\::``) and no ``##[`` (becomes ``#\\#[``)."""
    text = _COMMAND_START.sub(lambda m: f"{m[1]}\\::", printable(text))
    return _V1_COMMAND.sub(r"#\\#[", text)


def command_data(text: str) -> str:
    """The message of a workflow command (after the second ``::``), on one line."""
    text = printable(text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def command_property(text: str) -> str:
    """A property value of a workflow command (``file=``, ``title=``)."""
    return command_data(text).replace(":", "%3A").replace(",", "%2C")


def markdown(text: str) -> str:
    """``text`` as inline Markdown that renders as exactly that text, on one line: no link,
    image, HTML tag, emphasis, table cell break, mention or autolink."""
    one_line = " ".join(printable(text).split())  # no indented code block, no line break
    return _PUNCTUATION.sub(r"\\\1", one_line)


class CommandFence:
    """``::stop-commands::<token>`` before untrusted output, ``::<token>::`` after it.

    GitHub's runner ignores every workflow command between the two lines; the token is
    random, so text printed in between cannot end the fence early.
    """

    def __init__(self, emit: Callable[[str], None], enabled: bool = True) -> None:
        self._emit = emit
        self._token = secrets.token_hex(16) if enabled else ""

    def __enter__(self) -> CommandFence:
        if self._token:
            self._emit(f"::stop-commands::{self._token}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._token:
            self._emit(f"::{self._token}::")
