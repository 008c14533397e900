"""The ``grader`` command: one subcommand per lifecycle stage, each a thin wrapper.

Exit codes: 0 success; 1 validation or staleness failed; 2 an instructor error (bad spec,
unknown assignment, missing material or folder); 3 ``grade`` finished, but the grader's own
code failed on some submissions (each has a result saying so; see ``grader_fault``); 130
interrupted (results so far are kept).
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader import coursecli
from grader.coursecli import CourseFileOpt, GradebookOpt, SubmittedAtOpt
from grader.errors import InstructorError
from grader.safetext import printable
from grader.serve import cli as serve_cli

if TYPE_CHECKING:  # each command imports what it runs: `grader --help` stays quick
    from grader.course import Assignment
    from grader.courserun import CourseRun
    from grader.lane import LaneResult
    from grader.models import GradeReport, SubmissionResult

__all__ = ["PIPED_WIDTH", "IsolationProbe", "app", "main"]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Auto-grading for deep-learning courses.",
)
PIPED_WIDTH = 200
"""The console width when output goes to a pipe or a file (``COLUMNS`` overrides it): lines
of text are never wrapped there; a table is at most this wide, and a long cell wraps at its
spaces, so no row is padded to the width of the longest one."""


def _console(*, stderr: bool = False) -> Console:
    """A console for stdout or stderr. In a terminal it fits the terminal; piped or redirected
    (a log, ``| grep``, CI), lines are not wrapped, so paths and names stay whole."""
    import os

    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty() or os.environ.get("COLUMNS"):
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=PIPED_WIDTH, soft_wrap=True)


console = _console(stderr=True)
out = _console()
# Student text (folder names, messages, tracebacks) reaches these consoles only through
# `printable` and without markup: as `Text`, a table cell made by `_cells`, or a
# `print(..., markup=False)`. A str cell or a progress description would be parsed as markup.

INTERRUPTED = "interrupted; results written so far are kept, and a re-run skips them"
AssignmentOpt = Annotated[
    str, typer.Option("--assignment", "-a", help="Assignment id (a folder under assignments/).")
]
CourseOpt = Annotated[
    Path | None,
    typer.Option(
        "--course", help="Course folder with assignments/ and reference/ (default: found from cwd)."
    ),
]
JobsOpt = Annotated[
    int, typer.Option("--jobs", "-j", min=1, help="Submissions graded in parallel.")
]
SeedOpt = Annotated[
    int | None, typer.Option("--seed", help="Seed for the checks' random inputs (default: fresh).")
]


def _course(course: Path | None) -> Path:
    from grader.course import find_course

    return course.resolve() if course is not None else find_course()


@app.command("grade")
def grade_cmd(
    submissions: Annotated[
        Path, typer.Argument(help="Folder with one folder or .zip per student.")
    ],
    assignment: AssignmentOpt,
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Where results and feedback go.")
    ] = Path("results"),
    jobs: JobsOpt = 1,
    seed: SeedOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Re-grade submissions whose results are current.")
    ] = False,
    sandbox: Annotated[
        bool,
        typer.Option("--sandbox/--no-sandbox", help="Confine each submission (off only to debug)."),
    ] = True,
    device: Annotated[
        str | None,
        typer.Option("--device", help="cpu, cuda or auto (default: the spec's \\[device] policy)."),
    ] = None,
    executor: Annotated[
        str,
        typer.Option(
            "--executor",
            help="local (lanes on this machine) or ray (Ray tasks on a cluster; docs/cluster.md).",
        ),
    ] = "local",
    address: Annotated[
        str | None,
        typer.Option(
            "--address",
            help="With --executor ray: the cluster (auto, HOST:6379 or ray://HOST:10001); "
            "default: start a local Ray.",
        ),
    ] = None,
    course: CourseOpt = None,
    course_file: CourseFileOpt = None,
    gradebook: GradebookOpt = None,
    submitted_at: SubmittedAtOpt = None,
) -> None:
    """Grade a class: scores, per-student feedback and a gradebook; with a course file, the
    late penalties and the course gradebook too."""
    from grader.course import load_assignment
    from grader.courserun import course_run
    from grader.discover import discover

    root = _course(course)
    total = len(discover(submissions))
    material = load_assignment(root, assignment)
    in_course = course_run(root, course_file, gradebook, submitted_at)
    with _early_lanes(executor, min(jobs, total)):
        from grader.grade import grade  # pytest, numpy...: the early lanes start meanwhile

        isolation = IsolationProbe(material, sandbox)

        def run(advance: Callable[[LaneResult], None]) -> GradeReport:
            return grade(
                root,
                assignment,
                submissions,
                out_dir.resolve(),
                jobs=jobs,
                seed=seed,
                force=force,
                sandbox=sandbox,
                device=device,
                on_result=advance,
                executor=executor,
                address=address,
                course_run=in_course,
            )

        report = _with_progress(total, isolation, run)
    _print_class(report.results)
    out.print(
        f"seed {report.seed}; {len(report.results)} submissions in {report.duration_s:.1f} s; "
        f"{len(report.skipped_unchanged)} unchanged and skipped"
    )
    out.print(
        f"results: {out_dir}/<student>/{{result.json,results.json,feedback.html,feedback.md}}; "
        f"gradebook: {out_dir / 'gradebook.csv'}"
    )
    if in_course is not None:
        _print_course(report, in_course, total)
    _say_hand(report.results, in_course is not None)
    _exit_on_grader_faults(report.results)


def _say_hand(results: list[SubmissionResult], in_course: bool) -> None:
    """What the questions graded by hand wait for: grader serve, or first a course file."""
    hand = max((r.hand for r in results), key=len, default=[])
    if not hand:
        return
    points = sum(q.max_points for q in hand)
    what = f"{len(hand)} question(s) to grade by hand ({points:g} points) for each student"
    if in_course:
        _say(f"{what}; until then no final score: grader serve -a {results[0].assignment}")
    else:
        _say(
            f"{what}: they are graded in the course gradebook, so grade with a course file "
            "(course.toml or --course-file; docs/manual-grading.md), then grader serve"
        )


def _with_progress(
    total: int,
    isolation: IsolationProbe,
    run: Callable[[Callable[[LaneResult], None]], GradeReport],
) -> GradeReport:
    """``run(advance)`` under a progress bar that ``advance`` moves once per submission; the
    isolation report comes before the first result, as it did when the probe ran first."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("[bold]grading[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}", markup=False),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        bar = progress.add_task("", total=total)

        def advance(lane: LaneResult) -> None:
            isolation.announce()
            r = lane.result
            note = " (unchanged, skipped)" if lane.skipped else ""
            progress.update(
                bar,
                advance=1,
                description=printable(f"{r.student}: {r.score:g}/{r.max_score:g}{note}"),
            )

        try:
            report = run(advance)
        except KeyboardInterrupt:
            print(INTERRUPTED, file=sys.stderr)
            raise typer.Exit(130) from None
        except Exception:
            isolation.announce()  # a probe that failed says so first, as it did before
            raise
        isolation.announce()  # a class with no result to show
    return report


