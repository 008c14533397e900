"""The class report's similarity section: shown from the results folder's similarity.json,
linking the page; a file that is missing, malformed or of another assignment never stops
the report."""

from __future__ import annotations

from pathlib import Path

from grader.outputs import write_class_report
from grader.report.similarity_section import read_similarity
from grader.similarity.summary import PairScore, SimilaritySummary
from tests.test_class_report import _class


def _summary(assignment: str = "hw1") -> SimilaritySummary:
    return SimilaritySummary(
        assignment=assignment,
        page="similarity.html",
        detector="test",
        compared=6,
        pairs=[
            PairScore(student_a="ada", student_b="<script>x</script>", a_to_b=0.97, b_to_a=0.9),
            PairScore(student_a="bob", student_b="cy", a_to_b=0.2, b_to_a=0.25, b_is_past=True),
        ],
    )


def test_the_section_lists_the_pairs_and_links_the_page(tmp_path: Path) -> None:
    results = _class(tmp_path / "results")
    (results / "similarity.json").write_text(_summary().model_dump_json())
    (results / "similarity.html").write_text("<html></html>")
    page = write_class_report(results, tmp_path / "pages" / "class.html").page
    html = page.read_text(encoding="utf-8")
    assert 'id="similarity"' in html and "the 2 most similar of 6 pairs" in html
    assert "<td>ada</td><td>&lt;script&gt;x&lt;/script&gt;</td>" in html and "97%" in html
    assert "(past term)" in html
    assert 'href="../results/similarity.html"' in html


def test_no_file_no_section_and_bad_files_say_why(tmp_path: Path) -> None:
    results = _class(tmp_path / "results")
    page = results / "report.html"
    assert read_similarity(results, "hw1", page) is None
    assert 'id="similarity"' not in write_class_report(results).page.read_text()

    (results / "similarity.json").write_text('{"assignment": "hw1", "pa')
    section = read_similarity(results, "hw1", page)
    assert section is not None and "malformed" in section.note and section.pairs == []
    assert "malformed" in write_class_report(results).page.read_text()

    (results / "similarity.json").write_text(_summary("hw2").model_dump_json())
    other = read_similarity(results, "hw1", page)
    assert other is not None and "is of 'hw2', not 'hw1'" in other.note

    escape = _summary().model_copy(update={"page": "../../etc/passwd"})
    (results / "similarity.json").write_text(escape.model_dump_json())
    (results / "passwd").write_text("x")
    inside = read_similarity(results, "hw1", page)
    assert inside is not None and inside.href == "passwd"  # the name only, in the folder
