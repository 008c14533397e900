"""Secret seeds for held-out data: what a submission cannot regenerate, however much it knows.

The run's seed is public (it is in every ``result.json`` and feedback page), and so is every
dataset generator in :mod:`grader.datasets`. A held-out set drawn from the run's seed, or
from a constant in a check file, can therefore be drawn again inside a submission and its
labels read off. A check that scores accuracy on held-out data draws it from
:func:`heldout_seed` instead: HMAC-SHA256 of (run seed, dataset name) under a key the worker
never sees.

Where the key lives (:func:`resolve_key`):

* ``$GRADER_HELDOUT_KEY``, when it is set (CI, or several output folders that must agree);
* otherwise ``<out>/.heldout-key``, 32 random bytes in hex, created with mode 0600 the first
  time an output folder is graded into and read back on every later run.

The key stays on the trusted side: the worker's environment is rebuilt from a short allow-list
(:func:`grader.warm.thread_env`), its Landlock rules let it read only the Python installation
and system folders, and its parent is a fresh interpreter that never held the key. A regrade
with the same ``--seed`` and the same key reproduces every held-out set, hence every score.

A run given no key (``grader ci`` with the private bundle, ``grader check``, a test calling
:func:`grader.run.check_session` directly) uses :func:`default_key`: ``$GRADER_HELDOUT_KEY`` when set,
else a fresh random key held in memory for that run only. Its held-out data are secret but do
not reproduce. There is no public fallback: during a run the worker knows the run's seed
(checks hand it to the student's code), so a key derived from nothing would be no secret.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

__all__ = ["ENV_KEY", "KEY_FILE", "default_key", "heldout_seed", "resolve_key"]

ENV_KEY = "GRADER_HELDOUT_KEY"
KEY_FILE = ".heldout-key"
_KEY_BYTES = 32


def heldout_seed(key: str, run_seed: int, name: str) -> int:
    """A 63-bit seed for the held-out data called ``name`` in a run with ``run_seed``.

    Different names give independent seeds (a check can ask for "cifar10/train" and
    "cifar10/test"); without the key, knowing ``run_seed`` and ``name`` says nothing about it.
    """
    message = f"{run_seed}\0{name}".encode()
    digest = hmac.new(key.encode(), message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1  # numpy, torch and random all take 63 bits


def default_key() -> str:
    """The key of a run that was given none: ``$GRADER_HELDOUT_KEY``, else a fresh random one
    (secret, but the held-out data of this run cannot be drawn again)."""
    return os.environ.get(ENV_KEY, "").strip() or secrets.token_hex(_KEY_BYTES)


def resolve_key(out_dir: Path) -> str:
    """The run's key: ``$GRADER_HELDOUT_KEY``, else ``out_dir/.heldout-key`` (made if missing).

    Raises:
        InstructorError: the key file exists but cannot be read, or is empty.
    """
    from_env = os.environ.get(ENV_KEY, "").strip()
    if from_env:
        return from_env
    path = Path(out_dir) / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(_KEY_BYTES) + "\n")
    return _read_key(path)


def _read_key(path: Path) -> str:
    from grader.errors import InstructorError

    try:
        key = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise InstructorError(
            f"{path}: the held-out key cannot be read ({exc}); restore it from a backup, or "
            f"delete it to draw new held-out data (scores of earlier runs will not reproduce)"
        ) from None
    if not key:
        raise InstructorError(
            f"{path}: the held-out key file is empty; delete it to make a new one, or set "
            f"${ENV_KEY}"
        )
    return key
