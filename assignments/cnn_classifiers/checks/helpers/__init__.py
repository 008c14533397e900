"""Helpers shared by cnn_classifiers' checks (see grader.checks.helpers): ``from
helpers.<module> import ...`` on the trusted side, ``in_worker(submission, ...)`` inside the
worker."""
