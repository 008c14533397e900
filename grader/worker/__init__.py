"""The untrusted side: a process that imports the submission and answers requests.

Only :mod:`grader.worker.serve`, :mod:`grader.codec` and :mod:`grader.frames` run in it; nothing else of the
grader (no checks, no reference, no spec) is imported there.
"""
