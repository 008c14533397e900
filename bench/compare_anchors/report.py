"""The comparison table, as text for the terminal and as Markdown for the README."""

from __future__ import annotations

import statistics

from pydantic import BaseModel, ConfigDict

from bench.compare_anchors.assignment import MAX_POINTS
from bench.compare_anchors.students import INFINITE_LOOP, Student
from bench.compare_anchors.tools import ToolRun


class Row(BaseModel):
    """One line of the table."""

    model_config = ConfigDict(extra="forbid")

    tool: str
    n: int
    wall_s: float
    per_s: float
    ratio: float | None  # throughput over nbgrader's (its seconds per notebook / this tool's)
    quiet_per_s: float | None  # seconds per notebook without the infinite-loop notebook(s)
    quiet_ratio: float | None
    right: int  # scores equal to the expected ones
    wrong: list[str]  # "s11: 0 (expected 6)"
    loop: str  # what the tool did with the infinite loop


def loops(students: list[Student]) -> list[str]:
    return [s.name for s in students if s.kind == INFINITE_LOOP]


def quiet_seconds(run: ToolRun, students: list[Student], rerun: ToolRun | None) -> float | None:
    """Seconds per notebook on the class without its infinite-loop notebook(s): measured by a
    second run (``rerun``) where given, else the serial wall time less those notebooks'."""
    looping = loops(students)
    if not looping or len(students) == len(looping):
        return None
    if rerun is not None:
        return rerun.wall_s / len(rerun.students)
    if not all(name in run.seconds for name in looping):
        return None
    rest = run.wall_s - sum(run.seconds[name] for name in looping)
    return rest / (len(students) - len(looping))


def loop_words(run: ToolRun, students: list[Student]) -> str:
    """What the tool did with the infinite loop, and the score it gave."""
    words = []
    for student in students:
        if student.kind != INFINITE_LOOP:
            continue
        score = run.scores.get(student.name)
        got = "no result" if score is None else f"{score:g}/{MAX_POINTS}"
        how = run.timeouts.get(student.name, "no timeout seen")
        seconds = run.seconds.get(student.name)
        spent = f" after {seconds:.0f} s" if seconds is not None else ""
        words.append(f"{how}{spent}: {got} (expected {student.expected})")
    return "; ".join(words) or "no infinite loop in this class"


def make_rows(
    runs: list[ToolRun], students: list[Student], reruns: dict[str, ToolRun]
) -> list[Row]:
    """The table's rows; the first run is nbgrader's (the ratios' base) when it is there."""
    base = next((r for r in runs if r.tool.startswith("nbgrader")), None)
    base_per = base.wall_s / len(students) if base else None
    base_quiet = quiet_seconds(base, students, None) if base else None
    rows = []
    for run in runs:
        per = run.wall_s / len(students)
        quiet = quiet_seconds(run, students, reruns.get(run.tool))
        wrong = [
            f"{s.name} ({s.kind}): {run.scores.get(s.name, 0):g} (expected {s.expected})"
            for s in students
            if run.scores.get(s.name, 0.0) != s.expected
        ]
        rows.append(
            Row(
                tool=run.tool,
                n=len(students),
                wall_s=run.wall_s,
                per_s=per,
                ratio=base_per / per if base_per else None,
                quiet_per_s=quiet,
                quiet_ratio=base_quiet / quiet if base_quiet and quiet else None,
                right=len(students) - len(wrong),
                wrong=wrong,
                loop=loop_words(run, students),
            )
        )
    return rows


def _num(value: float | None, fmt: str) -> str:
    return "–" if value is None else format(value, fmt)


def _times(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.1f}×"


HEADER = (
    "tool",
    "notebooks",
    "wall s",
    "s / notebook",
    "× nbgrader",
    "s / notebook w/o the loop",
    "× nbgrader w/o the loop",
    "scores right",
    "the infinite loop",
)


def cells(row: Row) -> list[str]:
    return [
        row.tool,
        str(row.n),
        f"{row.wall_s:.1f}",
        f"{row.per_s:.3f}",
        _times(row.ratio),
        _num(row.quiet_per_s, ".3f"),
        _times(row.quiet_ratio),
        f"{row.right}/{row.n}",
        row.loop,
    ]


def markdown_table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in cells(r)) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def text_table(rows: list[Row]) -> str:
    """The table for a terminal: the last column on its own line under each row."""
    table = [list(HEADER[:-1])] + [cells(r)[:-1] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    out = []
    for number, line in enumerate(table):
        out.append("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        if number:
            out.append(f"    infinite loop: {rows[number - 1].loop}")
            out.extend(f"    wrong score: {w}" for w in rows[number - 1].wrong)
    return "\n".join(out) + "\n"


def our_time(run: ToolRun, rerun: ToolRun | None, single: ToolRun | None) -> str:
    """Where ``grader grade``'s wall time went: the cost of starting (a run on one notebook),
    each further notebook, and the lane time (``duration_s``) inside that."""
    lanes = sorted(run.seconds.values())
    if not lanes:
        return f"{run.tool}: no results"
    words = [
        f"{run.tool}: lane time (duration_s: load, run the notebook in a sandboxed worker, the "
        f"six checks, score) median {1000 * statistics.median(lanes):.0f} ms a notebook, "
        f"slowest {lanes[-1]:.1f} s"
    ]
    if single is not None:
        words.append(
            f"grading one notebook with --jobs 1 takes {single.wall_s:.1f} s (CLI start, isolation probe, "
            "lanes and warm parent, one pytest session)"
        )
        if rerun is not None and len(rerun.students) > 1:
            each = (rerun.wall_s - single.wall_s) / (len(rerun.students) - 1)
            words.append(
                f"each further notebook {1000 * each:.0f} ms of wall time (without the loop: "
                f"{rerun.wall_s:.1f} s for {len(rerun.students)})"
            )
    return "; ".join(words)


def anchor_time(run: ToolRun) -> str:
    """Median and slowest seconds per notebook of a serial anchor."""
    spent = sorted(run.seconds.values())
    if not spent:
        return f"{run.tool}: no per-notebook times"
    return (
        f"{run.tool}: median {statistics.median(spent):.2f} s a notebook, slowest "
        f"{spent[-1]:.1f} s; set-up (not timed) {run.setup_s:.1f} s"
    )
