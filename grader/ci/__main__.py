"""``python -I -m grader.ci [PATH] [OPTIONS]``: ``grader ci`` as the workflow runs it.

The console script ``grader`` would do the same, but ``python -I`` keeps the current folder,
``PYTHONPATH`` and the user site off ``sys.path`` however the job's environment was set.
"""

from __future__ import annotations

import sys

from grader.cli import main

if __name__ == "__main__":
    sys.argv[1:1] = ["ci"]
    main()