def _print_course(report: GradeReport, in_course: CourseRun, total: int) -> None:
    """The late submissions and their penalties, the students not on the roster, the times
    given for no submission, what changed in the course gradebook, and where it is."""
    from grader.coursebook.store import summarize

    results = report.results
    late = [r for r in results if r.late is not None and r.late.minutes_late > 0]
    for r in late:
        assert r.late is not None
        cost = f"{r.awarded:g} -> {r.final:g}" if r.late.percent else "no penalty"
        _say(f"late: {r.student}: {r.late.reason}; {cost}")
    guessed = [r.student for r in results if r.late is not None and r.late.source == "file time"]
    if guessed:
        _say(
            f"{len(guessed)} submission time(s) from file times ({', '.join(guessed[:5])}"
            f"{', ...' if len(guessed) > 5 else ''}); give real ones with --submitted-at FILE.csv"
        )
    roster = {s.id for s in in_course.course.students}
    strangers = [r.student for r in results if r.student not in roster]
    if roster and strangers:
        _say(
            f"not on the roster of {in_course.path}: {', '.join(strangers)}; they are in the "
            "gradebook, but no export can name them in the LMS until they are added"
        )
    unused = sorted(set(in_course.times) - {r.student for r in results})
    if unused and len(results) == total:
        _say(f"submission times given for students with no submission: {', '.join(unused)}")
    if any(c.old is not None for c in report.changes):
        _say(f"gradebook changes: {summarize(report.changes)}")
    _say(f"course gradebook: {in_course.gradebook} ({len(late)} late)")


