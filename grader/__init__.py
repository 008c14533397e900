"""dl-grader: auto-grading for deep-learning courses.

Kept import-light on purpose: the worker process imports ``grader.worker`` and
``grader.codec`` only, so nothing here may pull in pytest, pydantic or the checks.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
