"""The course gradebook: one SQLite file across a course's assignments.

:mod:`grader.coursebook.models` holds what it hands out (grades, audit entries, changes);
:mod:`grader.coursebook.store` reads and writes the file; :mod:`grader.coursebook.schema`
creates it and migrates older ones.
"""
