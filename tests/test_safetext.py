"""Is student text stripped of what could act on a terminal or a spreadsheet?"""

from grader.safetext import csv_cell, printable


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
