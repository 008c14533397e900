"""A VOC-like folder of files, written and read inside the worker (``in_worker``)."""

from __future__ import annotations

import os
import tempfile


def write_tree(files):
    """Write {relative path: bytes} into a new folder under the working folder; its path."""
    root = tempfile.mkdtemp(prefix="voc-", dir=os.getcwd())
    for rel, data in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
    return root


def items(dataset, indices):
    """(len(dataset), [dataset[i] for i in indices])."""
    return len(dataset), [dataset[i] for i in indices]
