"""A small graded class with questions graded by hand, for the grading page's tests: three
students' submissions on disk (a notebook with a tagged derivation and a plot, a Markdown
file, one hostile answer), their results recorded in a course gradebook."""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path

import nbformat

from grader.coursebook.store import Coursebook
from grader.coursefile import CourseFile
from grader.models import CheckResult, SubmissionResult
from grader.spec import AssignmentSpec

__all__ = ["HOSTILE", "PDF", "PNG", "SPEC", "STUDENTS", "make_class"]


def _png(width: int = 240, height: int = 120) -> bytes:
    """A plot-sized PNG (a colour gradient), so the screenshots show where images go."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (255 * x // width, 96, 255 * y // height))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = base64.b64encode(_png()).decode()

PDF = b"%PDF-1.4\n1 0 obj << /Type /Page >> endobj\n%%EOF\n"

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> $\\text{<b>x</b>}$'

SPEC = AssignmentSpec.model_validate(
    {
        "id": "hw1",
        "title": "Homework 1",
        "submission": {"files": ["nn.py"]},
        "parts": [{"name": "P", "checks": {"test_a": 2, "test_b": 2}}],
        "manual": [
            {
                "id": "jacobian",
                "title": "Q1: the Jacobian",
                "points": 4,
                "prompt": "Derive $\\partial s_i / \\partial z_j$.",
                "answer": {"cell_tag": "jacobian"},
                "rubric": [
                    {"id": "diagonal", "title": "Diagonal $s_i(1-s_i)$", "points": 2},
                    {"id": "off", "title": "Off the diagonal", "points": 1.5},
                    {"id": "matrix", "title": "Matrix form", "points": 0.5},
                ],
            },
            {
                "id": "writeup",
                "title": "Q2: the write-up",
                "points": 2,
                "grading": "negative",
                "answer": {"file": "answers.md"},
                "rubric": [{"id": "unclear", "title": "Unclear", "points": -1}],
            },
            {
                "id": "scan",
                "title": "Q3: the scanned page",
                "points": 1,
                "answer": {"pdf": "scan.pdf", "page": 1},
            },
        ],
    }
)

COURSE = CourseFile.model_validate(
    {
        "students": [
            {"id": "ada", "name": "Ada L"},
            {"id": "bob", "name": "Bob M"},
            {"id": "cy", "name": "Cy N"},
        ],
        "assignments": [{"id": "hw1", "due": "2026-10-05T23:59:00+02:00", "points": 10}],
    }
)

STUDENTS = ["ada", "bob", "cy"]


def _notebook(folder: Path, derivation: str) -> None:
    v4 = nbformat.v4
    cells = [
        v4.new_markdown_cell("# Homework 1"),
        v4.new_markdown_cell(derivation, metadata={"tags": ["jacobian"]}),
        v4.new_code_cell(
            "plt.plot(x)",
            metadata={"tags": ["jacobian"]},
            outputs=[v4.new_output("display_data", data={"image/png": PNG})],
        ),
    ]
    nbformat.write(v4.new_notebook(cells=cells), folder / "hw1.ipynb")


def make_class(root: Path) -> Path:
    """Write the class under ``root`` and record it; the gradebook's path."""
    answers = {
        "ada": "$$J = \\mathrm{diag}(s) - s s^\\top$$",
        "bob": "The diagonal is $s_i (1 - s_i)$.",
        "cy": HOSTILE,
    }
    gradebook = root / "gradebook.sqlite"
    with Coursebook.open(gradebook) as book:
        book.sync_course(COURSE)
        book.set_assignment("hw1", SPEC.title, SPEC.max_points)
        book.sync_manual("hw1", SPEC.manual)
        run = book.begin_run("hw1", root / "subs", root / "out", "grade")
        for i, student in enumerate(STUDENTS):
            folder = root / "subs" / student
            folder.mkdir(parents=True)
            (folder / "nn.py").write_text("x = 1\n")
            _notebook(folder, answers[student])
            (folder / "answers.md").write_text(
                f"# Write-up\n\n{student} writes {answers[student]}\n"
            )
            if student == "ada":
                (folder / "scan.pdf").write_bytes(PDF)
            if student == "cy":  # a link to a file outside the submission
                (root / "secret.pdf").write_bytes(PDF + b"% the answer key")
                (folder / "scan.pdf").symlink_to(root / "secret.pdf")
            checks = [
                CheckResult(
                    name=name,
                    visibility="hidden",
                    status="passed" if j <= i else "failed",
                    part="P",
                    points=2.0 if j <= i else 0.0,
                    max_points=2,
                )
                for j, name in enumerate(["test_a", "test_b"])
            ]
            result = SubmissionResult(
                student=student,
                assignment="hw1",
                score=sum(c.points for c in checks),
                max_score=4,
                gradable=True,
                checks=checks,
                seed=1,
                content_hash=f"h-{student}",
            )
            book.record(run, result, folder)
    return gradebook
