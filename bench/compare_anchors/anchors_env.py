"""The anchors' own environment: nbgrader, Otter and a Jupyter kernel, outside the clone.

``~/.cache/dl-grader/anchors-py311-<hash>/`` (``$XDG_CACHE_HOME`` honoured), where the hash
is that of ``requirements.txt``: it is built once, from the package registry, and reused
while the pinned list is unchanged. A ``python3`` kernel spec pointing at it is installed
into it (``--sys-prefix``), and every anchor command runs with that environment first on
``PATH`` and Jupyter's folders inside the benchmark's work folder, so neither the user's
kernels nor their Jupyter configuration take part.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REQUIREMENTS = Path(__file__).with_name("requirements.txt")


@dataclass(frozen=True)
class AnchorEnv:
    """Where the anchors live, how long installing them took, and whether this run did it."""

    prefix: Path
    install_s: float
    reused: bool

    @property
    def bin(self) -> Path:
        return self.prefix / "bin"

    def environ(self, work: Path) -> dict[str, str]:
        """The environment for an anchor command; Jupyter's folders under ``work``."""
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["JUPYTER_PATH"] = str(self.prefix / "share" / "jupyter")
        for var, name in (
            ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTER_DATA_DIR", "data"),
            ("JUPYTER_RUNTIME_DIR", "runtime"),
            ("IPYTHONDIR", "ipython"),
        ):
            env[var] = str(work / "jupyter" / name)
        env["PYTHONNOUSERSITE"] = "1"
        return env


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dl-grader"


def env_prefix() -> Path:
    """The environment's folder for the current requirements and Python version."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:12]
    tag = f"py{sys.version_info[0]}{sys.version_info[1]}"
    return cache_dir() / f"anchors-{tag}-{digest}"


def ensure_env(log: Path) -> AnchorEnv:
    """Reuse the anchors' environment, or build it (pip's output goes to ``log``)."""
    prefix = env_prefix()
    if (prefix / ".complete").is_file():
        return AnchorEnv(prefix, float((prefix / ".complete").read_text() or 0), reused=True)
    print(f"installing nbgrader and Otter into {prefix} (once; pip's output: {log})", flush=True)
    shutil.rmtree(prefix, ignore_errors=True)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    python = prefix / "bin" / "python"
    env = {**os.environ, "PIP_FIND_LINKS": "", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    with log.open("w") as out:
        steps = [
            [sys.executable, "-m", "venv", str(prefix)],
            [str(python), "-m", "pip", "install", "-r", str(REQUIREMENTS)],
            [str(python), "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"],
        ]
        for step in steps:
            done = subprocess.run(step, stdout=out, stderr=subprocess.STDOUT, env=env)
            if done.returncode != 0:
                raise SystemExit(
                    f"installing the anchors failed at `{' '.join(step)}` (exit "
                    f"{done.returncode}); see {log}. The registry must be reachable; "
                    f"the pins are in {REQUIREMENTS}"
                )
    install_s = time.perf_counter() - started
    (prefix / ".complete").write_text(f"{install_s:.1f}\n")
    return AnchorEnv(prefix, install_s, reused=False)
