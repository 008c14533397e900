"""Who may use the grading page: the holder of the token ``grader serve`` printed.

The page is bound to the loopback address, but any local process (or a web page in the
grader's browser) can reach a loopback port, so every request must carry the token:

* the printed URL holds it once (``/?token=...``); that request sets an HttpOnly,
  SameSite=Strict cookie and redirects to the URL without it, so it stays out of history;
* every later request needs the cookie; a request that changes anything is a POST that also
  carries the token in the ``X-Grader-Token`` header (a page elsewhere cannot read it);
* the Host header must name this server (a DNS-rebinding page cannot pass as it);
* every answer carries a Content-Security-Policy that allows no inline script, no remote
  resource and no framing by others.
"""

from __future__ import annotations

import hmac
import secrets

from pydantic import BaseModel, ConfigDict

__all__ = ["COOKIE", "HEADER", "Guard", "new_token"]

COOKIE = "grader_token"
HEADER = "X-Grader-Token"

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self'",
        "object-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'self'",
    ]
)
"""The page's Content-Security-Policy: its own script and styles, images inside answers
(``data:``), the PDF of an answer in a frame of its own; nothing inline, nothing remote."""

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "SAMEORIGIN",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Guard(BaseModel):
    """The token and the host names this server answers to."""

    model_config = ConfigDict(frozen=True)

    token: str
    hosts: frozenset[str]
    """``host:port`` values the Host header may hold."""

    @classmethod
    def for_server(cls, token: str, host: str, port: int) -> Guard:
        names = {host, "127.0.0.1", "localhost"} if host in ("127.0.0.1", "localhost") else {host}
        if host in ("::1", "[::1]"):
            names = {"[::1]", "localhost"}
        return cls(token=token, hosts=frozenset(f"{n}:{port}" for n in names))

    def right_token(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def right_host(self, host: str | None) -> bool:
        return host is not None and host.lower() in self.hosts
