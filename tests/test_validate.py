"""validate proves the checks can pass and fail; release keeps the template in step."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.course import load_assignment
from grader.errors import InstructorError, MaterialError
from grader.mutants import load_mutants
from grader.release import release, stale_files
from grader.validate import validate
from tests.clirun import grader
from tests.toycourse import ALTERNATIVES, make_course, solution


def test_toy_course_validates(tmp_path: Path) -> None:
    """Reference 100%, template 0%, the mutant fails its target, each alternative 100%."""
    course = make_course(tmp_path)
    report = validate(course, "toy", jobs=2, seed=5)
    rows = {r.name: r for r in report.rows}
    assert report.ok, [r.problem for r in report.rows]
    assert rows["reference"].score == 6 and rows["template"].score == 0
    assert rows["norm_wrong_axis"].score == 3
    alternatives = [r for r in report.rows if r.kind == "alternative"]
    assert sorted(r.name for r in alternatives) == sorted(ALTERNATIVES)
    assert all(r.score == r.max_score == 6 and r.expectation == "100%" for r in alternatives)


def test_an_alternative_a_check_fails_fails_validation(tmp_path: Path) -> None:
    """Does an alternative that loses a check fail validation, naming the check and its message?"""
    course = make_course(tmp_path)
    folder = course / "assignments/toy/alternatives/cols"
    folder.mkdir()
    (folder / "ops.py").write_text(solution({"(x * x).sum(axis=1)": "(x * x).sum(axis=0)"}))
    report = validate(course, "toy", jobs=2, seed=5)
    row = next(r for r in report.rows if r.name == "cols")
    assert not report.ok and not row.ok and row.kind == "alternative"
    assert row.score == 3 and row.problem.startswith("fails: test_norm_rows (failed): ")
    assert "norm_rows(x)" in row.problem and "test_scale" not in row.problem


@pytest.mark.parametrize("empty", [False, True])
def test_validate_needs_alternatives(tmp_path: Path, empty: bool) -> None:
    """Is a missing or empty alternatives folder an instructor error naming it and the guide?"""
    course = make_course(tmp_path)
    folder = course / "assignments/toy/alternatives"
    shutil.rmtree(folder)
    if empty:
        folder.mkdir()
    with pytest.raises(MaterialError, match="no alternatives") as info:
        validate(course, "toy", jobs=1, seed=1)
    assert str(folder) in str(info.value) and "docs/authoring.md" in str(info.value)


def test_alternatives_never_reach_students(tmp_path: Path) -> None:
    """Does release (template and self-check bundle) leave every alternative behind?"""
    course = make_course(tmp_path)
    marker = "# alternative only"
    for text_path in (course / "assignments/toy/alternatives").rglob("*.py"):
        text_path.write_text(marker + "\n" + text_path.read_text())
    release(load_assignment(course, "toy"))
    template = course / "student_template/toy"
    shipped = [p for p in template.rglob("*") if p.is_file()]
    assert shipped
    for path in shipped:
        assert "alternative" not in path.relative_to(template).as_posix().lower(), path
        assert marker.encode() not in path.read_bytes(), path


def test_a_mutant_its_checks_miss_fails_validation(tmp_path: Path) -> None:
    """Does validate fail when a mutant's target check does not catch it?"""
    course = make_course(tmp_path)
    mutants = course / "assignments/toy/mutants/mutants.toml"
    mutants.write_text(
        mutants.read_text().replace(
            'targets = ["test_norm_rows"]', 'targets = ["test_scale_public"]'
        )
    )
    report = validate(course, "toy", jobs=1, seed=5)
    row = next(r for r in report.rows if r.name == "norm_wrong_axis")
    assert not report.ok and not row.ok and "test_scale_public" in row.problem


def test_mutant_whose_old_text_is_gone_fails_fast(tmp_path: Path) -> None:
    course = make_course(tmp_path)
    mutants = course / "assignments/toy/mutants/mutants.toml"
    mutants.write_text(mutants.read_text().replace("(x * x).sum(axis=1)", "x.sum(axis=7)", 1))
    with pytest.raises(MaterialError, match="occurs 0 times"):
        load_mutants(load_assignment(course, "toy"))


def test_release_writes_template_and_detects_drift(tmp_path: Path) -> None:
    """Does release write the template and the public bundle, and does drift in either show?"""
    course = make_course(tmp_path)
    assignment = load_assignment(course, "toy")
    bundle = [
        ".grader/assignment.toml",
        ".grader/bundle.json",
        ".grader/checks/public/test_public.py",
        ".grader/recordings/test_scale_public.rec",
    ]
    assert stale_files(assignment) == ["ops.py", *bundle]
    release(assignment)
    assert stale_files(assignment) == []
    public = course / "assignments/toy/checks/public/test_public.py"
    public.write_text(public.read_text().replace("3.0", "4.0"))
    assert stale_files(assignment) == [bundle[2], bundle[3]]  # the check, and its recording
    release(assignment)
    text = (course / "student_template/toy/ops.py").read_text()
    assert "NotImplementedError" in text and "k * x" not in text
    (course / "reference/toy/ops.py").write_text(
        (course / "reference/toy/ops.py").read_text() + "\n# changed\n"
    )
    assert stale_files(assignment) == ["ops.py"]


REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "assignment_id", sorted(p.parent.name for p in (REPO / "assignments").glob("*/assignment.toml"))
)
def test_checked_in_templates_are_current(assignment_id: str) -> None:
    """Is every checked-in student template exactly what `grader release` generates?"""
    stale = stale_files(load_assignment(REPO, assignment_id))
    assert stale == [], f"run `grader release --assignment {assignment_id}`; stale: {stale}"


def test_release_removes_files_the_reference_dropped(tmp_path: Path) -> None:
    course = make_course(tmp_path)
    assignment = load_assignment(course, "toy")
    release(assignment)
    (course / "student_template/toy/old_helper.py").write_text("x = 1\n")
    assert stale_files(assignment) == ["old_helper.py"]
    release(assignment)
    assert (
        stale_files(assignment) == []
        and not (course / "student_template/toy/old_helper.py").exists()
    )


def test_broken_check_file_stops_the_run(tmp_path: Path) -> None:
    """Is a check that cannot even be collected the instructor's error, not a student's zero?"""
    from grader.grade import grade

    course = make_course(tmp_path)
    hidden = course / "assignments/toy/checks/hidden/test_hidden.py"
    hidden.write_text("import no_such_module\n" + hidden.read_text())
    (tmp_path / "subs" / "amy").mkdir(parents=True)
    (tmp_path / "subs" / "amy" / "ops.py").write_text("def scale(x, k):\n    return k * x\n")
    with pytest.raises(MaterialError, match="cannot be collected"):
        grade(course, "toy", tmp_path / "subs", tmp_path / "out", jobs=1)
    assert not (tmp_path / "out" / "amy" / "result.json").exists()


def test_validate_needs_mutants(tmp_path: Path) -> None:
    course = make_course(tmp_path)
    (course / "assignments/toy/mutants/mutants.toml").unlink()
    with pytest.raises(MaterialError, match="no mutants"):
        validate(course, "toy", jobs=1, seed=1)


TABLE_FUNCTION = '''

def table_sum():
    """The sum of the bytes in table.bin, a data file handed in next to this module."""
    # BEGIN SOLUTION
    from pathlib import Path

    return sum(Path(__file__).with_name("table.bin").read_bytes())
    # END SOLUTION
'''

TABLE_CHECK = '''from pathlib import Path

from grader.checks import expect


def test_table_sum(submission, reference):
    """table_sum() must add up the bytes of table.bin."""
    want = sum(Path(reference.ops.__file__).with_name("table.bin").read_bytes())
    expect.equal(submission.ops.table_sum(), want, what="table_sum()")
'''


def _without_markers(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "SOLUTION" not in line) + "\n"


def _course_with_data_file(root: Path) -> Path:
    """The toy course, with a binary data file (not UTF-8) among the submitted files."""
    course = make_course(root)
    spec = course / "assignments/toy/assignment.toml"
    spec.write_text(
        spec.read_text().replace('files = ["ops.py"]', 'files = ["ops.py", "table.bin"]')
        + '\n[[parts]]\nname = "Data"\nchecks = { test_table_sum = 1 }\n'
    )
    reference = course / "reference/toy/ops.py"
    reference.write_text(reference.read_text() + TABLE_FUNCTION)
    (course / "reference/toy/table.bin").write_bytes(bytes(range(256)) * 3)
    (course / "assignments/toy/checks/hidden/test_table.py").write_text(TABLE_CHECK)
    for alternative in (course / "assignments/toy/alternatives").glob("*/ops.py"):
        alternative.write_text(alternative.read_text() + _without_markers(TABLE_FUNCTION))
    return course


def test_validate_copies_data_files_byte_for_byte(tmp_path: Path) -> None:
    """Does a binary data file in [submission] files reach the reference, template and mutants
    as bytes, so that all of them are gradable and the reference scores 100%?"""
    course = _course_with_data_file(tmp_path)
    report = validate(course, "toy", jobs=1, seed=5, device="cpu")
    rows = {r.name: r for r in report.rows}
    assert report.ok, [r.problem for r in report.rows]
    assert report.device == "cpu"
    assert rows["reference"].score == rows["reference"].max_score == 7
    assert rows["template"].score == 0 and rows["norm_wrong_axis"].score == 4
    assert rows["loops"].score == 7  # table.bin came from the reference


