"""The grading page's HTTP server: werkzeug's threaded server in a thread of its own, so the
command and the tests start and stop it the same way."""

from __future__ import annotations

import threading
from pathlib import Path

from grader.errors import InstructorError
from grader.extras import require
from grader.serve.security import Guard, new_token
from grader.spec import AssignmentSpec

__all__ = ["Server"]


class Server:
    """A running grading server; :attr:`url` holds the token to open it with."""

    def __init__(self, server: object, thread: threading.Thread, url: str, token: str) -> None:
        self._server = server
        self._thread = thread
        self.url = url
        self.token = token

    @classmethod
    def start(
        cls,
        gradebook: Path,
        spec: AssignmentSpec,
        scratch: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        grader: str = "",
        anonymous: bool = False,
    ) -> Server:
        require("flask", why="the grading page", who="grader serve")
        serving = require("werkzeug.serving", why="the grading page", who="grader serve")
        from grader.serve.app import ServeConfig, create_app

        token = token or new_token()
        # bound first, so port 0 gets its number before the Host check is set up
        holder: dict[str, object] = {}

        def app(environ: dict[str, object], start_response: object) -> object:
            return holder["app"](environ, start_response)  # type: ignore[operator]

        try:
            server = serving.make_server(host, port, app, threaded=True)
        except OSError as exc:
            raise InstructorError(
                f"cannot listen on {host}:{port} ({exc.strerror or exc}); another program may "
                "hold the port: give --port N, or --port 0 for any free one"
            ) from exc
        bound = server.socket.getsockname()[1]
        guard = Guard.for_server(token, host, bound)
        config = ServeConfig(
            gradebook=gradebook,
            spec=spec,
            guard=guard,
            grader=grader,
            scratch=scratch,
            anonymous=anonymous,
        )
        holder["app"] = create_app(config)
        thread = threading.Thread(target=server.serve_forever, name="grader-serve", daemon=True)
        thread.start()
        # listening on every address: this machine opens it on loopback
        shown = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
        shown = f"[{shown}]" if ":" in shown else shown
        return cls(server, thread, f"http://{shown}:{bound}/?token={token}", token)

    def wait(self) -> None:
        while self._thread.is_alive():
            self._thread.join(0.5)

    def stop(self) -> None:
        self._server.shutdown()  # type: ignore[attr-defined]
        self._thread.join(5)