def _exit_on_grader_faults(results: list[SubmissionResult]) -> None:
    """Exit 3, naming each one, when the grader's own code failed on some submissions."""
    from grader.safetext import printable

    faults = [r for r in results if r.grader_fault]
    if not faults:
        return
    console.print(
        f"[bold red]the grader could not process {len(faults)} submission(s)[/]; each got a "
        "result saying so, and a re-run grades them again. Please report this as a grader bug:"
    )
    for r in faults:
        line = printable(f"  - {r.student}: {r.grader_fault}")
        console.print(line, markup=False, highlight=False)
    raise typer.Exit(3)


def _say(text: str, target: Console | None = None) -> None:
    """One line of text that may hold student text or a path: printable, never markup."""
    (target or out).print(printable(text), markup=False, highlight=False, soft_wrap=True)


def _cells(*cells: str) -> list[Text]:
    """Table cells that render as the literal text: a str cell would be parsed as markup."""
    return [Text(printable(cell)) for cell in cells]


def _clip(text: str, limit: int = 300) -> str:
    """At most ``limit`` characters of ``text``: the class table is an overview, the whole
    reason is in each student's feedback and gradebook.csv."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _early_lanes(executor: str, lanes: int) -> contextlib.AbstractContextManager[None]:
    """The local lanes, started before the rest of ``grade``'s start-up so the two overlap."""
    if executor != "local" or lanes < 1:
        return contextlib.nullcontext()
    from grader.executors.local import early_lanes

    return early_lanes(lanes)


class IsolationProbe:
    """How submissions are confined, asked of a worker started on an empty folder
    (:func:`grader.run.probe_isolation`) in a thread beside the grading's start-up, and said
    up front (:meth:`announce`), loudly where it is weaker than the strongest."""

    def __init__(self, material: Assignment, sandbox: bool) -> None:
        from grader.run import probe_isolation  # here, not in the thread: imports stay in one

        self.sandbox = sandbox
        self._applied: list[str] = []
        self._error: BaseException | None = None
        self._announced = False

        def probe() -> None:
            try:
                self._applied = probe_isolation(material, sandbox=sandbox)
            except BaseException as exc:  # noqa: BLE001 - re-raised by announce()
                self._error = exc

        self._thread = threading.Thread(target=probe, name="isolation-probe", daemon=True)
        self._thread.start()

    def announce(self) -> None:
        """Print the report, once, waiting for the probe; raise what the probe raised."""
        if self._announced:
            return
        self._announced = True
        self._thread.join()
        if self._error is not None:
            raise self._error
        _print_isolation(self._applied, self.sandbox)


def _print_isolation(applied: list[str], sandbox: bool) -> None:
    """What the probe's worker applied, and in red what a weaker sandbox lets through."""
    weak = not sandbox or any("WEAKER" in m or "NO SANDBOX" in m for m in applied)
    style = "bold red" if weak else "green"
    console.print(f"[{style}]sandbox{' (WEAKER THAN FULL ISOLATION)' if weak else ''}:[/]")
    for line in applied:
        console.print(f"  - {printable(line)}", markup=False, highlight=False)
    if not sandbox:
        console.print(
            "[bold red]  A submission can now read the reference and the hidden checks, change other "
            "students' files and results, and use the network. Use --no-sandbox only to debug.[/]"
        )


def _print_class(results: list[SubmissionResult]) -> None:
    table = Table(title="class")
    for col in ("student", "score", "max", "%", "status"):
        table.add_column(col)
    for r in results:
        status = "graded" if r.gradable else f"not gradable: {_clip(r.not_gradable_reason or '')}"
        table.add_row(
            *_cells(r.student, f"{r.score:g}", f"{r.max_score:g}", f"{r.percent:.0f}", status)
        )
    out.print(table)


