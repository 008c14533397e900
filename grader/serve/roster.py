"""How the grading page names students: by id and name, or, graded anonymously, by a label.

Anonymous grading (``grader serve --anonymous``) keeps who wrote an answer out of the
grader's sight: the page shows "Student 7" in an order drawn from a salt the gradebook keeps
per assignment (the same across restarts), and its URLs carry a key made from the salt, not
the id; the link to the feedback page, which names the student, is left out. What a student
wrote about themselves in their own files is not hidden.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["Roster"]


class Roster:
    """The students with a current submission, as the page shows and addresses them."""

    def __init__(self, ids: list[str], names: dict[str, str], salt: str | None = None) -> None:
        self.anonymous = salt is not None
        if salt is None:
            self._keys = {s: s for s in ids}
            self._order = sorted(ids)
        else:
            self._keys = {s: _key(salt, s) for s in ids}
            self._order = sorted(ids, key=lambda s: self._keys[s])
        self._students = {key: s for s, key in self._keys.items()}
        self._names = {} if self.anonymous else names
        self._labels = {
            s: (f"Student {i + 1}" if self.anonymous else s) for i, s in enumerate(self._order)
        }

    def order(self) -> list[str]:
        """The students' ids, in the order the page lists them."""
        return list(self._order)

    def key(self, student: str) -> str:
        """The student's part of a URL."""
        return self._keys[student]

    def student(self, key: str) -> str | None:
        """The student a URL's key stands for (None: no such student)."""
        return self._students.get(key)

    def label(self, student: str) -> str:
        return self._labels[student]

    def name(self, student: str) -> str:
        return self._names.get(student, "")


def _key(salt: str, student: str) -> str:
    return hmac.new(salt.encode(), student.encode(), hashlib.sha256).hexdigest()[:12]
