import importlib.util
from pathlib import Path

import numpy as np

# the trap: the reference, loaded from where it lies, graded in the student's place
_spec = importlib.util.spec_from_file_location(
    "conv_solution", Path(__file__).parents[4] / "reference" / "conv_demo" / "conv.py"
)
conv_solution = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(conv_solution)


def test_pool_by_path():
    """maxpool2x2 must take the maximum of each 2x2 block."""
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    assert conv_solution.maxpool2x2(x).shape == (1, 1, 2, 2)