@app.command("validate")
def validate_cmd(
    assignment: AssignmentOpt,
    jobs: JobsOpt = 2,
    seed: SeedOpt = None,
    device: Annotated[
        str | None,
        typer.Option("--device", help="cpu, cuda or auto (default: the spec's \\[device] policy)."),
    ] = None,
    keep: Annotated[
        Path | None,
        typer.Option(
            "--keep",
            help="Also write every submission graded (reference, template, mutant-NAME, "
            "alternative-NAME) as a folder under this one.",
        ),
    ] = None,
    course: CourseOpt = None,
) -> None:
    """Check the checks: reference 100%, template 0%, every mutant caught by its target checks,
    every alternative (correct code written differently) 100%."""
    from grader.validate import validate

    def graded(result: SubmissionResult) -> None:
        _say(
            f"graded {result.student}: {result.score:g}/{result.max_score:g} "
            f"in {result.duration_s:.1f} s",
            console,
        )

    report = validate(
        _course(course),
        assignment,
        jobs=jobs,
        seed=seed,
        device=device,
        on_result=graded,
        keep=keep,
    )
    if keep is not None:
        _say(
            f"kept the submissions graded in {keep}/ (grader test -a {assignment} --submission {keep}/NAME)",
            console,
        )
    table = Table(
        title=Text(
            printable(
                f"validate {assignment} (seed {report.seed}, device {report.device}, "
                f"{report.duration_s:.0f} s)"
            )
        )
    )
    for col in ("submission", "kind", "score", "expected", "result", "problem"):
        table.add_column(col, overflow="fold")
    for row in report.rows:
        name, kind, score, expectation, problem = _cells(
            row.name, row.kind, f"{row.score:g}/{row.max_score:g}", row.expectation, row.problem
        )
        verdict = Text("ok", style="green") if row.ok else Text("FAIL", style="red")
        table.add_row(name, kind, score, expectation, verdict, problem)
    out.print(table)
    if report.warnings:
        _say(f"{len(report.warnings)} warning(s), which do not fail validation:")
        for warning in report.warnings:
            _say(f"  warning: {warning}")
    if not report.ok:
        raise typer.Exit(1)


@app.command("new")
def new_cmd(
    assignment_id: Annotated[str, typer.Argument(help="The new assignment's id, e.g. conv_numpy.")],
    files: Annotated[
        list[str],
        typer.Option("--files", help="A file the students write (repeat for more), e.g. conv.py."),
    ],
    title: Annotated[str, typer.Option("--title", help="The assignment's title.")] = "",
    course: Annotated[
        Path | None,
        typer.Option(
            "--course", help="Course folder (made if missing; default: found from cwd, else cwd)."
        ),
    ] = None,
) -> None:
    """Scaffold a new assignment that validates at once: spec, one check, one mutant, one
    alternative, a reference with one sample function, and the released template."""
    from grader.course import find_course
    from grader.scaffold import new_assignment

    if course is None:
        try:
            course = find_course()
        except InstructorError:
            course = Path.cwd()
    for path in new_assignment(course, assignment_id, files, title):
        _say(f"wrote {path}")
    _say(
        f"next: grader test -a {assignment_id}   (the checks on the reference)\n"
        f"      grader validate -a {assignment_id}   (reference 100%, template 0%, mutants caught)"
    )


