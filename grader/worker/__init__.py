"""The untrusted side: a process that imports the submission and answers requests.

Only the grader modules in :func:`grader.worker.manifest.worker_modules` run in it (this
package, :mod:`grader.protocol`, :mod:`grader.codec`, :mod:`grader.frames` and
:mod:`grader.procutil`, derived from the imports of :mod:`grader.worker.zygote`); nothing
else of the grader (no checks, no reference, no spec) is imported there.
"""
