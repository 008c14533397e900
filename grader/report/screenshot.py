"""A PNG of an HTML page, taken by headless Chromium: to check a report by eye, or for docs.

The page is one of ours (static, autoescaped, at most the table sorter as a script)
loaded from a file, so Chromium runs without its sandbox (which cannot start as root or in
most containers). Turning scripts off (``--blink-settings=scriptEnabled=false``) makes
headless Chromium silently write no screenshot, so the class report limits scripts itself,
with a Content-Security-Policy that allows only the sorter, by its hash.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from grader.errors import InstructorError

__all__ = ["ScreenshotError", "find_chromium", "screenshot"]

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
"""Names looked up on ``PATH``, in order."""
FALLBACK = Path("/usr/bin/chromium")
TIMEOUT_S = 90.0


class ScreenshotError(InstructorError):
    """No Chromium to take the screenshot with, or it failed."""


def find_chromium(search_path: str | None = None, fallback: Path = FALLBACK) -> Path:
    """The first of :data:`CANDIDATES` on ``search_path`` (default ``$PATH``), else
    ``fallback``; or :class:`ScreenshotError` saying how to get one."""
    for name in CANDIDATES:
        found = shutil.which(name, path=search_path)
        if found:
            return Path(found)
    if fallback.is_file() and os.access(fallback, os.X_OK):
        return fallback
    raise ScreenshotError(
        f"no Chromium found: looked for {', '.join(CANDIDATES)} on PATH and for {fallback}; "
        "install one (e.g. `apt-get install chromium`) or put it on PATH"
    )


def screenshot(html: Path, png: Path, width: int = 1280, height: int = 1600) -> Path:
    """Render ``html`` at ``width`` x ``height`` CSS pixels into ``png``; return ``png``.

    Only the top ``height`` pixels of a longer page are captured.
    """
    chromium = find_chromium()
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="grader-chromium-") as profile:
        command = [
            str(chromium),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--no-first-run",
            "--force-device-scale-factor=1",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--screenshot={png.resolve()}",
            html.resolve().as_uri(),
        ]
        png.unlink(missing_ok=True)
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise ScreenshotError(
                f"{chromium} took more than {TIMEOUT_S:g} s to screenshot {html}"
            ) from exc
    if done.returncode != 0 or not png.is_file():
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        raise ScreenshotError(
            f"{chromium} did not write {png} (exit code {done.returncode}) for {html}:\n{tail}"
        )
    return png
