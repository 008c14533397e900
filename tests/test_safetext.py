"""Is student text stripped of what could act on a terminal or a spreadsheet?"""

from pathlib import Path

from grader.report.classstats import Unreadable
from grader.safetext import csv_cell, printable, well_formed, well_formed_model


def test_printable_drops_escape_sequences_and_controls() -> None:
    hostile = "ok\x1b[2J\x1b]0;title\x07\x1b[31mred\x1b[0m\x00\x08\u202eevil\rover\tend\n"
    assert printable(hostile) == "okredevil\nover\tend\n"


def test_printable_keeps_ordinary_text() -> None:
    text = "AssertionError: expected (3, 4), got (4, 3) — ünïcode ✓\n\tline 2"
    assert printable(text) == text


def test_csv_cell_escapes_formula_starts() -> None:
    for start in "=+-@":
        assert csv_cell(f"{start}HYPERLINK(1)") == f"'{start}HYPERLINK(1)"
    assert csv_cell("alice") == "alice"
    assert csv_cell("\x1b[2J=1+1") == "'=1+1"


def test_printable_drops_eight_bit_sequences_and_lone_surrogates() -> None:
    """The 8-bit CSI and OSC forms (U+009B, U+009D) go whole, not just their first byte;
    a lone surrogate (a file name that is not UTF-8) becomes U+FFFD."""
    assert printable("a\x9b31mb\x9d0;title\x9cc\udc80") == "abc\ufffd"


def test_csv_cell_leaves_a_harmless_cell_alone_and_escapes_after_cleaning() -> None:
    assert csv_cell("a=b") == "a=b"
    assert csv_cell("\tx") == "'\tx"
    assert csv_cell("\r=1") == "'\n=1"
    assert csv_cell("  @SUM(1)") == "'  @SUM(1)"


def test_well_formed_model_replaces_surrogates_everywhere() -> None:
    """Every string in a model, nested ones and paths included, encodes as UTF-8 after."""
    unreadable = Unreadable(student="bad\udcff", path=Path("/r/bad\udcff/result.json"), problem="p")
    clean = well_formed_model(unreadable)
    assert clean.student == "bad\ufffd" and str(clean.path) == "/r/bad\ufffd/result.json"
    clean.model_dump_json().encode("utf-8")
    fine = Unreadable(student="amy", path=Path("/r/amy/result.json"), problem="p")
    assert well_formed_model(fine) is fine
    assert well_formed("ok \ud800") == "ok \ufffd"


def test_csv_cell_cuts_text_a_spreadsheet_cannot_hold() -> None:
    """Excel holds 32,767 characters in a cell; a longer reason is cut, apostrophe included."""
    assert len(csv_cell("x" * 100_000)) <= 32_767
    assert len(csv_cell("=" * 100_000)) <= 32_767
    assert csv_cell("x" * 10) == "x" * 10
