"""What check authors use: the pytest plugin's fixtures and the :mod:`grader.checks.expect` helpers."""