@app.command("test", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def test_cmd(
    ctx: typer.Context,
    assignment: AssignmentOpt,
    keyword: Annotated[
        str | None, typer.Option("-k", help="Only the checks matching this pytest expression.")
    ] = None,
    submission: Annotated[
        Path | None,
        typer.Option(
            "--submission", help="Run on this submission folder (default: the reference)."
        ),
    ] = None,
    mutant: Annotated[
        str | None, typer.Option("--mutant", help="Run on this mutant of the reference.")
    ] = None,
    pdb: Annotated[
        bool, typer.Option("--pdb", help="Start the debugger where a check fails.")
    ] = False,
    exitfirst: Annotated[
        bool, typer.Option("--exitfirst", "-x", help="Stop at the first failing check.")
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the checks' random inputs.")] = 0,
    device: Annotated[str, typer.Option("--device", help="cpu, cuda or auto.")] = "cpu",
    course: CourseOpt = None,
) -> None:
    """Run the checks (public and hidden) on the reference, a submission folder or a mutant,
    with pytest's own output; pytest options go after `--` (grader test -a ID -- -v --tb=long)."""
    from grader.authortest import Target, run_author_checks
    from grader.course import load_assignment
    from grader.run import resolve_device

    if submission is not None and mutant is not None:
        raise InstructorError("give --submission or --mutant, not both")
    target = Target(
        kind="submission" if submission else "mutant" if mutant else "reference",
        folder=submission,
        mutant=mutant,
    )
    options = [*(["-k", keyword] if keyword else []), *(["--pdb"] if pdb else [])]
    options += [*(["-x"] if exitfirst else []), *ctx.args]
    material = load_assignment(_course(course), assignment)
    code = run_author_checks(material, target, options, seed=seed, device=resolve_device(device))
    raise typer.Exit(code)


@app.command("release")
def release_cmd(
    assignment: AssignmentOpt,
    check: Annotated[
        bool, typer.Option("--check", help="Only report whether the template is stale.")
    ] = False,
    course: CourseOpt = None,
) -> None:
    """Regenerate student_template/ID/ from reference/ID/, stripping the solutions."""
    from grader.course import load_assignment
    from grader.release import release, stale_files

    material = load_assignment(_course(course), assignment)
    if check:
        stale = stale_files(material)
        if stale:
            _say(
                f"stale template files: {', '.join(stale)}; run `grader release --assignment {assignment}`"
            )
            raise typer.Exit(1)
        _say("template is up to date")
        return
    for path in release(material):
        _say(f"wrote {path}")


@app.command("report")
def report_cmd(
    results_dir: Annotated[
        Path, typer.Argument(help="A folder `grader grade --out` wrote: <student>/result.json.")
    ],
    page: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Where the page goes (default: RESULTS_DIR/report.html)."),
    ] = None,
) -> None:
    """Write the class report (one self-contained HTML page) and lms.csv for an LMS import."""
    from grader.outputs import write_class_report

    files = write_class_report(results_dir, page)
    for item in files.unreadable:
        why = printable(
            f" {item.path}: {item.problem}; re-run `grader grade` into this folder to re-grade it"
        )
        warning = Text.assemble(
            ("unreadable, left out of the report and lms.csv:", "bold red"), why
        )
        console.print(warning, highlight=False, soft_wrap=True)
    lines = [f"class report: {files.page}", f"LMS gradebook: {files.lms_csv}"]
    if files.gradescope_written:
        lines.insert(0, f"wrote missing results.json for: {', '.join(files.gradescope_written)}")
    for line in lines:
        _say(line)


PathArg = Annotated[
    Path,
    typer.Argument(
        help="Your assignment's folder, with your .py files or notebook (default: here)."
    ),
]
BundleOpt = Annotated[
    Path | None,
    typer.Option("--bundle", help="The public checks bundle (default: .grader/ here or above)."),
]
OptionalAssignmentOpt = Annotated[
    str | None,
    typer.Option("--assignment", "-a", help="Assignment id (default: the bundle's)."),
]
NoSandboxOpt = Annotated[
    bool,
    typer.Option(
        "--sandbox/--no-sandbox", help="Confine your code while checking (off only to debug)."
    ),
]


@app.command("check")
def check_cmd(
    path: PathArg = Path("."),
    assignment: OptionalAssignmentOpt = None,
    bundle: BundleOpt = None,
    details: Annotated[
        bool, typer.Option("--details", help="Show each check that did not pass in full.")
    ] = False,
    sandbox: NoSandboxOpt = True,
) -> None:
    """Run the public checks on your own files. Exits 0 whenever the checks ran."""
    from grader.selfcheck.run import self_check
    from grader.selfcheck.show import details as details_text
    from grader.selfcheck.show import table

    report = self_check(path, assignment, bundle=bundle, sandbox=sandbox)
    out.print(table(report, width=out.width))
    if details:
        out.print()
        out.print(details_text(report), markup=False, highlight=False)


@app.command("ci")
def ci_cmd(
    path: PathArg = Path("."),
    assignment: OptionalAssignmentOpt = None,
    course: Annotated[
        Path | None,
        typer.Option(
            "--course",
            help="A full course folder (the private checks): grade with every check "
            "(default: $GRADER_COURSE; without either, the public checks).",
        ),
    ] = None,
    bundle: BundleOpt = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            help="Fail below this percentage (default: the spec's \\[ci] pass_percent).",
        ),
    ] = None,
    junit: Annotated[Path, typer.Option("--junit", help="Where the JUnit XML goes.")] = Path(
        "grader-junit.xml"
    ),
    seed: SeedOpt = None,
    sandbox: NoSandboxOpt = True,
    print_workflow: Annotated[
        bool,
        typer.Option(
            "--print-workflow", help="Print the GitHub Actions workflow for a student repository."
        ),
    ] = False,
    grader_source: Annotated[
        str | None,
        typer.Option(
            "--grader-source",
            help="What the workflow pip-installs (required with --print-workflow), e.g. "
            "'dl-grader @ git+https://github.com/my-course/dl-grader@v0.1.0'.",
        ),
    ] = None,
    classroom50: Annotated[
        Path | None,
        typer.Option(
            "--classroom50",
            help="Also write Classroom 50's result.json (classroom50/result/v1) here, and "
            "exit 0 once it is written: Classroom 50 sets the commit status from it.",
        ),
    ] = None,
) -> None:
    """Grade on push: summary, annotations and JUnit XML; exit 1 below the threshold."""
    import os

    if print_workflow:
        _print_workflow(assignment, grader_source, course or Path("."))
        return
    from grader.ci.escape import CommandFence, log_text
    from grader.ci.run import run_ci
    from grader.selfcheck.show import plain

    def say(text: str) -> None:
        print(log_text(text), flush=True)  # plain stdout: the runner reads it line by line

    # Everything between the fence's two lines may hold student text: GitHub reads no
    # workflow command there. The annotations, our own commands, come after it.
    with CommandFence(
        lambda line: print(line, flush=True), os.environ.get("GITHUB_ACTIONS") == "true"
    ):
        outcome = run_ci(
            path,
            assignment,
            env=os.environ,
            course=course,
            bundle=bundle,
            threshold=threshold,
            junit=junit,
            seed=seed,
            sandbox=sandbox,
            classroom50=classroom50,
        )
        say(
            plain(
                outcome.report,
                f"the JUnit report ({junit}) holds each check that did not pass in full",
            )
        )
    for line in outcome.annotations:
        print(line)  # workflow commands, their student text escaped by grader.ci.outputs
    say(f"sandbox: {outcome.sandbox}")
    if outcome.threshold <= 0:
        say(f"{outcome.percent:.0f}% (no threshold set); JUnit: {junit}")
    else:
        verdict = "passes" if outcome.passed else "is below"
        say(
            f"{outcome.percent:.0f}% {verdict} the threshold of {outcome.threshold:g}%; JUnit: {junit}"
        )
    if outcome.result_json is not None:
        say(f"Classroom 50 result: {outcome.result_json}")
        return  # Classroom 50's runner sets the commit status from result.json's tests
    if not outcome.passed:
        raise typer.Exit(1)


