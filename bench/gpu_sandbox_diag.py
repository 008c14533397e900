"""Which layer of the worker's sandbox stops CUDA? One forked process per layer.

    python bench/gpu_sandbox_diag.py [--memory-mb 4096]

Like the warm parent, this process imports torch without starting CUDA, then forks one child
per row; each child applies one layer of the sandbox (or all of them) and then makes a CUDA
tensor, the way a student's code would. A row prints "ok" with the seconds CUDA took, or the
error. The first row also lists the files CUDA opened and how much memory it mapped, which
the rlimits and Landlock rules must leave room for. Needs only torch and this checkout.
"""

from __future__ import annotations

import argparse
import os
import resource
import select
import signal
import sys
import tempfile
import time
from collections.abc import Callable

import torch

from grader.protocol import WorkerLimits
from grader.worker import landlock, sandbox

Layer = Callable[[], None]


def _status(field: str) -> str:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return " ".join(line.split()[1:])
    return "?"


def _open_files() -> list[str]:
    names = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            names.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass
    return sorted(n for n in names if n.startswith("/"))


def _use_cuda(details: bool) -> str:
    before = f"VmSize {_status('VmSize')}, VmData {_status('VmData')}"
    began = time.perf_counter()
    value = torch.ones(256, 256, device="cuda").sum().item()
    line = f"ok in {time.perf_counter() - began:.2f} s (sum {value:g})"
    if details:
        after = f"VmSize {_status('VmSize')}, VmData {_status('VmData')}"
        line += f"; before CUDA: {before}; after: {after}; files open: {_open_files()}"
    return line


def _policy(memory_mb: int, workdir: str) -> sandbox.Policy:
    return sandbox.Policy(
        workdir=workdir,
        limits=WorkerLimits(memory_mb=memory_mb, cpu_seconds=120, gpu_memory_fraction=0.1),
        read_only=sandbox.read_only_paths(sys.path, []),
    )


def _namespaces() -> None:
    sandbox._unshare_namespaces()
    pid = os.fork()
    if pid != 0:
        sandbox._mirror_exit(pid)


def layers(memory_mb: int, workdir: str) -> dict[str, Layer]:
    policy = _policy(memory_mb, workdir)
    mb = 2**20

    def data() -> None:
        limit = int(sandbox._status_bytes("VmData")) + memory_mb * mb
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))

    def address_space() -> None:
        limit = int(sandbox._status_bytes("VmSize")) + memory_mb * mb
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    def other_limits() -> None:
        for which, value in [
            (resource.RLIMIT_NOFILE, 256),
            (resource.RLIMIT_NPROC, 32),
            (resource.RLIMIT_FSIZE, 256 * mb),
            (resource.RLIMIT_CORE, 0),
        ]:
            resource.setrlimit(which, (value, value))

    def namespaces_and_mounts() -> None:
        _namespaces()
        sandbox._mount_private_tmp(policy)

    def rules() -> None:
        read_write = [workdir, *sandbox.DEVICES_READ_WRITE, *sandbox.gpu_devices()]
        landlock.restrict(policy.read_only, read_write, landlock.abi_version())

    def old_sandbox() -> None:  # the sandbox before CUDA was started ahead of the limits
        namespaces_and_mounts()
        sandbox._set_limits(policy.limits)
        landlock.restrict(
            policy.read_only,
            [*sandbox.DEVICES_READ_WRITE, *sandbox.gpu_devices()],
            landlock.abi_version(),
        )

    def new_sandbox() -> None:
        print("    applied:", sandbox.enter(policy)[1], flush=True)

    return {
        "nothing (CUDA files and memory listed)": lambda: None,
        f"RLIMIT_DATA = VmData + {memory_mb} MB": data,
        f"RLIMIT_AS = VmSize + {memory_mb} MB": address_space,
        "RLIMIT_NOFILE, NPROC, FSIZE, CORE": other_limits,
        "user, mount, net, IPC and PID namespaces": _namespaces,
        "namespaces + private /tmp, /dev/shm, /proc": namespaces_and_mounts,
        "Landlock (device files read-write)": rules,
        "all layers, CUDA started lazily (before the fix)": old_sandbox,
        "sandbox.enter: CUDA started before the limits (the fix)": new_sandbox,
    }


def attempt(name: str, layer: Layer, details: bool, seconds: float = 90.0) -> str:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            layer()
            line = _use_cuda(details)
        except BaseException as exc:  # noqa: BLE001 - reported
            line = f"FAILED: {type(exc).__name__}: {exc}"
        os.write(write, line.encode()[:60000])
        os._exit(0)
    os.close(write)
    ready, _, _ = select.select([read], [], [], seconds)
    text = os.read(read, 65536).decode(errors="replace") if ready else f"TIMED OUT ({seconds} s)"
    os.close(read)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
    return text or "FAILED: the child died without a word"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--memory-mb", type=int, default=4096)
    args = parser.parse_args()
    print(
        f"torch {torch.__version__} (CUDA not started here: children fork from this process), "
        f"Landlock ABI {landlock.abi_version()}, uid {os.getuid()}, "
        f"device files {sandbox.gpu_devices()}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="diag-") as workdir:
        for k, (name, layer) in enumerate(layers(args.memory_mb, workdir).items()):
            print(f"{name}: {attempt(name, layer, details=k == 0)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
