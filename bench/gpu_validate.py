"""One command for a machine with a GPU: validate an assignment on CUDA, then grade its demo
class on CUDA and on the CPU with one seed, and print each submission's seconds on both.

    python3 bench/gpu_validate.py [--assignment cnn_classifiers] [--validate cuda|cpu|none]
                                  [--devices cuda,cpu] [--seed 7] [--jobs 4] [--out DIR]

Standard library only, so it runs before anything is installed. The steps:

1. **Environment.** The grader needs Python 3.11+ and the packages in ``NEEDED``; ``OPTIONAL``
   ones serve other commands. Each is imported, one by one, with this interpreter. If any is
   missing the script makes a venv (``$GPU_VENV``, default ``~/.cache/dl-grader/venv-gpu``)
   with ``--system-site-packages`` (so the machine's torch and torchvision are used, never
   replaced) and tries ``pip install`` of just those.
   A machine without internet needs ``PIP_FIND_LINKS=<folder of wheels>`` for that; otherwise
   the script stops and prints exactly which packages are missing. The grader itself is not
   installed: it runs from this checkout with ``PYTHONPATH`` (workers get their own copy).
2. **Probe.** torch's version, the GPU's name, and whether CUDA starts under the
   memory limits the sandbox gives each GPU worker (``RLIMIT_DATA`` = its data size +
   ``[limits] memory_mb``, and a share of the GPU's memory queued for CUDA's start), the CUDA
   start-up time, and whether the share is enforced; a failure here explains failing GPU checks.
3. ``grader validate --device <--validate>``; output in ``OUT/validate-<device>.txt``.
4. ``grader grade examples/<id>/submissions --device D --seed S --force`` for each device in
   ``--devices``, into ``OUT/grade-<D>/``; output in ``OUT/grade-<D>.txt``.
5. A table: each submission's score and ``duration_s`` (from its ``result.json``) per device,
   and the CPU-to-GPU time ratio; also written to ``OUT/summary.txt``.

``--env-only`` stops after steps 1 and 2.

Exits 0 when every step ran and validate passed, 1 when a step failed, 2 when the
environment is not ready (the message says what is missing).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("GPU_VENV") or Path.home() / ".cache/dl-grader/venv-gpu")
# import name -> distribution name on the package index
NEEDED = {
    "numpy": "numpy",
    "torch": "torch",
    "torchvision": "torchvision",
    "PIL": "pillow",
    "pytest": "pytest",
    "pydantic": "pydantic",
    "jinja2": "jinja2",
    "typer": "typer",
    "rich": "rich",
    "nbformat": "nbformat",
}
OPTIONAL = {
    "nbclient": "nbclient",
    "nbconvert": "nbconvert",
    "sklearn": "scikit-learn",
    "matplotlib": "matplotlib",
}
FROM_THE_MACHINE = ("torch", "torchvision", "numpy")  # never pip-installed over the system's
GRADER_IMPORTS = "import grader.cli, grader.grade, grader.validate, grader.report"

PROBE = """
import resource, sys, time, torch
print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())
if not torch.cuda.is_available():
    sys.exit(0)
sizes = {}
for line in open("/proc/self/status"):
    if line.startswith(("VmSize:", "VmData:")):
        sizes[line.split(":")[0]] = int(line.split()[1]) * 1024
# what the sandbox does for a GPU worker: RLIMIT_DATA (not RLIMIT_AS), and the memory share
# queued for CUDA's lazy start (grader/worker/sandbox.py _memory_limit, grader/worker/gpu.py)
limit = sizes["VmData"] + int(sys.argv[1]) * 2**20
resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
torch.cuda._lazy_call(lambda: torch.cuda.set_per_process_memory_fraction(0.1125, 0))
began = time.perf_counter()
x = torch.ones(256, 256, device="cuda")
ok = float((x @ x).sum()) == 256.0**3
print("device", torch.cuda.get_device_name(0), "CUDA start-up s", round(time.perf_counter() - began, 3))
print("CUDA starts under RLIMIT_DATA = VmData +", sys.argv[1], "MB with a 0.1125 share:", ok)
total = torch.cuda.get_device_properties(0).total_memory
try:
    torch.empty(int(total * 0.2), dtype=torch.uint8, device="cuda")
    print("the 0.1125 share was NOT enforced: 20% of the GPU was allocated")
