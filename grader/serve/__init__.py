"""``grader serve``: grading the questions graded by hand in the browser (docs/manual-grading.md)."""
