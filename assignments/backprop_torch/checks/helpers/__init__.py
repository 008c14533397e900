"""Helpers shared by backprop_torch's checks (see grader.checks.helpers): ``from
helpers.<module> import ...`` on the trusted side, ``in_worker(submission, function)`` inside
the worker."""