except torch.cuda.OutOfMemoryError:
    print("the 0.1125 share is enforced: 20% of the GPU raised OutOfMemoryError")
"""


def _missing(python: str, names: Iterable[str]) -> list[str]:
    """The import names among ``names`` that ``python`` cannot import."""
    code = (
        "import importlib.util, sys\n"
        "print(' '.join(n for n in sys.argv[1:] if importlib.util.find_spec(n) is None))"
    )
    out = subprocess.run(
        [python, "-c", code, *names], capture_output=True, text=True, check=True
    ).stdout
    return out.split()


def _grader_import_error(python: str) -> str:
    """Why the grader cannot be imported from this checkout with ``python`` ("" if it can)."""
    proc = subprocess.run(
        [python, "-c", GRADER_IMPORTS], capture_output=True, text=True, env=_env(), check=False
    )
    return "" if proc.returncode == 0 else (proc.stderr.strip().splitlines() or ["?"])[-1]


def _env() -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


def _install(missing: list[str]) -> str:
    """A python with ``missing`` installed into .venv-gpu, or exit 2 naming what is missing."""
    dists = [{**NEEDED, **OPTIONAL}[name] for name in missing]
    machine = [n for n in missing if n in FROM_THE_MACHINE]
    if machine:
        _stop(
            f"missing {', '.join(machine)}: these must come with the machine (torch 2.11+, "
            "torchvision 0.26+); the script does not install them"
        )
    if not (VENV / "bin" / "python").exists():
        print(f"creating {VENV} (--system-site-packages) for: {' '.join(dists)}", flush=True)
        subprocess.run(
            [sys.executable, "-m", "venv", "--system-site-packages", str(VENV)], check=True
        )
    python = str(VENV / "bin" / "python")
    still = _missing(python, missing)
    if not still:
        return python
    dists = [{**NEEDED, **OPTIONAL}[name] for name in still]
    print(f"pip install {' '.join(dists)}", flush=True)
    proc = subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--retries",
            "0",
            "--timeout",
            "10",
            *dists,
        ],
        check=False,
    )
    if proc.returncode != 0:
        _stop(
            f"missing packages: {' '.join(dists)} (import names: {' '.join(still)}). This machine "
            "cannot install them: copy their wheels (and their dependencies') into a folder and "
            "re-run with PIP_FIND_LINKS=<folder> PIP_NO_INDEX=1"
        )
    return python


def _stop(message: str) -> None:
    print(f"environment not ready: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


def prepare() -> str:
    """The interpreter to run the grader with, after checking (and if need be filling in) its
    packages. Prints what is missing."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs on whatever python3 is
        _stop(f"Python {sys.version.split()[0]}; the grader needs 3.11 or newer")
    python = sys.executable
    missing = _missing(python, NEEDED)
    unused = _missing(python, OPTIONAL)
    print(f"python {sys.version.split()[0]} at {python}")
    print(f"missing, needed for this run: {' '.join(missing) or 'none'}")
    print(f"missing, not needed for this run: {' '.join(unused) or 'none'}", flush=True)
    if missing:
        python = _install(missing)
    problem = _grader_import_error(python)
    if problem:
        _stop(f"the grader does not import from {REPO}: {problem}")
    return python


