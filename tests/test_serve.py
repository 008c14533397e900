"""The grading page over HTTP (Flask's test client): who may use it, what it shows, and
that saves and rubric edits go through the gradebook's rules."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("flask")

from grader.coursebook.store import Coursebook  # noqa: E402
from grader.models import SubmissionResult  # noqa: E402
from grader.serve.app import ServeConfig, create_app  # noqa: E402
from grader.serve.security import HEADER, Guard  # noqa: E402
from tests.servecourse import PDF, SPEC, make_class  # noqa: E402

TOKEN = "t0ken-for-tests"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))


BASE = "http://127.0.0.1:8765"


@pytest.fixture
def served(tmp_path: Path) -> tuple[Any, Path]:
    gradebook = make_class(tmp_path)
    config = ServeConfig(
        gradebook=gradebook,
        spec=SPEC,
        guard=Guard.for_server(TOKEN, "127.0.0.1", 8765),
        grader="prof",
        scratch=tmp_path / "scratch",
    )
    app = create_app(config)
    client = app.test_client()
    client.get(f"{BASE}/?token={TOKEN}")  # the printed URL: sets the cookie
    return client, gradebook


def _save(client: Any, item: str, student: str, body: dict[str, Any]) -> Any:
    return client.post(f"{BASE}/api/grade/{item}/{student}", json=body, headers={HEADER: TOKEN})


def test_no_token_no_page(tmp_path: Path) -> None:
    gradebook = make_class(tmp_path)
    guard = Guard.for_server(TOKEN, "127.0.0.1", 8765)
    config = ServeConfig(
        gradebook=gradebook, spec=SPEC, guard=guard, grader="", scratch=tmp_path / "s"
    )
    client = create_app(config).test_client()
    assert client.get(f"{BASE}/").status_code == 403
    assert client.get(f"{BASE}/?token=wrong").status_code == 403
    first = client.get(f"{BASE}/?token={TOKEN}")
    assert first.status_code == 302 and first.headers["Location"] == "/"
    cookie = first.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get(f"{BASE}/")
    assert page.status_code == 200 and b"Q1: the Jacobian" in page.data
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp
    # a page elsewhere (DNS rebinding) names another host; a POST without the header is refused
    assert client.get("http://evil.example:8765/").status_code == 403
    no_header = client.post(f"{BASE}/api/grade/jacobian/ada", json={"applied": []})
    assert no_header.status_code == 403


def test_the_question_page_shows_the_answer_rubric_and_checks(served: tuple[Any, Path]) -> None:
    client, _ = served
    first = client.get(f"{BASE}/q/jacobian")
    assert first.status_code == 302 and first.headers["Location"].endswith("/q/jacobian/ada")
    page = client.get(f"{BASE}/q/jacobian/ada").get_data(as_text=True)
    assert "<math" in page and "data:image/png;base64," in page  # derivation and plot
    assert 'data-key="1"' in page and 'id="rubric-diagonal"' in page
    assert "test_a" in page and "Automatic checks: 2 / 4" in page
    assert 'data-next="bob"' in page


def test_a_hostile_answer_is_shown_as_text(served: tuple[Any, Path]) -> None:
    client, _ = served
    for item in ("jacobian", "writeup"):
        page = client.get(f"{BASE}/q/{item}/cy").get_data(as_text=True)
        assert "&lt;script&gt;" in page  # shown, as text
        parser = _Tags()
        parser.feed(page)
        scripts = [attrs.get("src") for tag, attrs in parser.found if tag == "script"]
        assert scripts == ["/static/serve.js"]
        assert not [a for _, attrs in parser.found for a in attrs if a.startswith("on")]
        assert not [
            attrs for tag, attrs in parser.found if tag == "img" and attrs.get("src") == "x"
        ]


def test_saving_and_a_conflict(served: tuple[Any, Path]) -> None:
    client, gradebook = served
    saved = _save(
        client,
        "jacobian",
        "ada",
        {"applied": ["diagonal", "off"], "comment": "ok", "version": 0, "by": "alice"},
    )
    assert saved.status_code == 200
    assert saved.json["grade"]["score"] == 3.5 and saved.json["grade"]["by"] == "alice"
    stale = _save(client, "jacobian", "ada", {"applied": [], "version": 0})
    assert stale.status_code == 409
    assert stale.json["current"]["by"] == "alice" and stale.json["current"]["version"] == 1
    with Coursebook.open(gradebook) as book:
        grade = book.manual_grade("ada", "hw1", "jacobian")
    assert grade is not None and grade.applied == ["diagonal", "off"]
    unknown = _save(client, "jacobian", "ada", {"applied": ["nope"], "version": 1})
    assert unknown.status_code == 400 and "no rubric item 'nope'" in unknown.json["error"]
    assert _save(client, "jacobian", "ada", {"applied": "x"}).status_code == 400
    assert _save(client, "jacobian", "ada", {"adjustment": "NaN", "version": 1}).status_code == 400
    for version in (True, 1.9, "1", -1):
        assert _save(client, "jacobian", "ada", {"version": version}).status_code == 400
    default = _save(client, "writeup", "bob", {"applied": ["unclear"], "version": 0})
    assert default.json["grade"]["by"] == "prof" and default.json["grade"]["score"] == 1


def test_a_rubric_edit_rescores_and_is_audited(served: tuple[Any, Path]) -> None:
    client, gradebook = served
    _save(client, "jacobian", "ada", {"applied": ["diagonal"], "version": 0})
    _save(client, "writeup", "ada", {"applied": [], "version": 0})
    edit = client.post(
        f"{BASE}/api/rubric/jacobian",
        json={"id": "diagonal", "title": "Diagonal", "points": 1, "comment": "", "by": "bo"},
        headers={HEADER: TOKEN},
    )
    assert edit.status_code == 200 and edit.json["rescored"] == 1
    added = client.post(
        f"{BASE}/api/rubric/jacobian",
        json={"id": None, "title": "Nice plot", "points": 0.5, "comment": "thanks"},
        headers={HEADER: TOKEN},
    )
    assert added.json["item"]["id"] == "nice_plot"
    too_much = client.post(
        f"{BASE}/api/rubric/writeup",
        json={"id": None, "title": "x", "points": 1, "comment": ""},
        headers={HEADER: TOKEN},
    )
    assert too_much.status_code == 400 and "0 or less" in too_much.json["error"]
    with Coursebook.open(gradebook) as book:
        entry = book.audit(student="ada")[-1]
    assert (entry.old, entry.new, entry.by) == (6, 5, "bo")


def test_the_pdf_route_serves_only_the_answers_pdf(served: tuple[Any, Path]) -> None:
    client, _ = served
    page = client.get(f"{BASE}/q/scan/ada").get_data(as_text=True)
    assert 'src="/pdf/scan/ada#page=1"' in page
    pdf = client.get(f"{BASE}/pdf/scan/ada")
    assert pdf.status_code == 200 and pdf.data == PDF
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert client.get(f"{BASE}/pdf/scan/bob").status_code == 404  # none handed in
    assert client.get(f"{BASE}/pdf/scan/cy").status_code == 404  # a symlink out: not followed
    assert "scan.pdf is not in the submission" in client.get(f"{BASE}/q/scan/cy").get_data(
        as_text=True
    )
    assert client.get(f"{BASE}/pdf/jacobian/ada").status_code == 404  # not a PDF answer
    assert client.get(f"{BASE}/q/nope/ada").status_code == 404
    assert client.get(f"{BASE}/q/jacobian/zed").status_code == 404


def test_a_grade_given_on_another_answer_is_flagged(
    tmp_path: Path, served: tuple[Any, Path]
) -> None:
    client, gradebook = served
    page = client.get(f"{BASE}/q/writeup/ada").get_data(as_text=True)
    digest = re.search(r'data-answer="([0-9a-f]+)"', page)
    assert digest is not None
    _save(client, "writeup", "ada", {"applied": [], "version": 0, "answer": digest.group(1)})
    assert 'id="answer-changed"' not in client.get(f"{BASE}/q/writeup/ada").get_data(as_text=True)
    # ada hands in again: the code changes, not the write-up, then the write-up too
    ada = tmp_path / "subs" / "ada"
    with Coursebook.open(gradebook) as book:
        run = book.begin_run("hw1", tmp_path / "subs", tmp_path / "out", "grade")
        result = SubmissionResult(
            student="ada", assignment="hw1", score=0, max_score=4, gradable=True, seed=1,
            content_hash="h-ada-2",
        )  # fmt: skip
        (ada / "nn.py").write_text("x = 2\n")
        book.record(run, result, ada)
        assert 'id="answer-changed"' not in client.get(f"{BASE}/q/writeup/ada").get_data(
            as_text=True
        )
        (ada / "answers.md").write_text("# Write-up\n\nentirely new\n")
        book.record(run, result.model_copy(update={"content_hash": "h-ada-3"}), ada)
    assert 'id="answer-changed"' in client.get(f"{BASE}/q/writeup/ada").get_data(as_text=True)


def test_two_servers_on_one_machine_keep_their_cookies(tmp_path: Path) -> None:
    """Does opening a second grader serve (another port) leave the first one's tab working?

    A browser sends a host's cookies to every port of it, so one cookie name for both
    would let the second server's token replace the first's."""
    from werkzeug.test import Client

    gradebook = make_class(tmp_path)
    apps = {
        port: create_app(
            ServeConfig(
                gradebook=gradebook,
                spec=SPEC,
                guard=Guard.for_server(token, "127.0.0.1", port),
                grader="",
                scratch=tmp_path / f"scratch-{port}",
            )
        )
        for port, token in ((8765, "first-token"), (8766, "second-token"))
    }

    def by_port(environ: dict[str, Any], start_response: Any) -> Any:
        return apps[int(environ["SERVER_PORT"])](environ, start_response)

    browser = Client(by_port)
    first, second = "http://127.0.0.1:8765", "http://127.0.0.1:8766"
    assert browser.get("/?token=first-token", base_url=first).status_code == 302
    assert browser.get("/?token=second-token", base_url=second).status_code == 302
    assert browser.get("/", base_url=first).status_code == 200
    assert browser.get("/", base_url=second).status_code == 200


def test_the_token_redirect_stays_on_this_server(served: tuple[Any, Path]) -> None:
    client, _ = served
    response = client.get(
        f"{BASE}/?token={TOKEN}", environ_overrides={"PATH_INFO": "//evil.example/"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/evil.example/"


@pytest.mark.parametrize(
    ("listen", "host", "right"),
    [
        ("127.0.0.1", "127.0.0.1:8765", True),
        ("127.0.0.1", "localhost:8765", True),
        ("127.0.0.1", "127.0.0.1:8766", False),  # another port: another server
        ("127.0.0.1", "192.168.1.5:8765", False),
        ("127.0.0.1", "rebind.evil.example:8765", False),
        ("127.0.0.1", "127.0.0.1", False),  # no port: 80
        ("::1", "[::1]:8765", True),
        ("0.0.0.0", "192.168.1.5:8765", True),  # --allow-remote: reached by its address
        ("0.0.0.0", "[fe80::1]:8765", True),
        ("0.0.0.0", "rebind.evil.example:8765", False),
        ("0.0.0.0", "192.168.1.5:9999", False),
        ("10.0.0.2", "10.0.0.2:8765", True),
        ("10.0.0.2", "10.0.0.3:8765", False),
    ],
)
def test_the_host_header_names_this_server(listen: str, host: str, right: bool) -> None:
    """Which Host headers pass the DNS-rebinding check, listening where?"""
    assert Guard.for_server(TOKEN, listen, 8765).right_host(host) is right


def test_a_remote_address_needs_allow_remote(tmp_path: Path) -> None:
    """Is listening beyond this machine refused without --allow-remote, and warned with it?"""
    from tests.clirun import grader

    refused = grader("serve", "-a", "hw1", "--host", "0.0.0.0", "--no-open", cwd=tmp_path)
    assert refused.returncode == 2
    assert "--host 0.0.0.0 is not a loopback address" in refused.stderr
    # with it: the warning comes first, then the course is looked for (none here)
    warned = grader("serve", "-a", "hw1", "--host", "0.0.0.0", "--allow-remote", cwd=tmp_path)
    assert warned.returncode == 2
    assert "warning: --allow-remote" in warned.stderr and "plain HTTP" in warned.stderr


def test_a_grade_saved_elsewhere_stands_while_its_submission_is_current(
    tmp_path: Path, served: tuple[Any, Path]
) -> None:
    """Is a grade saved without the page's answer digest (it keeps the submission's content
    hash) flagged only once another submission replaces that one?"""
    client, gradebook = served
    with Coursebook.open(gradebook) as book:
        book.grade_manual(
            "bob", "hw1", "jacobian", applied=["off"], adjustment=0, comment="",
            by="script", expected_version=0,
        )  # fmt: skip
    page = client.get(f"{BASE}/q/jacobian/bob").get_data(as_text=True)
    assert 'id="answer-changed"' not in page
    with Coursebook.open(gradebook) as book:
        run = book.begin_run("hw1", tmp_path / "subs", tmp_path / "out", "grade")
        again = SubmissionResult(
            student="bob", assignment="hw1", score=0, max_score=4, gradable=True, seed=1,
            content_hash="h-bob-2",
        )  # fmt: skip
        book.record(run, again, tmp_path / "subs" / "bob")
    page = client.get(f"{BASE}/q/jacobian/bob").get_data(as_text=True)
    assert 'id="answer-changed"' in page


def test_anonymous_grading_shows_no_id_or_name(tmp_path: Path) -> None:
    gradebook = make_class(tmp_path)

    def client_of() -> Any:
        config = ServeConfig(
            gradebook=gradebook,
            spec=SPEC,
            guard=Guard.for_server(TOKEN, "127.0.0.1", 8765),
            grader="prof",
            scratch=tmp_path / "scratch",
            anonymous=True,
        )
        client = create_app(config).test_client()
        client.get(f"{BASE}/?token={TOKEN}")
        return client

    client = client_of()
    first = client.get(f"{BASE}/q/jacobian")
    key = first.headers["Location"].rsplit("/", 1)[-1]
    assert first.status_code == 302 and key not in ("ada", "bob", "cy")
    pages = [client.get(BASE + first.headers["Location"]), client.get(f"{BASE}/overview")]
    for page in pages:
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "Student 1" in text and "Student 3" in text
        for who in ("ada", "bob", "Ada L", "Bob M", "Cy N", "/feedback/"):
            assert who not in text, who
    assert client.get(f"{BASE}/q/jacobian/ada").status_code == 404  # ids do not work
    saved = _save(client, "jacobian", key, {"applied": ["diagonal"], "version": 0})
    assert saved.status_code == 200 and "student" not in saved.json["grade"]
    with Coursebook.open(gradebook) as book:
        graded = [g.student for g in book.manual_grades("hw1", "jacobian")]
    assert len(graded) == 1 and graded[0] in ("ada", "bob", "cy")
    # the same keys and order after a restart: the salt is the gradebook's
    again = client_of().get(f"{BASE}/q/jacobian/{key}")
    assert again.status_code == 200 and "graded anonymously" in again.get_data(as_text=True)
