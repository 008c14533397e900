"""Attack 5: leave instead of answering, at import or inside one function.

An exit at import earns nothing; an exit inside one function costs only that function's
checks, whichever way it exits.
"""

from tests.adversarial.submissions.prelude import HONEST_NORM, HONEST_SCALE, PRELUDE

EXIT_AT_IMPORT = PRELUDE + "\nsys.exit(0)\n" + HONEST_SCALE + HONEST_NORM
OS_EXIT_AT_IMPORT = PRELUDE + "\nos._exit(0)\n" + HONEST_SCALE + HONEST_NORM
EXIT_IN_SCALE = (
    PRELUDE
    + """

def scale(x, k):
    sys.exit(0)
"""
    + HONEST_NORM
)
OS_EXIT_IN_NORM = (
    PRELUDE
    + HONEST_SCALE
    + """

def norm_rows(x):
    sys.stdout.flush()
    os._exit(0)
"""
)
INTERRUPT_IN_SCALE = (
    PRELUDE
    + """

def scale(x, k):
    raise KeyboardInterrupt
"""
    + HONEST_NORM
)

STUDENTS = {
    "exit_at_import": EXIT_AT_IMPORT,
    "exit_os_at_import": OS_EXIT_AT_IMPORT,
    "exit_in_scale": EXIT_IN_SCALE,
    "exit_os_in_norm": OS_EXIT_IN_NORM,
    "exit_interrupt_in_scale": INTERRUPT_IN_SCALE,
}
