"""Attack 8: use up memory, processes or disk, inside ``norm_rows``; ``scale`` is honest.

Each attack stops itself, so that a run without the sandbox cannot take this machine down:
memory at 3 GB, the fork bomb at 2000 processes or 10 s, the disk at 2 GB. When a limit
stops it first, the error is let through, so the grader can name the limit.
"""

from tests.adversarial.submissions.prelude import HONEST_SCALE, PRELUDE

MEMORY_AT_ONCE = (
    PRELUDE
    + HONEST_SCALE
    + """

def norm_rows(x):
    hoard = bytearray(50 << 30)  # 50 GB
    breach(f"allocated {len(hoard) >> 30} GB")
    return np.zeros(len(x))
"""
)

MEMORY_CREEP = (
    PRELUDE
    + HONEST_SCALE
    + """

def norm_rows(x):
    blocks = [np.ones(8 << 20) for _ in range(48)]  # 64 MB each, every page touched: 3 GB
    breach(f"allocated {len(blocks) * 64} MB")
    return np.zeros(len(x))
"""
)

FORK_BOMB = (
    PRELUDE
    + HONEST_SCALE
    + r'''
import ctypes
import mmap
import struct

LIMIT, SECONDS = 2000, 10.0


def bomb(counter, deadline, me):
    """Every process forks, children included, until the shared count reaches LIMIT; the
    first refusal in the worker itself is raised, children keep trying as a bomb would."""
    libc = ctypes.CDLL(None)
    while time.monotonic() < deadline:
        made = struct.unpack("q", counter[:8])[0]
        if made >= LIMIT:
            return None
        try:
            pid = os.fork()
        except OSError as exc:
            if os.getpid() == me:
                return exc
            time.sleep(0.01)
            continue
        if pid == 0:
            libc.prctl(15, f"b{TAG}".encode(), 0, 0, 0)  # PR_SET_NAME: findable by the test
        else:
            counter[:8] = struct.pack("q", made + 1)
    return None


def norm_rows(x):
    counter, me = mmap.mmap(-1, 8), os.getpid()
    deadline = time.monotonic() + SECONDS
    try:
        error = bomb(counter, deadline, me)
    finally:
        if os.getpid() != me:
            while time.monotonic() < deadline:
                time.sleep(0.2)
            os._exit(0)
    if error is not None:
        raise error
    breach(f"made {struct.unpack('q', counter[:8])[0]} processes")
    return np.zeros(len(x))
'''
)

_DISK = (
    PRELUDE
    + HONEST_SCALE
    + r'''
CHUNK = b"\0" * (16 << 20)
LIMIT = 2 << 30


def fill(paths):
    """Write 16 MB chunks, spread over ``paths`` in turn, until an error or 2 GB."""
    written, fds = 0, [os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600) for p in paths]
    try:
        while written < LIMIT:
            written += os.write(fds[(written // len(CHUNK)) % len(fds)], CHUNK)
    finally:
        for fd in fds:
            os.close(fd)
    breach(f"wrote {written >> 20} MB")


def norm_rows(x):
    fill(@PATHS@)
    return np.zeros(len(x))
'''
)
DISK_ONE_FILE = _DISK.replace("@PATHS@", '["fill.bin"]')
DISK_MANY_FILES = _DISK.replace("@PATHS@", '[f"fill{i}.bin" for i in range(64)]')