def _print_workflow(assignment: str | None, source: str | None, course: Path) -> None:
    """``grader ci --print-workflow``: the workflow, with the extras the assignment needs."""
    from grader.ci import SOURCE_EXAMPLE, workflow
    from grader.ci.extras import extras_for
    from grader.course import load_assignment

    if assignment is None:
        raise InstructorError("--print-workflow needs --assignment ID")
    if not source:
        raise InstructorError(
            "--print-workflow needs --grader-source: what each student's job pip-installs, "
            f"pinned to a tag, e.g. --grader-source '{SOURCE_EXAMPLE}'"
        )
    loaded = load_assignment(course.resolve(), assignment)
    try:
        extras = extras_for(loaded)  # one scan of the course files serves both
        text = workflow(assignment, source, extras=extras, torch="torch" in extras)
    except ValueError as exc:
        raise InstructorError(str(exc)) from exc
    print(text, end="")


export_app = typer.Typer(
    no_args_is_help=True,
    help="Export an assignment for Gradescope, or the course's grades for an LMS.",
)
app.add_typer(export_app, name="export")


@export_app.command("gradescope")
def export_gradescope_cmd(
    assignment: AssignmentOpt,
    zip_path: Annotated[
        Path, typer.Option("--out", "-o", help="Where the autograder zip goes.")
    ] = Path("autograder.zip"),
    grader_source: Annotated[
        str | None,
        typer.Option(
            "--grader-source",
            help="What setup.sh pip-installs, e.g. 'dl-grader @ git+https://github.com/COURSE/"
            "dl-grader@v0.1.0' (default: this grader's source, bundled in the zip).",
        ),
    ] = None,
    course: CourseOpt = None,
) -> None:
    """Write Gradescope's autograder zip: setup.sh, run_autograder and the course material
    (hidden checks included) that grades one submission with every check (docs/gradescope.md)."""
    from grader.course import load_assignment
    from grader.export import export_gradescope

    material = load_assignment(_course(course), assignment)
    made = export_gradescope(material, zip_path, source=grader_source)
    _say(f"wrote {made.path}: {len(made.files)} files, {made.size_bytes / 1e6:.1f} MB")
    _say(f"setup.sh installs: {made.requirement} {' '.join(made.index_options)}".rstrip())
    _say(
        "next: upload it as the assignment's autograder (Configure Autograder > Zip file upload); "
        "set its memory and timeout from docs/gradescope.md"
    )


