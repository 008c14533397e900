"""What an image in an answer really is, and whether it is safe to draw.

An answer's image is shown as a ``data:`` URI, so what matters is its bytes, not its name or
the MIME type a notebook claims: :func:`image_problem` sniffs the PNG, JPEG or GIF signature
and reads the width and height from the header, without decoding a pixel. A few kilobytes of
PNG can declare 100,000 x 100,000 pixels, which would take the grader's browser tab down with
it; past :data:`MAX_PIXELS` the image is left out.
"""

from __future__ import annotations

import struct
from typing import Literal

__all__ = ["MAX_PIXELS", "ImageMime", "image_problem", "sniff"]

ImageMime = Literal["image/png", "image/jpeg", "image/gif"]

MAX_PIXELS = 50_000_000
"""The most pixels (width x height) an image may declare to be shown: a 7,000 x 7,000 photo."""

# JPEG start-of-frame markers (SOF0-SOF15, less DHT C4, JPG C8 and DAC CC) hold the size
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# markers that stand alone, without a length: TEM, RST0-7, SOI
_ALONE = frozenset({0x01, *range(0xD0, 0xD9)})


def sniff(data: bytes) -> ImageMime | None:
    """The image type of ``data`` by its signature, or None when it is none of the three."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    return None


def image_problem(data: bytes) -> str:
    """Why ``data`` is not shown as an image ("" when it may be)."""
    mime = sniff(data)
    if mime is None:
        return "it is not a PNG, JPEG or GIF image"
    size = _size(mime, data)
    if size is None:
        return f"its {mime.removeprefix('image/').upper()} header cannot be read"
    width, height = size
    if width * height > MAX_PIXELS:
        return (
            f"it declares {width:,} x {height:,} pixels, more than {MAX_PIXELS:,} "
            "(drawing it could stall the page)"
        )
    return ""


def _size(mime: ImageMime, data: bytes) -> tuple[int, int] | None:
    """(width, height) from the header, or None when the header is cut or malformed."""
    if mime == "image/png":
        if len(data) < 24 or data[12:16] != b"IHDR":
            return None
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if mime == "image/gif":
        if len(data) < 10:
            return None
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    return _jpeg_size(data)


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """The size in the first start-of-frame segment, walking the segments from the start."""
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in _ALONE:
            at += 2
            continue
        if marker in _SOF:
            if at + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return int(width), int(height)
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if length < 2:
            return None
        at += 2 + length
    return None
