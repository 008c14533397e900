"""Attack 6: signal the grader: the parent, the process group, every process of the run.

``@VARIANT@`` picks one attack; it runs inside ``norm_rows``, which then returns zeros, so
the adversary earns exactly ``scale``'s 3 points. Signals to other processes go only to
processes of this grading run (see ``grading_run`` in the prelude), so that a run without
the sandbox cannot hurt anything else on the machine.
"""

from tests.adversarial.submissions.prelude import HONEST_SCALE, PRELUDE

VARIANTS = {
    "kill_parent": "SIGKILL to the parent",
    "stop_parent": "SIGSTOP to the parent",
    "kill_group": "SIGKILL to its own process group",
    "stop_group": "SIGSTOP to its own process group",
    "kill_all": "SIGKILL to every process of the grading run it can see",
    "stop_all": "SIGSTOP to every process of the grading run it can see",
    "interrupt_all": "SIGINT, then SIGTERM, to every process of the grading run it can see",
}

SIGNALLER = (
    PRELUDE
    + HONEST_SCALE
    + r"""
import signal

VARIANT = "@VARIANT@"


def send(pid, sig):
    if pid not in grading_run():
        return
    try:
        os.kill(pid, sig)
    except OSError:
        return
    breach(f"sent {signal.Signals(sig).name} to process {pid}")


def attack():
    sig = {"kill": signal.SIGKILL, "stop": signal.SIGSTOP}.get(VARIANT.split("_")[0])
    if VARIANT.endswith("_parent"):
        send(os.getppid(), sig)
    elif VARIANT.endswith("_group"):
        os.killpg(os.getpgrp(), sig)
    elif VARIANT == "interrupt_all":
        for sig in (signal.SIGINT, signal.SIGTERM):
            for pid in sorted(grading_run()):
                send(pid, sig)
    else:
        for pid in sorted(grading_run()):  # the oldest first: the grader itself
            send(pid, sig)


def norm_rows(x):
    attack()
    time.sleep(0.5)
    return np.zeros(len(x))
"""
)
