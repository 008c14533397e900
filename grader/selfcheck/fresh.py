"""Fresh check modules for each in-process run."""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["forget_check_modules"]


def forget_check_modules() -> None:
    """Drop check files imported by an earlier run in this process: pytest's importlib mode
    names a check module after its folder (``public.test_layers_public``) and would reuse an
    earlier run's module of the same name, from another course folder or an older version."""
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None) or ""
        parts = Path(file).parts
        if len(parts) > 2 and parts[-3] == "checks" and parts[-2] in ("public", "hidden"):
            del sys.modules[name]
