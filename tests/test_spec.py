"""The assignment spec: a bad spec fails fast naming the file, the field and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.errors import SpecError
from grader.spec import load_spec

GOOD = """
id = "toy"
title = "Toy"
[submission]
files = ["nn.py"]
[[parts]]
name = "A"
checks = { test_a = 2, test_b = { points = 3, seconds = 5 } }
"""


def write(tmp_path: Path, text: str, folder: str = "toy") -> Path:
    path = tmp_path / folder / "assignment.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_good_spec_loads_with_defaults(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, GOOD))
    assert spec.max_points == 5
    assert spec.seconds_for("test_a") == spec.limits.check_seconds
    assert spec.seconds_for("test_b") == 5
    assert spec.submission.modules == ["nn"]


@pytest.mark.parametrize(
    "change, words",
    [
        (("[submission]", "[submission]\nextra = 1"), "submission.extra: unknown field"),
        (('files = ["nn.py"]', 'files = ["../nn.py"]'), "plain file name"),
        (("test_a = 2", "test_a = -1"), "greater than or equal to 0"),
        (("test_a = 2", "check_a = 2"), "pytest test names"),
        (('id = "toy"', 'id = "Toy"'), "lower_snake_case"),
        (('title = "Toy"', ""), "title: required field is missing"),
        (("[[parts]]", "[limits]\nmemory_mb = 1\n[[parts]]"), "limits.memory_mb"),
    ],
)
def test_bad_specs_name_the_field(tmp_path: Path, change: tuple[str, str], words: str) -> None:
    """Does each mistake produce a message naming the file and the field?"""
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(path) in str(info.value) and words in str(info.value)


def test_check_listed_twice_is_refused(tmp_path: Path) -> None:
    text = GOOD + '[[parts]]\nname = "B"\nchecks = { test_a = 1 }\n'
    with pytest.raises(SpecError, match="both part 'A' and part 'B'"):
        load_spec(write(tmp_path, text))


def test_toml_syntax_error_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(write(tmp_path, "id = "))
    with pytest.raises(SpecError, match="no such file"):
        load_spec(tmp_path / "nope" / "assignment.toml")


def test_id_must_match_folder(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="folder is 'other'"):
        load_spec(write(tmp_path, GOOD, folder="other"))


@pytest.mark.parametrize(
    "change, line",
    [
        (
            ("test_a = 2", 'test_a = "1"'),
            "parts.0.checks.test_a: a check's entry is its points, a number (test_a = 1), or a "
            'table (test_a = { points = 1, seconds = 30 }); given "1" (text, in quotes); '
            "write test_a = 1, without the quotes",
        ),
        (
            ("points = 3", 'points = "three"'),
            'parts.0.checks.test_b.points: must be a number, given "three" (text, in quotes); '
            "write a number there (see docs/authoring.md)",
        ),
        (
            ("[[parts]]", '[limits]\nmemory_mb = "4096"\n[[parts]]'),
            "",  # lax: a string of digits is read as the number
        ),
        (
            ("[[parts]]", "[limits]\nmemory_mb = 4096.5\n[[parts]]"),
            "limits.memory_mb: must be a whole number, given 4096.5;",
        ),
        (
            ('files = ["nn.py"]', 'files = "nn.py"'),
            'submission.files: must be a list, like ["a", "b"], given "nn.py" (text, in quotes); '
            'write it as a list: files = ["nn.py"]',
        ),
        (
            ('title = "Toy"', "title = 7"),
            'title: must be text in quotes, given 7; put it in quotes: title = "7"',
        ),
        (
            ("[[parts]]", '[device]\npolicy = "gpu"\n[[parts]]'),
            "device.policy: must be 'cpu', 'cuda' or 'auto', given \"gpu\"",
        ),
        (
            ("[[parts]]", "[limits]\nmemroy_mb = 4096\n[[parts]]"),
            "limits.memroy_mb: unknown field; did you mean memory_mb? Rename it to memory_mb, "
            "or remove it",
        ),
        (
            ("seconds = 5", "secnds = 5"),
            "parts.0.checks.test_b.secnds: unknown field; did you mean seconds?",
        ),
        (
            ('files = ["nn.py"]', 'fils = ["nn.py"]'),
            "submission.fils: unknown field; did you mean files?",
        ),
    ],
)
def test_wrong_values_say_what_was_given_and_the_fix(
    tmp_path: Path, change: tuple[str, str], line: str
) -> None:
    """Does a wrong type or a misspelt key say the key, what was given, the rule and the fix,
    instead of pydantic's "Input should be a valid dictionary or instance of CheckConfig"?"""
    path = write(tmp_path, GOOD.replace(*change))
    if not line:
        load_spec(path)
        return
    with pytest.raises(SpecError) as info:
        load_spec(path)
    message = str(info.value)
    assert message.startswith(f"{path}: the assignment spec is invalid.")
    assert f"  - {line}" in message
    assert "Input should be" not in message and "CheckConfig" not in message


def test_an_unknown_key_with_nothing_close_gets_no_guess(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("[submission]", "[submission]\nzzz = 1"))
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert "submission.zzz: unknown field; remove it" in str(info.value)
    assert "did you mean" not in str(info.value)