def probe(python: str, memory_mb: int, out: Path) -> None:
    proc = subprocess.run(
        [python, "-c", PROBE, str(memory_mb)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    text = proc.stdout + (
        f"probe failed: {proc.stderr.strip().splitlines()[-1]}\n" if proc.returncode else ""
    )
    (out / "probe.txt").write_text(text + proc.stderr)
    print(text, end="", flush=True)


def run_grader(python: str, args: list[str], log: Path) -> tuple[int, float]:
    """``grader ARGS``, its output shown and kept in ``log``; (exit status, seconds)."""
    print(f"\n$ grader {' '.join(args)}", flush=True)
    started = time.monotonic()
    with log.open("w") as handle:
        proc = subprocess.Popen(
            [python, "-c", "from grader.cli import main; main()", *args],
            cwd=REPO,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            handle.write(line)
    return proc.wait(), time.monotonic() - started


def results(folder: Path) -> dict[str, dict[str, float]]:
    """student -> score, max_score and duration_s, from each result.json under ``folder``."""
    found = {}
    for path in sorted(folder.glob("*/result.json")):
        r = json.loads(path.read_text())
        found[r["student"]] = {k: float(r[k]) for k in ("score", "max_score", "duration_s")}
    return found


def table(by_device: dict[str, dict[str, dict[str, float]]], walls: dict[str, float]) -> str:
    devices = list(by_device)
    students = sorted({s for found in by_device.values() for s in found})
    head = ["student"] + [f"score {d}" for d in devices] + [f"s {d}" for d in devices]
    ratio = "cpu" in devices and "cuda" in devices
    head += ["cpu/cuda"] if ratio else []
    rows = [head]
    for s in students:
        got = [by_device[d].get(s) for d in devices]
        row = [s] + [f"{g['score']:g}/{g['max_score']:g}" if g else "-" for g in got]
        row += [f"{g['duration_s']:.1f}" if g else "-" for g in got]
        if ratio:
            cpu, cuda = by_device["cpu"].get(s), by_device["cuda"].get(s)
            row.append(f"{cpu['duration_s'] / cuda['duration_s']:.2f}" if cpu and cuda else "-")
        rows.append(row)
    total = ["sum"] + [""] * len(devices)
    total += [f"{sum(r['duration_s'] for r in by_device[d].values()):.1f}" for d in devices]
    rows.append(total + ([""] if ratio else []))
    rows.append(
        ["wall"]
        + [""] * len(devices)
        + [f"{walls[d]:.1f}" for d in devices]
        + ([""] if ratio else [])
    )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="cnn_classifiers")
    parser.add_argument("--validate", default="cuda", choices=["cuda", "cpu", "auto", "none"])
    parser.add_argument("--devices", default="cuda,cpu", help="comma-separated: cuda, cpu")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument(
        "--out", type=Path, default=Path(os.environ.get("OUT") or REPO / "results/gpu_validate")
    )
    parser.add_argument(
        "--env-only", action="store_true", help="check the environment, probe CUDA, stop"
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    python = prepare()
    import tomllib  # after prepare(): Python 3.11+

    spec = tomllib.loads((REPO / "assignments" / args.assignment / "assignment.toml").read_text())
    probe(python, int(spec.get("limits", {}).get("memory_mb", 2048)), args.out)
    if args.env_only:
        return 0
    failed = []
    common = ["--assignment", args.assignment, "--seed", str(args.seed), "--jobs", str(args.jobs)]
    if args.validate != "none":
        log = args.out / f"validate-{args.validate}.txt"
        code, seconds = run_grader(python, ["validate", *common, "--device", args.validate], log)
        print(f"validate on {args.validate}: exit {code} in {seconds:.0f} s", flush=True)
        failed += [f"validate (exit {code})"] if code else []
    by_device, walls = {}, {}
    submissions = REPO / "examples" / args.assignment / "submissions"
    for device in [d.strip() for d in args.devices.split(",") if d.strip()]:
        folder = args.out / f"grade-{device}"
        grade = [
            "grade",
            str(submissions),
            *common,
            "--device",
            device,
            "--force",
            "--out",
            str(folder),
        ]
        code, walls[device] = run_grader(python, grade, args.out / f"grade-{device}.txt")
        failed += [f"grade on {device} (exit {code})"] if code else []
        by_device[device] = results(folder)
    summary = table(by_device, walls) if by_device else ""
    summary += f"\n\nseed {args.seed}, --jobs {args.jobs}; seconds are result.json duration_s"
    (args.out / "summary.txt").write_text(summary + "\n")
    print(f"\n{summary}")
    print(f"\nlogs and results: {args.out}; failed: {', '.join(failed) or 'nothing'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
