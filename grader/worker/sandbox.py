"""The sandbox a worker enters right after it is forked, before any submission code runs.

No root needed. In order, each step where this machine allows it:

1. a pids cgroup with ``pids.max`` (only where the grader runs as root and cgroups are
   writable; elsewhere ``RLIMIT_NPROC`` inside a user namespace bounds forks);
2. new user, network, mount, IPC and PID namespaces: no network at all (not even loopback),
   and every process the submission starts dies with it;
3. a private, size-limited tmpfs on ``/tmp`` holding a copy of the submission in
   ``/tmp/work`` (the only writable place; the grader's scratch folder, with the other
   students' files, is hidden under it), a private ``/dev/shm`` and a fresh ``/proc``;
4. on a GPU run, CUDA started (:func:`grader.worker.gpu.start_cuda`), before the limits
   below, which would refuse what starting it takes;
5. rlimits: memory (grown by ``memory_mb`` from what the worker already maps), CPU seconds,
   processes, open files, file size; no core dumps;
6. Landlock: read-only access to the Python installation and system folders, read-write to
   ``/tmp`` and ``/dev/shm`` only, no TCP, no signals to processes outside the sandbox.

:func:`enter` runs in the forked child and returns in a grandchild (PID 1 of the new PID
namespace); the child itself stays behind and mirrors the grandchild's exit status.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
from dataclasses import dataclass, field

from grader.procutil import die_with_parent
from grader.protocol import WorkerLimits
from grader.worker import landlock
from grader.worker.gpu import start_cuda

__all__ = ["CPU_LIMIT_EXIT", "Policy", "enter", "read_only_paths"]

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x10000000, 0x20000000
CLONE_NEWNET, CLONE_NEWIPC = 0x40000000, 0x08000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x4000, 0x40000
SANDBOX_WORKDIR = "/tmp/work"
CPU_LIMIT_EXIT = 71  # the exit code of a worker that used up its CPU seconds
SYSTEM_READ_ONLY = (
    "/usr",
    "/lib",
    "/lib64",
    "/lib32",
    "/bin",
    "/sbin",
    "/etc",
    "/proc",
    "/sys",
    "/dev",
)
DEVICES_READ_WRITE = (
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
    "/dev/shm",
    "/tmp",
)
PIDS_CGROUP = "/sys/fs/cgroup/pids"


@dataclass
class Policy:
    """One worker's sandbox: its work folder, its limits (sent whole by the trusted side with
    each fork request), and the trees it may read."""

    workdir: str
    limits: WorkerLimits
    read_only: list[str] = field(default_factory=list)


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def cgroup_path(pid: int) -> str:
    return f"{PIDS_CGROUP}/dl-grader/w{pid}"


def _join_pids_cgroup(limit: int) -> str | None:
    """As root with a writable pids hierarchy: a cgroup of our own with ``pids.max``."""
    if os.geteuid() != 0 or not os.access(PIDS_CGROUP, os.W_OK):
        return None
    path = cgroup_path(os.getpid())
    try:
        os.makedirs(path, exist_ok=True)
        with open(f"{path}/pids.max", "w") as handle:
            handle.write(str(limit))
        with open(f"{path}/cgroup.procs", "w") as handle:
            handle.write(str(os.getpid()))
    except OSError:
        return None
    return f"pids cgroup (at most {limit} processes)"


def _unshare_namespaces() -> None:
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWPID
    _check(_libc().unshare(flags), "unshare")
    with open("/proc/self/setgroups", "w") as handle:
        handle.write("deny")
    with open("/proc/self/uid_map", "w") as handle:
        handle.write(f"{uid} {uid} 1")
    with open("/proc/self/gid_map", "w") as handle:
        handle.write(f"{gid} {gid} 1")


def _try_unshare() -> bool:
    try:
        _unshare_namespaces()
    except OSError:
        return False
    return True


def enter(policy: Policy) -> tuple[str, list[str]]:
    """Enter the strongest sandbox this machine allows; return (work folder, what applied).

    Runs in the freshly forked child. With namespaces it forks once more and returns in the
    grandchild (PID 1 of the new PID namespace); the child stays behind mirroring its exit.
    A weaker sandbox is named in the returned list with the word WEAKER.
    """
    applied = [m for m in [_join_pids_cgroup(policy.limits.processes)] if m]
    read_write = [policy.workdir, *DEVICES_READ_WRITE, *gpu_devices()]
    workdir = policy.workdir
    if _try_unshare():
        applied.append("user, network, mount, IPC and PID namespaces (no network)")
        pid = os.fork()
        if pid != 0:
            _mirror_exit(pid)
        die_with_parent()
        applied.append(_mount_private_tmp(policy))
        workdir, read_write = SANDBOX_WORKDIR, [*DEVICES_READ_WRITE, *gpu_devices()]
    else:
        applied.append("WEAKER: no user namespaces, so no network or process isolation")
    if policy.limits.gpu_memory_fraction is not None:
        applied.append(start_cuda())
    applied.append(_set_limits(policy.limits))
    abi = landlock.abi_version()
    if abi:
        covered = landlock.restrict(policy.read_only, read_write, abi)
        applied.append(f"Landlock v{abi}: {', '.join(covered)}")
    else:
        applied.append("WEAKER: no Landlock, so files outside the work folder are not protected")
    os.environ.update(
        HOME=os.path.join(workdir, ".home") if workdir != SANDBOX_WORKDIR else "/tmp/home"
    )
    os.chdir(workdir)
    return workdir, applied


def _mirror_exit(pid: int) -> None:
    """Stay as the sandbox's outer process: wait for the worker, then end the same way."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(sig, signal.SIG_DFL)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.kill(os.getpid(), sig)
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def _mount_private_tmp(policy: Policy) -> str:
    """A size-limited tmpfs on /tmp with a copy of the submission in /tmp/work."""
    files = _read_tree(policy.workdir)
    libc = _libc()
    _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "making mounts private")
    size = f"size={policy.limits.disk_mb}m,mode=1777".encode()
    _check(libc.mount(b"tmpfs", b"/tmp", b"tmpfs", MS_NOSUID | MS_NODEV, size), "mounting /tmp")
    if os.path.isdir("/dev/shm"):
        _check(
            libc.mount(b"tmpfs", b"/dev/shm", b"tmpfs", MS_NOSUID | MS_NODEV, size),
            "mounting /dev/shm",
        )
    _check(libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV, None), "mounting /proc")
    os.makedirs(SANDBOX_WORKDIR, exist_ok=True)
    for rel, data in files.items():
        dest = os.path.join(SANDBOX_WORKDIR, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as handle:
            handle.write(data)
    os.makedirs("/tmp/home", exist_ok=True)
    return f"private /tmp of {policy.limits.disk_mb} MB holding only the submission"


def _read_tree(root: str) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as handle:
                    files[os.path.relpath(path, root)] = handle.read()
    return files


def _status_bytes(field_name: str) -> int:
    """A size from /proc/self/status (``VmSize``, ``VmData``) in bytes."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(f"{field_name}:"):
                return int(line.split()[1]) * 1024
    return 0


def _memory_limit(limits: WorkerLimits) -> tuple[int, int]:
    """(rlimit, bytes) bounding the worker's memory at ``memory_mb`` more than it has now.

    On the CPU that is the address space (``RLIMIT_AS``). CUDA reserves tens of GB of address
    space it never touches, so a GPU run bounds the private writable memory instead
    (``RLIMIT_DATA``: malloc, numpy and torch CPU tensors, anonymous mappings), which CUDA's
    reservations do not count against.
    """
    mb = 1024 * 1024
    if limits.gpu_memory_fraction is not None:
        return resource.RLIMIT_DATA, _status_bytes("VmData") + limits.memory_mb * mb
    return resource.RLIMIT_AS, _status_bytes("VmSize") + limits.memory_mb * mb


def _set_limits(limits: WorkerLimits) -> str:
    mb = 1024 * 1024
    memory, memory_bytes = _memory_limit(limits)
    rlimits = {
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NOFILE: limits.open_files,
        resource.RLIMIT_FSIZE: limits.file_size_mb * mb,
        resource.RLIMIT_NPROC: limits.processes,
        memory: memory_bytes,
    }
    for which, value in rlimits.items():
        _, hard = resource.getrlimit(which)
        capped = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (capped, capped))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write raises EFBIG instead
    # PID 1 of a namespace ignores SIGXCPU's default action, so end with a code of our own.
    signal.signal(signal.SIGXCPU, lambda *_: os._exit(CPU_LIMIT_EXIT))
    gpu = (
        ""
        if limits.gpu_memory_fraction is None
        else f", GPU memory {limits.gpu_memory_fraction:.0%} of the device"
    )
    return (
        f"limits: memory +{limits.memory_mb} MB{gpu}, CPU {limits.cpu_seconds} s, {limits.processes} "
        f"processes, {limits.open_files} open files, files up to {limits.file_size_mb} MB"
    )


def gpu_devices() -> list[str]:
    """NVIDIA device files, which a worker that chooses to use the GPU opens read-write."""
    try:
        names = os.listdir("/dev")
    except OSError:
        return []
    return [f"/dev/{n}" for n in sorted(names) if n.startswith("nvidia")]


def read_only_paths(sys_path: list[str], extra: list[str]) -> list[str]:
    """The trees a worker may read: the interpreter, its packages and the system folders."""
    import sys

    candidates = [
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        os.path.dirname(os.path.realpath(sys.executable)),
    ]
    candidates += [p for p in sys_path if p and os.path.isdir(p)] + extra + list(SYSTEM_READ_ONLY)
    seen: list[str] = []
    for path in candidates:
        for item in (path, os.path.realpath(path)):
            if os.path.exists(item) and item not in seen:
                seen.append(item)
    return seen
