"""Student self-check: run the public checks on a student's own machine.

``grader release`` writes a public bundle next to the template (:mod:`.bundle`): the public
spec and checks, and the reference's recorded answers (:mod:`.recording`). ``grader check``
and :func:`grader.check` run those checks on the student's files (:mod:`.run`); the
reference itself never leaves the instructor's machine.
"""
