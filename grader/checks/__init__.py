"""What check authors use: the pytest plugin's fixtures, the :mod:`grader.checks.expect`
helpers and numerical gradients (:mod:`grader.checks.gradcheck`)."""

from grader.checks.gradcheck import numerical_gradient, rel_error

__all__ = ["numerical_gradient", "rel_error"]
