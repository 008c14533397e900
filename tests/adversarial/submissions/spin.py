"""Attack 10: never finish, at import (one student) or in one function (another).

The function that spins first ignores and blocks every signal it can and then spins inside
C code (a regular expression that backtracks forever), which no Python-level timer reaches.
"""

from tests.adversarial.submissions.prelude import HONEST_NORM, HONEST_SCALE, PRELUDE

SPIN_AT_IMPORT = PRELUDE + "\nwhile True:\n    pass\n" + HONEST_SCALE + HONEST_NORM
SPIN_IN_NORM = (
    PRELUDE
    + HONEST_SCALE
    + r"""
import re
import signal


def norm_rows(x):
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM, signal.SIGXCPU):
        try:
            signal.signal(sig, signal.SIG_IGN)
        except (OSError, ValueError):
            pass
    signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.Signals) - {signal.SIGKILL, signal.SIGSTOP})
    re.match(r"(a+)+$", "a" * 64 + "b")
    return np.sqrt((x * x).sum(axis=1))
"""
)

STUDENTS = {"spin_at_import": SPIN_AT_IMPORT, "spin_in_norm": SPIN_IN_NORM}
