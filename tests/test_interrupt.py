"""An interrupted run keeps what it finished, leaves no process behind, and resumes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tests.toycourse import make_course, solution

SLOW = solution({"return k * x": "import time\n    time.sleep(1.0)\n    return k * x"})


def _processes_mentioning(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_ctrl_c_keeps_finished_results_and_resumes(tmp_path: Path) -> None:
    """After Ctrl-C: exit 130, finished students keep results, no worker lingers, a re-run
    skips the finished ones and grades the rest."""
    make_course(tmp_path)
    tag = uuid.uuid4().hex[:8]
    students = [f"s{i}_{tag}" for i in range(4)]
    for name in students:
        (tmp_path / "subs" / name).mkdir(parents=True)
        (tmp_path / "subs" / name / "ops.py").write_text(SLOW)
    cmd = [
        sys.executable,
        "-c",
        "from grader.cli import main; main()",
        "grade",
        "subs",
        "-a",
        "toy",
        "-o",
        "out",
    ]
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while not list((tmp_path / "out").glob("*/result.json")) and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    finished = {p.parent.name for p in (tmp_path / "out").glob("*/result.json")}
    assert 1 <= len(finished) < len(students)
    time.sleep(0.5)
    assert _processes_mentioning(tag) == [], "a lane or worker outlived the interrupted grader"

    again = subprocess.run(
        cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
    )
    assert again.returncode == 0, again.stderr
    assert f"{len(finished)} unchanged and skipped" in again.stdout
    assert {p.parent.name for p in (tmp_path / "out").glob("*/result.json")} == set(students)
    os.sync()
