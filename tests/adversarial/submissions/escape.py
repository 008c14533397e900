"""Attack 7: start processes that outlive the submission, then return normally.

At import it starts ``sleep 300`` in a session of its own, a double-forked daemon (a new
Python that, for two minutes, rewrites the adversary's own result.json to full marks as soon
as the grader writes it), and a forked child that ignores the polite signals and sleeps.
Each carries the run's tag in its command line, environment or name. ``scale`` is honest,
``norm_rows`` is not: 3 points.
"""

from tests.adversarial.submissions.prelude import HONEST_SCALE, PRELUDE, WRONG_NORM

DAEMON = r"""
import json, os, sys, time
tag, name, fence, start = sys.argv[1:5]
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    here = start
    for _ in range(5):
        here = os.path.dirname(here)
        for child in sorted(os.listdir(here)) if os.path.isdir(here) else []:
            path = os.path.join(here, child, name, "result.json")
            if not os.path.realpath(path).startswith(fence + os.sep) or not os.path.isfile(path):
                continue
            try:
                result = json.load(open(path))
                if result.get("score") != 6.0:
                    for check in result["checks"]:
                        check.update(status="passed", points=check["max_points"], message="")
                    result["score"] = 6.0
                    json.dump(result, open(path, "w"))
            except (OSError, ValueError, KeyError):
                pass
    time.sleep(0.05)
"""

ESCAPER = (
    PRELUDE
    + r"""
import ctypes
import signal
import subprocess

DAEMON = @DAEMON@


def escape():
    path = os.environ.get("PATH", "/usr/bin:/bin")
    subprocess.Popen(
        ["sleep", "300"], start_new_session=True, env={"PATH": path, "ADVERSARY": TAG},
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    first = os.fork()
    if first == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, [sys.executable, "-c", DAEMON, TAG, NAME, FENCE, os.getcwd()])
        finally:
            os._exit(0)
    os.waitpid(first, 0)
    if os.fork() == 0:
        try:
            os.setsid()
            ctypes.CDLL(None).prctl(15, f"e{TAG}".encode(), 0, 0, 0)  # PR_SET_NAME
            for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                signal.signal(sig, signal.SIG_IGN)
            time.sleep(300)
        finally:
            os._exit(0)


escape()
"""
    + HONEST_SCALE
    + WRONG_NORM
).replace("@DAEMON@", repr(DAEMON))
