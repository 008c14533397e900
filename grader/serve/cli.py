"""``grader serve``: the grading page for one assignment, on this machine only.

:func:`register` adds it to the ``grader`` app (:mod:`grader.cli`).
"""

from __future__ import annotations

import getpass
import ipaddress
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from grader.coursecli import CourseFileOpt, GradebookOpt, open_course
from grader.errors import InstructorError
from grader.safetext import printable

__all__ = ["register", "serve_cmd"]

_out = Console(soft_wrap=True)
_err = Console(stderr=True, soft_wrap=True)


def serve_cmd(
    assignment: Annotated[str, typer.Option("--assignment", "-a", help="Assignment id.")],
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="The port (0: any free one).")
    ] = 8765,
    host: Annotated[
        str,
        typer.Option("--host", help="The address to listen on (loopback unless --allow-remote)."),
    ] = "127.0.0.1",
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote", help="Listen on a non-loopback address (behind your own TLS)."
        ),
    ] = False,
    token: Annotated[
        str | None, typer.Option("--token", help="The access token (default: a new random one).")
    ] = None,
    grader: Annotated[
        str | None,
        typer.Option("--grader", help="Who the grades are by (default: your user name)."),
    ] = None,
    anonymous: Annotated[
        bool,
        typer.Option(
            "--anonymous", help="Show students as 'Student N', not by id or name, while grading."
        ),
    ] = False,
    open_browser: Annotated[
        bool, typer.Option("--open/--no-open", help="Open the page in your browser.")
    ] = False,
    course: Annotated[
        Path | None, typer.Option("--course", help="Course folder (default: found from cwd).")
    ] = None,
    course_file: CourseFileOpt = None,
    gradebook: GradebookOpt = None,
) -> None:
    """Grade the questions graded by hand in the browser, beside the automatic results."""
    from grader.course import load_assignment
    from grader.coursebook.store import Coursebook
    from grader.serve.server import Server

    if not _loopback(host) and not allow_remote:
        raise InstructorError(
            f"--host {host} is not a loopback address: anyone who can reach it could try the "
            "token; use 127.0.0.1 (and an SSH tunnel), or add --allow-remote behind your own TLS"
        )
    if not _loopback(host):
        _err.print(
            f"warning: --allow-remote: the grading page listens on {host}, where other machines "
            "can reach it over plain HTTP; the token travels unencrypted unless your own TLS "
            "proxy is in front",
            markup=False,
            highlight=False,
        )
    root, run = open_course(course, course_file, gradebook)
    spec = load_assignment(root, assignment).spec
    with Coursebook.open(run.gradebook, create=False) as book:
        questions = book.manual_questions(assignment)
        graded = len(book.current_submissions(assignment))
    if not questions:
        raise InstructorError(
            f"{assignment} has no questions graded by hand in {run.gradebook}: add [[manual]] "
            "items to its assignment.toml and run grader grade (docs/manual-grading.md)"
        )
    with tempfile.TemporaryDirectory(prefix="grader-serve-") as scratch:
        server = Server.start(
            run.gradebook,
            spec,
            Path(scratch),
            host=host,
            port=port,
            token=token,
            grader=grader or getpass.getuser(),
            anonymous=anonymous,
        )
        _out.print(
            printable(
                f"grading page for {assignment}: {len(questions)} question(s), {graded} "
                f"submission(s); gradebook {run.gradebook}"
            ),
            markup=False,
            highlight=False,
        )
        _out.print(f"open {server.url}   (Ctrl+C stops)", markup=False, highlight=False)
        if open_browser:
            import webbrowser

            webbrowser.open(server.url)
        try:
            server.wait()
        except KeyboardInterrupt:
            _out.print("stopped", markup=False)
        finally:
            server.stop()


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)