def test_validate_on_cuda_without_a_gpu_fails_fast(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Is --device cuda on a machine without CUDA an instructor error, raised before grading?"""
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    course = make_course(tmp_path)
    with pytest.raises(InstructorError, match="no CUDA device is visible"):
        validate(course, "toy", device="cuda")
    with pytest.raises(InstructorError, match="cpu, cuda or auto"):
        validate(course, "toy", device="gpu")


def test_validate_command_names_the_device(tmp_path: Path) -> None:
    """Does `grader validate` print the device in its table, and stop with exit 2 and a
    message (no traceback) when asked for CUDA where there is none?"""
    make_course(tmp_path)
    no_gpu = {"CUDA_VISIBLE_DEVICES": ""}
    proc = grader("validate", "-a", "toy", "--device", "cuda", cwd=tmp_path, env=no_gpu)
    assert proc.returncode == 2, proc.stderr
    assert "no CUDA device is visible" in proc.stderr and "--device cpu" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = grader(
        "validate", "-a", "toy", "--device", "cpu", "--seed", "3", "-j", "1", cwd=tmp_path, env={}
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "seed 3, device cpu" in proc.stdout
    assert "alternative" in proc.stdout and "loops" in proc.stdout  # a row per alternative


def test_validate_keep_writes_every_submission(tmp_path: Path) -> None:
    """Does `validate --keep DIR` write the reference, the template, each mutant and each
    alternative as submission folders (replacing old ones), that `grader test` then runs?"""
    course = make_course(tmp_path / "course")
    keep = tmp_path / "kept"
    (keep / "reference").mkdir(parents=True)
    (keep / "reference/stale.py").write_text("old run\n")
    done = grader("validate", "-a", "toy", "--seed", "5", "--keep", str(keep), cwd=course)
    assert done.returncode == 0, done.stdout + done.stderr
    assert str(keep) in done.stderr
    names = sorted(p.name for p in keep.iterdir())
    assert names == sorted(
        ["reference", "template", "mutant-norm_wrong_axis"]
        + [f"alternative-{name}" for name in ALTERNATIVES]
    )
    assert (keep / "reference/ops.py").read_text() == solution()
    assert not (keep / "reference/stale.py").exists()
    assert "NotImplementedError" in (keep / "template/ops.py").read_text()
    assert (keep / "mutant-norm_wrong_axis/ops.py").read_text() == solution(
        {"(x * x).sum(axis=1)": "(x * x).sum(axis=0)"}
    )
    mutant = grader(
        "test", "-a", "toy", "--submission", str(keep / "mutant-norm_wrong_axis"), cwd=course
    )
    assert mutant.returncode == 1 and "1 failed, 2 passed" in mutant.stdout, mutant.stdout


NEVER_CALLS = '''import numpy as np

from grader.checks import expect


def test_norm_rows(reference, rng):
    """norm_rows(x) must return one L2 norm per row."""
    x = rng.standard_normal((6, 5))
    expect.close(reference.ops.norm_rows(x), np.sqrt((x * x).sum(axis=1)), what="norm_rows(x)")
'''


def test_a_check_that_never_calls_the_submission_fails_validation(tmp_path: Path) -> None:
    """Does a check that passes on the reference without calling the submission (its `uses`
    is empty: it would pass every student) fail the reference row, naming it and the fix?"""
    course = make_course(tmp_path)
    hidden = course / "assignments/toy/checks/hidden/test_hidden.py"
    text = hidden.read_text()
    hidden.write_text(text[: text.index("def test_norm_rows")] + NEVER_CALLS)
    report = validate(course, "toy", jobs=1, seed=5)
    reference = next(r for r in report.rows if r.name == "reference")
    assert not report.ok and not reference.ok and reference.score == 6
    assert reference.problem.startswith(
        "check test_norm_rows never called the submission's code: use the `submission` fixture "
        "or import the module by name"
    )
    assert "test_scale" not in reference.problem


def test_a_checkpoint_read_counts_as_a_use(tmp_path: Path) -> None:
    """Is a check that only scores the student's checkpoint (`submission.load_weights`)
    counted as reaching the submission, so that validate does not flag it?"""
    from grader.protocol import WorkerLimits
    from grader.remote import SubmissionHandle, SubmissionSession
    from grader.supervisor import WorkerConfig, prepare_runtime

    torch = pytest.importorskip("torch")
    work = tmp_path / "student"
    work.mkdir()
    (work / "model.py").write_text("WIDTH = 3\n")
    torch.save({"fc.weight": torch.ones(2, 3)}, work / "net.pt")
    config = WorkerConfig(
        workdir=work,
        limits=WorkerLimits(memory_mb=2048),
        output_path=tmp_path / "out.txt",
        runtime_dir=prepare_runtime(tmp_path / "runtime"),
        preload=("numpy", "torch"),
    )
    session = SubmissionSession(config, ["model"], import_seconds=60, submission_seconds=120)
    try:
        session.begin_check(60)
        assert SubmissionHandle(session).load_weights("absent.pt", missing_ok=True) is None
        assert session.used == set()
        assert SubmissionHandle(session).load_weights("net.pt") is not None
        assert session.used == {"net.pt"}
    finally:
        session.close()