# -- grader release-feedback (issue 19, item 6) ----------------------------------------------


@app.command("release-feedback")
def release_feedback_cmd(
    results_dir: Annotated[
        Path, typer.Argument(help="A folder `grader grade --out` wrote: <student>/feedback.html.")
    ],
    out_dir: Annotated[
        Path, typer.Argument(help="Where each student's folder (or zip) goes; not inside it.")
    ],
    as_zip: Annotated[
        bool, typer.Option("--zip", help="One <student>.zip per student instead of a folder.")
    ] = False,
    students: Annotated[
        list[str] | None,
        typer.Option("--student", "-s", help="Only this student (repeat for more)."),
    ] = None,
    course: CourseOpt = None,
    course_file: CourseFileOpt = None,
    gradebook: GradebookOpt = None,
) -> None:
    """Write each student's feedback.html and feedback.md, and nothing else, to hand back;
    with the grades given by hand from the course gradebook (grader serve) put in."""
    from grader.release_feedback import release_feedback

    hand = coursecli.hand_grades_for(results_dir, course, course_file, gradebook)
    written = release_feedback(results_dir, out_dir, zip=as_zip, students=students, hand=hand)
    kind = ("zip" if as_zip else "folder") + ("" if len(written) == 1 else "s")
    _say(f"wrote {len(written)} {kind} to {out_dir}, one per student: feedback.html, feedback.md")
    released = {p.name.removesuffix(".zip") for p in written}
    waiting = sorted(s for s, qs in hand.items() if s in released and any(not q.graded for q in qs))
    if waiting:
        _say(
            f"{len(waiting)} released with questions not graded by hand yet (their pages say "
            f"so): {', '.join(waiting)}; grade them with grader serve, then release again"
        )


# -- grader similarity (issue 20, item 4) ----------------------------------------------


@app.command("similarity")
def similarity_cmd(
    submissions: Annotated[
        Path, typer.Argument(help="Folder with one folder, .zip or notebook per student.")
    ],
    assignment: AssignmentOpt,
    past: Annotated[
        list[Path] | None,
        typer.Option(
            "--past", help="A past term's submissions folder, compared against (repeatable)."
        ),
    ] = None,
    page: Annotated[Path, typer.Option("--out", "-o", help="Where the HTML page goes.")] = Path(
        "similarity.html"
    ),
    top: Annotated[int, typer.Option("--top", min=1, help="Pairs listed.")] = 20,
    course: CourseOpt = None,
) -> None:
    """Which submissions share code beyond the template: the most similar pairs, and a page
    with the matching code side by side (docs/similarity.md). Nothing is run."""
    import tempfile
    from datetime import datetime

    from grader.course import load_assignment
    from grader.extras import require
    from grader.similarity import compare, read_submissions, template_code, write_similarity

    material = load_assignment(_course(course), assignment)
    require("copydetect", why="the similarity report", who="grader similarity")  # said first
    with tempfile.TemporaryDirectory(prefix="grader-similarity-") as scratch:
        docs = read_submissions(submissions, material, Path(scratch, "now"))
        for i, folder in enumerate(past or []):
            where = Path(scratch, f"past{i}")
            docs += read_submissions(folder, material, where, past_label=folder.resolve().name)
    report = compare(docs, template_code(material), assignment=assignment, top=top)
    table = Table(title=f"most similar pairs of {len(docs)} submissions")
    for column in ("A", "B", "A found in B", "B found in A"):
        table.add_column(column, justify="right" if "found" in column else "left")
    for pair in report.pairs:
        b = f"{pair.student_b} (past)" if pair.b_is_past else pair.student_b
        table.add_row(*_cells(pair.student_a, b, f"{pair.a_to_b:.0%}", f"{pair.b_to_a:.0%}"))
    out.print(table)
    written = write_similarity(report, page, generated=datetime.now())
    _say(f"{report.compared} pairs compared in {report.seconds:.1f} s; page: {written}")
    _say("a high score is a reason to look, not proof: read the matching code on the page")


coursecli.register(app, export_app)
serve_cli.register(app)


def main() -> None:
    """Console entry point: instructor errors become a message and exit code 2."""
    try:
        app()
    except InstructorError as exc:
        print(f"error: {printable(str(exc))}", file=sys.stderr)  # unwrapped: paths stay whole
        sys.exit(exc.exit_code)
