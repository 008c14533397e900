"""Run the ``grader`` command as a user would: a fresh interpreter, in a folder of our choosing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CODE = "from grader.cli import main; main()"


def grader(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``grader ARGS`` in ``cwd`` with ``env`` added to ours; output decoded with surrogate
    escapes, so bytes that are not UTF-8 come back rather than failing the test."""
    return subprocess.run(
        [sys.executable, "-c", CODE, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="surrogateescape",
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )
