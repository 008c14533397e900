"""The worker's GPU: CUDA started inside the sandbox, and the worker's share of the memory.

A GPU worker starts CUDA (:func:`start_cuda`) inside its namespaces but before its rlimits
and Landlock rules apply: starting CUDA maps tens of GB of address space and opens and
ioctls the driver's device files, which the limits meant for the student's own code would
refuse ("Error 304: OS call failed"). The memory limit is then measured from what the
started worker already maps.

Each worker may allocate at most ``fraction`` of each GPU's memory through torch's caching
allocator (``torch.cuda.set_per_process_memory_fraction``). The cap is queued to apply when
the submission first touches CUDA, so a worker that never does pays nothing for it, and
a worker that does is capped before its first allocation. Past the cap torch raises
``torch.cuda.OutOfMemoryError`` in that worker alone, which the server names in plain words;
the other submissions on the GPU keep their memory. The student's code cannot lift its cap
through torch's public function, which is replaced by one that refuses.
"""

from __future__ import annotations

import sys
import time
from typing import Any

REFUSAL = (
    "the grader sets each submission's share of the GPU's memory; your code cannot change it "
    "(remove the call to set_per_process_memory_fraction)"
)


def start_cuda() -> str:
    """Start CUDA and make the context on each visible GPU; a line for the isolation list.

    Runs in the sandboxed worker before the student's code and before the rlimits and
    Landlock rules. A failure is reported, not raised: the student's code then meets the
    same error where it uses the GPU, and the line says why.
    """
    began = time.perf_counter()
    try:
        import torch

        count = torch.cuda.device_count()
        for device in range(count):
            torch.ones(1, device=f"cuda:{device}").sum().item()  # the context on each GPU
    except Exception as exc:  # noqa: BLE001 - reported in the isolation list
        return f"GPU: CUDA did not start in the sandbox ({type(exc).__name__}: {exc})"
    if count == 0:
        return "GPU: no CUDA device is visible to the worker"
    return f"GPU: CUDA started before the limits applied, in {time.perf_counter() - began:.2f} s"


def cap_gpu_memory(fraction: float) -> bool:
    """Queue the cap for CUDA's initialisation; False when torch is not importable here."""
    try:
        import torch
    except ImportError:
        return False
    cuda: Any = torch.cuda
    original = cuda.memory.set_per_process_memory_fraction

    def apply() -> None:
        for device in range(cuda.device_count()):
            original(fraction, device)

    cuda._lazy_call(apply)  # runs now if CUDA is up, else inside its lazy initialisation

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError(REFUSAL)

    cuda.set_per_process_memory_fraction = refuse
    cuda.memory.set_per_process_memory_fraction = refuse
    return True


def is_gpu_out_of_memory(exc: BaseException) -> bool:
    """torch's CUDA out-of-memory error (without importing torch where it is not loaded)."""
    torch = sys.modules.get("torch")
    oom = getattr(getattr(torch, "cuda", None), "OutOfMemoryError", None)
    return isinstance(oom, type) and isinstance(exc, oom)
