"""The course file: course.toml, validated with messages that name the key and the fix."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from grader.coursefile import CourseFileError, load_course_file
from grader.errors import InstructorError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "course.toml"

ROSTER = """
[[students]]
id = "alice"
[[students]]
id = "bob"
name = "Bob"

[[assignments]]
id = "nn_numpy"
due = 2026-10-05T23:59:00
time_zone = "Europe/Berlin"
points = 20
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "course.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path: Path, text: str) -> str:
    path = _write(tmp_path, text)
    with pytest.raises(CourseFileError) as info:
        load_course_file(path)
    message = str(info.value)
    assert str(path) in message
    return message


def test_example_course_file_loads() -> None:
    """Does the documented example validate, with its deadlines, policy and extension?"""
    course = load_course_file(EXAMPLE)
    ids = [s.id for s in course.students]
    assert len(ids) == 19 and ids[:2] == ["ada", "ben"]
    assert course.name and course.gradebook == "gradebook.sqlite"
    nn = course.assignment("nn_numpy")
    assert nn.due_at == datetime(2026, 10, 5, 23, 59, tzinfo=ZoneInfo("Europe/Berlin"))
    assert nn.due_at.utcoffset() == timedelta(hours=2)
    assert course.late is not None and course.late.per_day == 10
    assert course.late.zero_after == 7
    ext = course.extension_for("emma", "nn_numpy")
    assert ext is not None and ext.days == 2
    assert course.extension_for("dan", "nn_numpy") is None
    assert [a.lms_id for a in course.assignments] == ["101", "102", "103", "104"]


def test_due_with_offset_keeps_it(tmp_path: Path) -> None:
    """Is a due date with an offset that instant, whatever time_zone says?"""
    course = load_course_file(
        _write(tmp_path, '[[assignments]]\nid = "a"\ndue = 2026-10-05T23:59:00-04:00\n')
    )
    assert course.assignment("a").due_at.utcoffset() == timedelta(hours=-4)


def test_errors_are_instructor_errors(tmp_path: Path) -> None:
    """Does a bad course file fail fast with the instructor's exit code?"""
    with pytest.raises(InstructorError):
        load_course_file(tmp_path / "missing.toml")


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    """Are a missing file and broken TOML named, with the fix?"""
    with pytest.raises(CourseFileError, match="no such file; write a course.toml"):
        load_course_file(tmp_path / "course.toml")
    assert "not valid TOML" in _error(tmp_path, "[[students]\n")


def test_student_id_required(tmp_path: Path) -> None:
    """Does a student without an id name the key and say to add it?"""
    message = _error(tmp_path, '[[students]]\nname = "Alice"\n')
    assert "the course file is invalid" in message
    assert "students.0.id: required field is missing; add it" in message


def test_misspelt_key_suggests_the_field(tmp_path: Path) -> None:
    """Does a misspelt key say which key was meant?"""
    message = _error(tmp_path, '[[students]]\nid = "a"\nemial = "a@x"\n')
    assert "students.0.emial: unknown field; did you mean email?" in message


def test_points_not_a_number(tmp_path: Path) -> None:
    """Does points = "twenty" say a number is needed, and show what was given?"""
    text = '[[assignments]]\nid = "a"\ndue = 2026-10-05T23:59:00\npoints = "twenty"\n'
    message = _error(tmp_path, text)
    assert 'assignments.0.points: must be a number, given "twenty"' in message


def test_duplicate_student_ids(tmp_path: Path) -> None:
    """Is a student listed twice refused, naming the id and both entries?"""
    message = _error(
        tmp_path, '[[students]]\nid = "a"\n[[students]]\nid = "b"\n[[students]]\nid = "a"\n'
    )
    assert "students: id 'a' appears twice (entries 0 and 2)" in message


def test_duplicate_assignment_ids(tmp_path: Path) -> None:
    """Is an assignment listed twice refused?"""
    one = '[[assignments]]\nid = "a"\ndue = 2026-10-05T23:59:00\n'
    assert "assignments: id 'a' appears twice" in _error(tmp_path, one + one)


def test_bad_time_zone(tmp_path: Path) -> None:
    """Is a time zone that is not an IANA name refused, with examples of good ones?"""
    message = _error(
        tmp_path, '[[assignments]]\nid = "a"\ndue = 2026-10-05T23:59:00\ntime_zone = "CEST+2"\n'
    )
    assert "assignments.0.time_zone" in message
    assert "IANA time zone name such as Europe/Berlin" in message
    assert "'CEST+2'" in message


def test_bad_due_date(tmp_path: Path) -> None:
    """Is a due date that is not a date refused, naming the key?"""
    message = _error(tmp_path, '[[assignments]]\nid = "a"\ndue = "next friday"\n')
    assert "assignments.0.due" in message and "next friday" in message


def test_unknown_student_in_extension(tmp_path: Path) -> None:
    """Does an extension for a misspelt student suggest the roster's id?"""
    message = _error(
        tmp_path, ROSTER + '[[extensions]]\nstudent = "alcie"\nassignment = "nn_numpy"\ndays = 1\n'
    )
    assert (
        "extensions.0.student: no student 'alcie' in [[students]] (did you mean alice?)" in message
    )


def test_unknown_assignment_in_extension(tmp_path: Path) -> None:
    """Does an extension on a misspelt assignment suggest the right one?"""
    message = _error(
        tmp_path, ROSTER + '[[extensions]]\nstudent = "bob"\nassignment = "nn_nmupy"\ndays = 1\n'
    )
    assert "no assignment 'nn_nmupy' in [[assignments]] (did you mean nn_numpy?)" in message


def test_extension_needs_until_or_days(tmp_path: Path) -> None:
    """Is an extension with both until and days (or neither) refused?"""
    both = '[[extensions]]\nstudent = "bob"\nassignment = "nn_numpy"\ndays = 1\nuntil = 2026-10-09T00:00:00\n'
    assert "give until (a new deadline) or days" in _error(tmp_path, ROSTER + both)
    neither = '[[extensions]]\nstudent = "bob"\nassignment = "nn_numpy"\n'
    assert "exactly one of them" in _error(tmp_path, ROSTER + neither)


def test_two_extensions_for_one_pair(tmp_path: Path) -> None:
    """Are two extensions for the same student and assignment refused?"""
    ext = '[[extensions]]\nstudent = "bob"\nassignment = "nn_numpy"\ndays = 1\n'
    assert "a second extension for bob on nn_numpy" in _error(tmp_path, ROSTER + ext + ext)


def test_late_policy_rules(tmp_path: Path) -> None:
    """Are both rates, no rule at all, and a zero date without an offset refused?"""
    assert "per_day or per_hour, not both" in _error(
        tmp_path, "[late]\nper_day = 10\nper_hour = 1\n"
    )
    assert "or remove the [late] table" in _error(tmp_path, "[late]\ngrace_minutes = 5\n")
    message = _error(tmp_path, "[late]\nper_day = 10\nzero_after = 2026-10-12T00:00:00\n")
    assert "late.zero_after" in message and "needs an offset" in message
    assert "must be less than or equal to 100" in _error(tmp_path, "[late]\nper_day = 150\n")
