"""Does CUDA work inside the sandboxed worker, and is each worker's share of the GPU enforced?

    python bench/gpu_probe.py [--device cuda|cpu] [--share 0.1]

A throwaway course (one assignment, one check) graded through the real pipeline: the warm
parent, the fork, the sandbox (namespaces, private /tmp, rlimits, Landlock) and the worker's
GPU memory share (``[device] gpu_memory_fraction``). Four students, graded in this order in
one lane, each with its own ``work(device)``:

- ``a_touch``: a 256x256 matrix product on the device. Passes; its note gives the CUDA
  start-up time inside the worker and what the sandbox looks like from inside (PID, the
  memory rlimits, whether a folder outside the sandbox can be listed).
- ``b_hog``: allocates twice its share of the GPU's memory. Must fail, with the reason
  "ran out of GPU memory" (on the CPU: the memory limit).
- ``c_lift``: asks torch for the whole GPU (``set_per_process_memory_fraction(1.0)``). Must
  fail with the grader's refusal.
- ``d_after``: graded after the two above, allocates half its share and multiplies. Must pass:
  one worker's failure leaves the next one its whole share.

Prints one line per student and a verdict per expectation; exits 1 when one does not hold.
Also prints the sandbox layers the grader reports for this machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from grader.course import load_assignment
from grader.grade import grade
from grader.run import probe_isolation

SPEC = """
id = "gpu_probe"
title = "CUDA inside the sandboxed worker"

[submission]
files = ["ops.py"]

[limits]
check_seconds = 120
submission_seconds = 180
memory_mb = 4096
import_seconds = 60

[device]
gpu_memory_fraction = {share}

[worker]
preload = ["numpy", "torch"]

[[parts]]
name = "probe"
checks = {{ test_work = 1 }}
"""

CHECK = '''
from grader.checks import expect


def test_work(submission, device):
    """One matrix product on the grading device, in the student's sandboxed worker."""
    total, seconds, inside = submission.ops.work(device)
    expect.note(f"first device operation took {seconds:.3f} s; inside the sandbox: {inside}")
    assert total == 256.0**3
'''

# What every student's ops.py shares: the matrix product and a look at the sandbox.
COMMON = """import os
import resource
import time

import torch


def _inside():
    def limit(which):
        soft = resource.getrlimit(which)[0]
        return "unlimited" if soft == resource.RLIM_INFINITY else f"{soft / 2**30:.1f} GiB"

    try:
        os.listdir("/root")
        outside = "readable"
    except OSError as exc:
        outside = f"refused ({type(exc).__name__})"
    return (
        f"pid {os.getpid()}, RLIMIT_DATA {limit(resource.RLIMIT_DATA)}, "
        f"RLIMIT_AS {limit(resource.RLIMIT_AS)}, /root {outside}"
    )


def _total_memory(device):
    if device.startswith("cuda"):
        return torch.cuda.get_device_properties(0).total_memory
    return 64 * 2**30


def _product(device):
    began = time.perf_counter()
    x = torch.ones(256, 256, device=device)
    total = float((x @ x).sum().item())
    return total, time.perf_counter() - began, _inside()
"""

WORK = {
    "a_touch": """
def work(device):
    return _product(device)
""",
    "b_hog": """
def work(device):
    block = torch.empty(int(_total_memory(device) * 2 * {share}), dtype=torch.uint8, device=device)
    block.fill_(1)
    return _product(device)
""",
    "c_lift": """
def work(device):
    torch.cuda.set_per_process_memory_fraction(1.0)
    return _product(device)
""",
    "d_after": """
def work(device):
    block = torch.empty(int(_total_memory(device) * 0.5 * {share}), dtype=torch.uint8, device=device)
    block.fill_(1)
    return _product(device)
""",
}

REFERENCE = COMMON + """

def work(device):
    # BEGIN SOLUTION
    return _product(device)
    # END SOLUTION
"""

# student -> (should pass, words the failure's message must hold on cuda, on the CPU)
EXPECTED = {
    "a_touch": (True, "", ""),
    "b_hog": (False, "ran out of GPU memory", "memory"),
    "c_lift": (False, "your code cannot change it", ""),
    "d_after": (True, "", ""),
}


def write_course(root: Path, share: float) -> Path:
    files = {
        "assignments/gpu_probe/assignment.toml": SPEC.format(share=share),
        "assignments/gpu_probe/checks/hidden/test_work.py": CHECK,
        "reference/gpu_probe/ops.py": REFERENCE,
    }
    for student, work in WORK.items():
        files[f"class/{student}/ops.py"] = COMMON + work.format(share=share)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--share", type=float, default=0.1, help="each worker's GPU share")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gpu-probe-") as scratch:
        course = write_course(Path(scratch), args.share)
        print("sandbox layers on this machine (grader.run.probe_isolation):")
        for line in probe_isolation(load_assignment(course, "gpu_probe")):
            print(f"  - {line}")
        report = grade(
            course,
            "gpu_probe",
            course / "class",
            course / "out",
            jobs=1,
            seed=0,
            force=True,
            device=args.device,
        )
    failures = []
    for result in sorted(report.results, key=lambda r: r.student):
        check = result.checks[0] if result.checks else None
        status = check.status if check else f"not gradable: {result.not_gradable_reason}"
        message = " ".join((check.message + " " + check.details).split()) if check else ""
        print(f"{result.student}: {status} in {result.duration_s:.2f} s; {message[:400]}")
        should_pass, words_gpu, words_cpu = EXPECTED[result.student]
        words = words_gpu if args.device == "cuda" else words_cpu
        passed = check is not None and check.status == "passed"
        if passed != should_pass or (not should_pass and words not in message):
            failures.append(
                f"{result.student}: expected {'a pass' if should_pass else repr(words)}"
            )
    print(f"device {args.device}, share {args.share}: " + ("; ".join(failures) or "all as expected"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
