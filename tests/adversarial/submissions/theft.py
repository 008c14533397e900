"""Attack 1: find the reference solution on disk and let it answer ``norm_rows``.

Both adversaries compute ``scale`` honestly, so they earn exactly its 3 points when the
reference stays out of reach, and 6 when it does not.
"""

from tests.adversarial.submissions.prelude import HONEST_SCALE, PRELUDE

_DELEGATE = '''
import importlib.util

STOLEN = None


def use(path, how):
    """Import the stolen reference and answer with it from now on."""
    global STOLEN
    try:
        spec = importlib.util.spec_from_file_location("_stolen_reference", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception:
        return
    STOLEN = module
    breach(f"norm_rows answers with the reference at {path}, found {how}")


def norm_rows(x):
    if STOLEN is not None:
        return STOLEN.norm_rows(x)
    return np.zeros(len(x))
'''

WALK = (
    PRELUDE
    + _DELEGATE
    + r'''
SKIP = {
    "proc", "sys", "dev", "usr", "lib", "lib64", "lib32", "bin", "sbin", "etc", "boot", "run",
    "snap", "site-packages", "dist-packages", "node_modules", ".git", "__pycache__", ".cache",
    ".pyenv",
}


def starting_points():
    """Where to look, nearest first: our folder and its parents, where Python, the grader and
    its installed metadata point, the home folder, then the usual roots of a machine."""
    found = []

    def add(path, parents=0):
        for _ in range(parents + 1):
            if path and path not in found:
                found.append(path)
            path = os.path.dirname(path)

    add(os.getcwd(), 12)
    add(os.path.dirname(os.path.abspath(__file__)), 12)
    try:
        import grader

        add(os.path.dirname(os.path.abspath(grader.__file__)), 6)
    except Exception:
        pass
    for entry in sys.path:
        add(os.path.abspath(entry or "."), 6)
    try:
        from importlib import metadata

        text = metadata.distribution("dl-grader").read_text("direct_url.json") or ""
        if "file://" in text:
            add(text.split("file://", 1)[1].split('"', 1)[0], 3)
    except Exception:
        pass
    home = os.path.expanduser("~")
    for root in (home, "/work", "/home", "/root", "/srv", "/opt", "/var/tmp", "/tmp", "/"):
        add(root)
    return found


def find_reference(seconds=3.0):
    """Walk the starting points (six levels deep at most) for reference/toy/ops.py."""
    deadline = time.monotonic() + seconds
    for top in starting_points():
        base = top.rstrip(os.sep).count(os.sep)
        for here, dirs, _ in os.walk(top):
            if time.monotonic() > deadline:
                return None
            candidate = os.path.join(here, "reference", "toy", "ops.py")
            if os.path.isfile(candidate):
                return candidate
            deep = here.count(os.sep) - base >= 6
            dirs[:] = [] if deep else [d for d in dirs if d not in SKIP]
    return None


_found = find_reference()
if _found:
    use(_found, "by searching the file system")
'''
    + HONEST_SCALE
)

PROC = (
    PRELUDE
    + _DELEGATE
    + r'''
import re

PATTERN = re.compile(rb"/[\w./+-]{1,300}?/reference/toy/ops\.py")


def reference_near(path):
    """reference/toy/ops.py in ``path`` or one of its parents, if there is one."""
    for _ in range(6):
        candidate = os.path.join(path, "reference", "toy", "ops.py")
        if os.path.isfile(candidate):
            return candidate
        path = os.path.dirname(path)
    return None


def clues(pid):
    """Paths a process gives away: its folders, arguments, environment and open files."""
    for link in ("cwd", "root"):
        try:
            yield os.readlink(f"/proc/{pid}/{link}"), link
        except OSError:
            pass
    for source in ("cmdline", "environ"):
        try:
            items = read_bytes(f"/proc/{pid}/{source}").split(b"\0")
        except OSError:
            continue
        for item in items:
            value = item.split(b"=", 1)[-1].decode("utf-8", "replace")
            if value.startswith("/"):
                yield value, source
    for fd in listdir(f"/proc/{pid}/fd"):
        try:
            yield os.readlink(f"/proc/{pid}/fd/{fd}"), "fd"
        except OSError:
            pass


def memory_clue(pid, budget=64 << 20):
    """A reference path read straight out of the process's writable memory."""
    try:
        maps = read_bytes(f"/proc/{pid}/maps", 1 << 22).decode().splitlines()
        mem = open(f"/proc/{pid}/mem", "rb", buffering=0)
    except OSError:
        return None
    with mem:
        for line in maps:
            fields = line.split()
            if len(fields) < 2 or not fields[1].startswith("rw") or budget <= 0:
                continue
            start, end = (int(v, 16) for v in fields[0].split("-"))
            size = min(end - start, budget)
            budget -= size
            try:
                mem.seek(start)
                chunk = mem.read(size)
            except (OSError, OverflowError, ValueError):
                continue
            match = PATTERN.search(chunk or b"")
            if match:
                return match.group(0).decode("utf-8", "replace")
    return None


def find_reference():
    processes = grader_processes()
    for pid in processes:
        for path, how in clues(pid):
            found = reference_near(path if os.path.isdir(path) else os.path.dirname(path))
            if found:
                return found, f"through /proc/{pid}/{how}"
    for pid in processes[:8]:
        path = memory_clue(pid)
        if path and os.path.isfile(path):
            return path, f"in the memory of process {pid}"
    return None, ""


_found, _how = find_reference()
if _found:
    use(_found, _how)
'''
    + HONEST_SCALE
)

STUDENTS = {"theft_walk": WALK, "theft_proc": PROC}
